/** The feeder's client against a real platform: a feed outlives its access token (an hour by default). */
import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import { ADMIN_PASSWORD, startTestPlatform, type TestPlatform } from '../../../test/support/platform.ts';
import { PlatformClient } from './client.ts';

describe('PlatformClient', () => {
  let t: TestPlatform;
  let url: string;
  before(async () => {
    t = await startTestPlatform();
    url = await t.platform.server.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => t.close());

  it('logs in again when its access token has expired, and repeats the calls that met the 401', async () => {
    const client = new PlatformClient({ url });
    await client.login('admin', ADMIN_PASSWORD);
    const session = () => client.request('GET', '/api/v1/auth/session');
    assert.equal((await session()).status, 200);
    // Two hours later (the default token lives one): the platform refuses the token, the client renews it.
    mock.timers.enable({ apis: ['Date'], now: Date.now() + 2 * 3600_000 });
    try {
      const direct = await fetch(`${url}/api/v1/auth/session`, { headers: { authorization: `Bearer ${t.adminToken}` } });
      assert.equal(direct.status, 401, 'a token of two hours ago is refused');
      const answers = await Promise.all([session(), session(), session()]);
      assert.deepEqual(
        answers.map((a) => a.status),
        [200, 200, 200],
      );
    } finally {
      mock.timers.reset();
    }
  });

  it('a token set from elsewhere is not renewed: its 401 reaches the caller', async () => {
    const client = new PlatformClient({ url });
    client.setToken('not-a-token');
    const answer = await client.request('GET', '/api/v1/auth/session');
    assert.equal(answer.status, 401);
  });

  it('a wrong password is a refusal the person can read, not a loop', async () => {
    const client = new PlatformClient({ url });
    await assert.rejects(client.login('admin', 'wrong-password'), /POST \/api\/v1\/auth\/login answered 401/);
  });
});
