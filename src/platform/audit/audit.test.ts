/** The audit trail: every change is listed with actor and time, only admins read it, and nobody rewrites it. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer, startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';

describe('audit trail', () => {
  let t: TestPlatform;
  before(async () => {
    t = await startTestPlatform();
  });
  after(() => t.close());

  test('creating a user and an API key are both listed with actor and time', async () => {
    const startedAt = Date.now();
    const user = await t.platform.server.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: bearer(t.adminToken),
      payload: { username: 'chen.operator', password: 'operator-pass-1', roles: ['operator'] },
    });
    assert.equal(user.statusCode, 201);
    const key = await t.platform.server.inject({
      method: 'POST',
      url: '/api/v1/keys',
      headers: bearer(t.adminToken),
      payload: { name: 'air quality stations', role: 'developer' },
    });
    assert.equal(key.statusCode, 201);

    const response = await t.platform.server.inject({ method: 'GET', url: '/api/v1/audit', headers: bearer(t.adminToken) });
    assert.equal(response.statusCode, 200);
    const { entries } = response.json() as { entries: Array<{ action: string; at: string; actor: { type: string; name: string; id: string }; target: { id: string } }> };
    const userEntry = entries.find((e) => e.action === 'user.create' && e.target.id === user.json().user.id);
    const keyEntry = entries.find((e) => e.action === 'apiKey.create' && e.target.id === key.json().apiKey.id);
    for (const entry of [userEntry, keyEntry]) {
      assert.ok(entry, 'entry listed');
      assert.equal(entry.actor.type, 'user');
      assert.equal(entry.actor.name, 'admin');
      assert.ok(Date.parse(entry.at) >= startedAt - 5_000 && Date.parse(entry.at) <= Date.now() + 5_000);
    }
    // Newest first: the key was created after the user.
    assert.ok(entries.indexOf(keyEntry as never) < entries.indexOf(userEntry as never));
  });

  test('a citizen gets 403 on the audit trail, and the refusal names the role needed', async () => {
    const registered = await t.platform.server.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { username: 'curious', password: 'citizen-pass-1' } });
    const response = await t.platform.server.inject({ method: 'GET', url: '/api/v1/audit', headers: bearer(registered.json().accessToken) });
    assert.equal(response.statusCode, 403);
    assert.match(response.json().detail, /admin/);
  });

  test('pages follow the cursor without repeats, and filter by action', async () => {
    const first = await t.platform.server.inject({ method: 'GET', url: '/api/v1/audit?limit=2', headers: bearer(t.adminToken) });
    const page1 = first.json();
    assert.equal(page1.entries.length, 2);
    assert.ok(page1.next);
    const second = await t.platform.server.inject({ method: 'GET', url: `/api/v1/audit?limit=2&before=${page1.next}`, headers: bearer(t.adminToken) });
    const ids = new Set([...page1.entries, ...second.json().entries].map((e: { id: string }) => e.id));
    assert.equal(ids.size, 4);
    const logins = await t.platform.server.inject({ method: 'GET', url: '/api/v1/audit?action=auth.login', headers: bearer(t.adminToken) });
    assert.ok(logins.json().entries.length > 0);
    assert.ok(logins.json().entries.every((e: { action: string }) => e.action === 'auth.login'));
  });

  test('a bad cursor gets 400, not a database error', async () => {
    const response = await t.platform.server.inject({ method: 'GET', url: "/api/v1/audit?before=1'--", headers: bearer(t.adminToken) });
    assert.equal(response.statusCode, 400);
  });

  test('failed logins and reads of the audit trail are themselves audited', async () => {
    await t.platform.server.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: 'wrong-password' } });
    const rows = await t.platform.store.query<{ action: string; outcome: string }>(
      "SELECT action, outcome FROM audit_log WHERE action IN ('auth.login', 'audit.read') ORDER BY id",
    );
    assert.ok(rows.some((r) => r.action === 'auth.login' && r.outcome === 'failure'));
    assert.ok(rows.some((r) => r.action === 'audit.read' && r.outcome === 'success'));
  });

  test('the audit table refuses UPDATE, DELETE and TRUNCATE', async () => {
    await assert.rejects(t.platform.store.query("UPDATE audit_log SET action = 'forged'"), /append-only/);
    await assert.rejects(t.platform.store.query('DELETE FROM audit_log'), /append-only/);
    await assert.rejects(t.platform.store.query('TRUNCATE audit_log'), /append-only/);
    const [row] = await t.platform.store.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log');
    assert.ok((row?.n ?? 0) > 0);
  });
});
