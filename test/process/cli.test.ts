/** The citycloud command: help, administrative commands, and clear failures (busy port, bad config). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli, startServerProcess } from '../support/process.ts';

describe('citycloud CLI', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'citycloud-cli-'));
  const env = { DATA_DIR: dataDir, CITYCLOUD_ADMIN_PASSWORD: 'cli-admin-pass' };
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('--help lists every command', async () => {
    const { code, stdout } = await runCli(['--help'], env);
    assert.equal(code, 0);
    for (const command of ['serve', 'demo', 'migrate', 'user add', 'key create']) assert.match(stdout, new RegExp(command));
  });

  test('an unknown command exits 2 and points at --help', async () => {
    const { code, stderr } = await runCli(['frobnicate'], env);
    assert.equal(code, 2);
    assert.match(stderr, /unknown command "frobnicate".*--help/);
  });

  test('migrate, user add and key create work against the configured store; the user can log in', async () => {
    const migrated = await runCli(['migrate'], env);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /latest schema/);

    const added = await runCli(['user', 'add', '--username', 'zhao', '--password', 'zhao-pass-123', '--role', 'operator,officer', '--department', 'emergency'], env);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /Created user "zhao" \(operator, officer\)/);

    const key = await runCli(['key', 'create', '--name', 'gateway', '--role', 'developer'], env);
    assert.equal(key.code, 0, key.stderr);
    const printed = /Key \(shown only this once\): (cck_\S+)/.exec(key.stdout)?.[1];
    assert.ok(printed);

    const server = await startServerProcess(env);
    try {
      const login = await fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'zhao', password: 'zhao-pass-123' }),
      });
      assert.equal(login.status, 200);
      const me = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${printed}` } });
      assert.equal(((await me.json()) as { user: { roles: string[] } }).user.roles[0], 'developer');
    } finally {
      server.process.kill('SIGTERM');
      await server.exited;
    }
  });

  test('user add with a bad role or a duplicate name fails with the reason, exit 2', async () => {
    const badRole = await runCli(['user', 'add', '--username', 'qian', '--password', 'qian-pass-123', '--role', 'mayor'], env);
    assert.equal(badRole.code, 2);
    assert.match(badRole.stderr, /Unknown role "mayor"/);
    const duplicate = await runCli(['user', 'add', '--username', 'zhao', '--password', 'zhao-pass-123', '--role', 'citizen'], env);
    assert.equal(duplicate.code, 2);
    assert.match(duplicate.stderr, /taken/);
  });

  test('user password resets a lost admin password; the old one stops working', async () => {
    const reset = await runCli(['user', 'password', '--username', 'admin', '--password', 'brand-new-pass'], env);
    assert.equal(reset.code, 0, reset.stderr);
    const unknown = await runCli(['user', 'password', '--username', 'nobody', '--password', 'brand-new-pass'], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /No user "nobody"/);
    const server = await startServerProcess({ ...env, CITYCLOUD_ADMIN_PASSWORD: '' });
    try {
      const login = (password: string) =>
        fetch(`${server.url}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'admin', password }),
        });
      assert.equal((await login('brand-new-pass')).status, 200);
      assert.equal((await login('cli-admin-pass')).status, 401);
    } finally {
      server.process.kill('SIGTERM');
      await server.exited;
    }
  });

  test('a busy port stops start-up with a message naming PORT', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, stderr } = await runCli(['serve'], { ...env, PORT: String(port), MQTT_PORT: '0' });
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`port ${port} .* already in use[\\s\\S]*Set PORT`));
    } finally {
      blocker.close();
    }
  });

  test('a bad setting stops start-up with a message naming the variable', async () => {
    const { code, stderr } = await runCli(['serve'], { ...env, CITYCLOUD_AUTH: 'off', HOST: '0.0.0.0' });
    assert.equal(code, 2);
    assert.match(stderr, /CITYCLOUD_AUTH=off .*HOST=0\.0\.0\.0/);
  });

  test('an unreachable DATABASE_URL stops start-up saying what to check', async () => {
    const { code, stderr } = await runCli(['serve'], { ...env, DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/none' });
    assert.equal(code, 1);
    assert.match(stderr, /Cannot connect to PostgreSQL/);
    assert.doesNotMatch(stderr, /secret/, 'the password is not printed');
  });
});
