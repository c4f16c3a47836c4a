/** Principals: login, registration, roles, API keys and the token checks. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InjectOptions } from 'fastify';
import { ADMIN_PASSWORD, bearer, startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import type { AppError } from '../errors/app-error.ts';
import { LoginThrottle } from './throttle.ts';
import { signAccessToken, VerifiedTokens, verifyAccessToken } from './tokens.ts';

describe('users, roles and API keys', () => {
  let t: TestPlatform;
  const inject = (options: InjectOptions) => t.platform.server.inject(options);

  before(async () => {
    t = await startTestPlatform();
  });
  after(() => t.close());

  test('the first admin logs in with the configured password and gets a bearer token', async () => {
    const response = await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: ADMIN_PASSWORD } });
    assert.equal(response.statusCode, 200);
    const session = response.json();
    assert.equal(session.tokenType, 'Bearer');
    assert.equal(session.expiresIn, 3600);
    assert.deepEqual(session.user.roles, ['admin']);
    assert.equal(session.user.tenant, 'hangzhou');
  });

  test('a wrong password gets 401 without saying whether the user exists', async () => {
    const wrong = await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: 'nope-nope' } });
    const unknown = await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'ghost', password: 'nope-nope' } });
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    assert.equal(wrong.json().detail, unknown.json().detail);
  });

  test('an admin creates an officer in a department, who can then log in', async () => {
    const created = await inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: bearer(t.adminToken),
      payload: { username: 'wang.li', password: 'officer-pass-1', displayName: '王丽', roles: ['officer'], department: 'urban-management' },
    });
    assert.equal(created.statusCode, 201);
    assert.equal(created.json().user.department, 'urban-management');
    const token = await t.login('wang.li', 'officer-pass-1');
    const me = await inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) });
    assert.equal(me.json().user.displayName, '王丽');
  });

  test('a taken username gets 409', async () => {
    const response = await inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: bearer(t.adminToken),
      payload: { username: 'wang.li', password: 'another-pass', roles: ['officer'] },
    });
    assert.equal(response.statusCode, 409);
    assert.match(response.json().detail, /taken/);
  });

  test('an unknown department, a short password and an unknown role are each refused with what to fix', async () => {
    const cases = [
      [{ username: 'u1', password: 'long-enough-1', roles: ['officer'], department: 'ministry-of-magic' }, /no department "ministry-of-magic"/],
      [{ username: 'u2', password: 'short', roles: ['officer'] }, /at least 8 characters/],
      [{ username: 'u3', password: 'long-enough-1', roles: ['emperor'] }, /roles/],
      [{ username: 'x', password: 'long-enough-1', roles: ['citizen'] }, /username/],
    ] as const;
    for (const [payload, detail] of cases) {
      const response = await inject({ method: 'POST', url: '/api/v1/users', headers: bearer(t.adminToken), payload });
      assert.equal(response.statusCode, 400, JSON.stringify(payload));
      assert.match(response.json().detail, detail);
    }
    const users = await t.platform.store.query("SELECT username FROM users WHERE username IN ('u1','u2','u3','x')");
    assert.equal(users.length, 0);
  });

  test('a citizen registers, and gets 403 on admin routes', async () => {
    const response = await inject({ method: 'POST', url: '/api/v1/auth/register', payload: { username: '市民小张', password: 'citizen-pass-1' } });
    assert.equal(response.statusCode, 201);
    const { accessToken, user } = response.json();
    assert.deepEqual(user.roles, ['citizen']);
    for (const url of ['/api/v1/users', '/api/v1/keys', '/api/v1/audit']) {
      const denied = await inject({ method: 'GET', url, headers: bearer(accessToken) });
      assert.equal(denied.statusCode, 403, url);
      assert.match(denied.json().detail, /admin/);
    }
  });

  test('an API key authenticates with its role, in Authorization or X-API-Key, until revoked', async () => {
    const created = await inject({ method: 'POST', url: '/api/v1/keys', headers: bearer(t.adminToken), payload: { name: 'traffic app', role: 'developer', department: 'transport' } });
    assert.equal(created.statusCode, 201);
    const { key, apiKey } = created.json();
    assert.match(key, /^cck_[a-z0-9]{16}_/);
    const viaBearer = await inject({ method: 'GET', url: '/api/v1/me', headers: bearer(key) });
    assert.deepEqual(viaBearer.json().user.roles, ['developer']);
    const viaHeader = await inject({ method: 'GET', url: '/api/v1/me', headers: { 'x-api-key': key } });
    assert.equal(viaHeader.statusCode, 200);

    const [row] = await t.platform.store.query<{ secret_hash: string }>('SELECT secret_hash FROM api_keys WHERE id = $1', [apiKey.id]);
    assert.ok(row && !key.includes(row.secret_hash), 'the key is stored only as a hash');
    const listed = await inject({ method: 'GET', url: '/api/v1/keys', headers: bearer(t.adminToken) });
    // The secret is everything after the second underscore (it may itself contain "_").
    const secret = key.slice(key.indexOf('_', 'cck_'.length) + 1);
    assert.ok(secret.length >= 20 && !JSON.stringify(listed.json()).includes(secret), 'listing never shows the secret');

    const revoked = await inject({ method: 'DELETE', url: `/api/v1/keys/${apiKey.id}`, headers: bearer(t.adminToken) });
    assert.equal(revoked.statusCode, 204);
    const after = await inject({ method: 'GET', url: '/api/v1/me', headers: bearer(key) });
    assert.equal(after.statusCode, 401);
    assert.match(after.json().detail, /revoked/);
  });

  test('a key with a wrong secret gets 401', async () => {
    const created = await inject({ method: 'POST', url: '/api/v1/keys', headers: bearer(t.adminToken), payload: { name: 'sensor gateway', role: 'operator' } });
    const { key } = created.json();
    const forged = `${key.slice(0, -4)}AAAA`;
    const response = await inject({ method: 'GET', url: '/api/v1/me', headers: bearer(forged) });
    assert.equal(response.statusCode, 401);
  });

  test('repeated failed logins for one account are slowed down with 429 and Retry-After', async () => {
    await inject({ method: 'POST', url: '/api/v1/users', headers: bearer(t.adminToken), payload: { username: 'target', password: 'target-pass-1', roles: ['citizen'] } });
    let last = 0;
    let retryAfter: unknown;
    for (let i = 0; i < 8; i++) {
      const response = await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'target', password: `guess-${i}-xx` } });
      last = response.statusCode;
      retryAfter = response.headers['retry-after'];
    }
    assert.equal(last, 429);
    assert.ok(Number(retryAfter) > 0);
  });
});

describe('access tokens', () => {
  const principal = { kind: 'user', id: 'u1', name: 'li', tenant: 'hangzhou', roles: ['operator'], department: null } as const;
  const secret = 's'.repeat(48);

  test('a token round-trips the principal', () => {
    const token = signAccessToken(principal, secret, 60);
    assert.deepEqual(verifyAccessToken(token, secret), principal);
  });

  test('an expired token is refused as expired', () => {
    const token = signAccessToken(principal, secret, 60, Date.now() - 120_000);
    assert.throws(() => verifyAccessToken(token, secret), (e: AppError) => e.code === 'UNAUTHENTICATED' && /expired/.test(e.message));
  });

  test('a token with alg "none" is refused', () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const [, body] = signAccessToken(principal, secret, 60).split('.');
    assert.throws(() => verifyAccessToken(`${header}.${body}.`, secret), /unsupported algorithm/);
  });

  test('a token signed with another secret is refused', () => {
    const token = signAccessToken(principal, 'x'.repeat(48), 60);
    assert.throws(() => verifyAccessToken(token, secret), /bad signature/);
  });

  test('verified tokens: a token checked once still expires, a refused one stays refused, and callers get their own principal', () => {
    const now = Date.now();
    const tokens = new VerifiedTokens(secret);
    const token = signAccessToken(principal, secret, 60, now);
    const first = tokens.verify(token, now);
    assert.deepEqual(first, principal);
    (first.roles as unknown as string[]).push('admin');
    assert.deepEqual(tokens.verify(token, now + 1000), principal, 'a caller changing its principal changes no other caller\'s');
    assert.throws(() => tokens.verify(token, now + 61_000), (e: AppError) => e.code === 'UNAUTHENTICATED' && /expired/.test(e.message));
    const forged = signAccessToken({ ...principal, roles: ['admin'] }, 'x'.repeat(48), 60, now);
    for (let i = 0; i < 2; i++) assert.throws(() => tokens.verify(forged, now), /bad signature/);
    const small = new VerifiedTokens(secret, 2);
    const issued = [1, 2, 3].map((n) => signAccessToken({ ...principal, id: `u${n}` }, secret, 60, now));
    for (const t of issued) small.verify(t, now);
    assert.deepEqual(issued.map((t) => small.verify(t, now).id), ['u1', 'u2', 'u3'], 'past its limit the oldest are checked again, not refused');
  });
});

describe('login throttle', () => {
  test('five failures are free, then the wait doubles, and success resets it', () => {
    const throttle = new LoginThrottle();
    const now = 1_000_000;
    for (let i = 0; i < 5; i++) throttle.fail('k', now);
    assert.equal(throttle.secondsToWait('k', now), 1);
    throttle.fail('k', now);
    assert.equal(throttle.secondsToWait('k', now), 2);
    throttle.succeed('k');
    assert.equal(throttle.secondsToWait('k', now), 0);
  });
});
