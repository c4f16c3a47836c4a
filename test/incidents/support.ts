/** Test support for incidents: an operator, hub writes standing for the alarms service and the units, and small HTTP helpers. */
import assert from 'node:assert/strict';
import type { InjectOptions } from 'fastify';
import type { Platform } from '../../src/app.ts';
import { bearer } from '../support/platform.ts';

/** The incident scene: near the West Lake (Xihu district). */
export const SCENE = { lat: 30.25, long: 120.1 };
/** Metres to degrees of latitude (north of the scene). */
export const north = (metres: number) => ({ lat: SCENE.lat + metres / 111_195, long: SCENE.long });

export type Call = (
  token: string | undefined,
  method: InjectOptions['method'],
  url: string,
  payload?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions; a wrong field fails the test
) => Promise<{ status: number; body: any }>;

export function caller(platform: Platform): Call {
  return async (token, method, url, payload) => {
    const response = await platform.server.inject({
      method,
      url,
      headers: token ? bearer(token) : {},
      ...(payload !== undefined ? { payload: payload as InjectOptions['payload'] } : {}),
    });
    const type = String(response.headers['content-type'] ?? '');
    return { status: response.statusCode, body: type.includes('json') ? response.json() : response.body };
  };
}

/** Creates a user with these roles and logs in. */
export async function userToken(call: Call, adminToken: string, username: string, roles: string[], login: (u: string, p: string) => Promise<string>): Promise<string> {
  const created = await call(adminToken, 'POST', '/api/v1/users', { username, password: `${username}-password`, roles });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return login(username, `${username}-password`);
}

/** Upserts entities through the NGSI-LD API (as the alarms service, the simulator or a crew's terminal would). */
export async function upsert(call: Call, token: string, entities: unknown[]): Promise<void> {
  const response = await call(token, 'POST', '/ngsi-ld/v1/entityOperations/upsert?options=update', entities);
  assert.ok(response.status === 201 || response.status === 204, `upsert: ${response.status} ${JSON.stringify(response.body)}`);
}

export const point = (p: { lat: number; long: number }) => ({ type: 'GeoProperty', value: { type: 'Point', coordinates: [p.long, p.lat] } });
const prop = (value: unknown) => ({ type: 'Property', value });

export function unit(id: string, kind: string, at: { lat: number; long: number }, status = 'available') {
  return { id: `urn:ngsi-ld:EmergencyVehicle:${id}`, type: 'EmergencyVehicle', name: prop(id), vehicleKind: prop(kind), status: prop(status), location: point(at) };
}

export function alert(id: string, alarmType: string, at: { lat: number; long: number }, extra: Record<string, unknown> = {}) {
  return {
    id: `urn:ngsi-ld:Alert:${id}`,
    type: 'Alert',
    category: prop(alarmType === 'fire' ? 'fire' : 'security'),
    subCategory: prop(alarmType),
    alarmType: prop(alarmType),
    alarmSeverity: prop('major'),
    severity: prop('high'),
    alarmStatus: prop('active'),
    acknowledged: prop(false),
    description: prop('文三路 88 号烟感与温感同时报警'),
    district: prop('xihu'),
    location: point(at),
    ...extra,
  };
}

export function serviceRequest(id: string, code: string, at: { lat: number; long: number }, requestedAt: Date) {
  return {
    id: `urn:ngsi-ld:ServiceRequest:${id}`,
    type: 'ServiceRequest',
    serviceRequestId: prop(id),
    serviceCode: prop(code),
    status: prop('open'),
    department: prop('urban-management'),
    district: prop('xihu'),
    requestedAt: prop(requestedAt.toISOString()),
    location: point(at),
  };
}

/** keyValues of a hub entity as the system sees it. */
export async function hubEntity(call: Call, token: string, id: string): Promise<Record<string, unknown>> {
  const response = await call(token, 'GET', `/ngsi-ld/v1/entities/${encodeURIComponent(id)}?format=keyValues`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}
