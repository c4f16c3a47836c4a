/** Support for the temporal conformance tests: entities with history written through the hub, and temporal request helpers. */
import assert from 'node:assert/strict';
import { API, describeResponse, type Hub, type Json } from '../ngsi-ld/support.ts';

export const TEMPORAL = `${API}/temporal/entities`;

export function temporalPath(id: string, rest = ''): string {
  return `${TEMPORAL}/${encodeURIComponent(id)}${rest}`;
}

/** A sensor reading at `at` (observedAt), as an attribute fragment. */
export function reading(value: unknown, at: string, extra: Json = {}): Json {
  return { type: 'Property', value, observedAt: at, ...extra };
}

/** GET on the temporal API, asserting `status` (200 by default) and returning the JSON body. */
export async function temporalGet<T = unknown>(hub: Hub, pathAndQuery: string, status = 200, options: Parameters<Hub['get']>[1] = {}): Promise<T> {
  const response = await hub.get(pathAndQuery, { accept: 'application/json', ...options });
  assert.equal(response.statusCode, status, `GET ${pathAndQuery}: ${describeResponse(response)}`);
  return response.json<T>();
}

/** PATCHes attributes of an entity through the hub (each call is one change, so one history instance per attribute). */
export async function patchAttrs(hub: Hub, id: string, attrs: Json): Promise<void> {
  const response = await hub.patch(`${API}/entities/${encodeURIComponent(id)}/attrs`, attrs, { contentType: 'application/json' });
  assert.equal(response.statusCode, 204, `PATCH ${id}: ${describeResponse(response)}`);
}

/** Minutes after `base` as an ISO date-time. */
export function minutesAfter(base: string, minutes: number): string {
  return new Date(Date.parse(base) + minutes * 60_000).toISOString();
}
