/** Test support for service requests: a platform with a citizen, officers and an admin, and small HTTP helpers. */
import assert from 'node:assert/strict';
import type { InjectOptions } from 'fastify';
import { bearer, startTestPlatform, type TestPlatform } from '../support/platform.ts';

export interface RequestsWorld {
  t: TestPlatform;
  admin: string;
  citizen: string;
  neighbour: string;
  /** An officer of `transport` (potholes). */
  transport: string;
  /** An officer of `urban-management` (street lights, garbage). */
  urban: string;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions; a wrong field fails the test
  call(token: string | undefined, method: InjectOptions['method'], url: string, payload?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** Pins inside Hangzhou's districts (hangzhou.ts polygons). */
export const PINS = {
  /** Xihu district, near the West Lake. */
  xihu: { lat: 30.25, long: 120.1 },
  /** Gongshu district. */
  gongshu: { lat: 30.36, long: 120.15 },
} as const;

/** The smallest JPEG header the sniffer accepts, and a PNG signature, padded with bytes. */
export const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7)]);
export const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 1)]);

export async function startRequestsWorld(env: Record<string, string> = {}): Promise<RequestsWorld> {
  const t = await startTestPlatform(env);
  const call: RequestsWorld['call'] = async (token, method, url, payload) => {
    const response = await t.platform.server.inject({
      method,
      url,
      headers: token ? bearer(token) : {},
      ...(payload !== undefined ? { payload: payload as InjectOptions['payload'] } : {}),
    });
    const type = String(response.headers['content-type'] ?? '');
    return { status: response.statusCode, body: type.includes('json') ? response.json() : response.body };
  };
  const user = async (username: string, roles: string[], department?: string) => {
    const created = await call(t.adminToken, 'POST', '/api/v1/users', { username, password: `${username}-password`, roles, ...(department ? { department } : {}) });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return t.login(username, `${username}-password`);
  };
  return {
    t,
    admin: t.adminToken,
    citizen: await user('xiaoming', ['citizen']),
    neighbour: await user('neighbour', ['citizen']),
    transport: await user('road-officer', ['officer'], 'transport'),
    urban: await user('light-officer', ['officer'], 'urban-management'),
    call,
    close: () => t.close(),
  };
}

export const pothole = (extra: Record<string, unknown> = {}) => ({
  serviceCode: 'pothole',
  ...PINS.xihu,
  description: '文三路与学院路交叉口有一个大坑，电动车容易摔倒',
  attributes: { depth_cm: 12, lane: 'motorway' },
  ...extra,
});

/** Rows of every service-request table (to prove a refusal saved nothing). */
export async function rowCounts(t: TestPlatform): Promise<Record<string, number>> {
  const [row] = await t.platform.store.query<Record<string, number>>(
    `SELECT (SELECT count(*)::int FROM service_requests) AS requests, (SELECT count(*)::int FROM service_request_events) AS events,
            (SELECT count(*)::int FROM service_request_media) AS media, (SELECT count(*)::int FROM service_request_inbox) AS inbox,
            (SELECT count(*)::int FROM service_request_outbox) AS outbox, (SELECT count(*)::int FROM service_request_tokens) AS tokens`,
  );
  return row as Record<string, number>;
}
