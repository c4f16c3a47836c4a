/** Configuration: defaults, and a message naming the variable for every bad value. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isLoopback, loadConfig } from './config.ts';

describe('configuration', () => {
  test('defaults match the operational contract', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.mqttPort, 1883);
    assert.equal(config.auth, 'on');
    assert.equal(config.databaseUrl, undefined);
    assert.match(config.dataDir, /data$/);
  });

  test('CITYCLOUD_AUTH=off refuses a non-loopback HOST', () => {
    assert.throws(() => loadConfig({ CITYCLOUD_AUTH: 'off', HOST: '0.0.0.0' }), /CITYCLOUD_AUTH=off .*HOST=0\.0\.0\.0/);
    assert.equal(loadConfig({ CITYCLOUD_AUTH: 'off', HOST: '127.0.0.1' }).auth, 'off');
  });

  test('each bad value is refused with the variable named', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty' }), /PORT must be a whole number/);
    assert.throws(() => loadConfig({ PORT: '70000' }), /PORT must be between 0 and 65535/);
    assert.throws(() => loadConfig({ CITYCLOUD_AUTH: 'maybe' }), /CITYCLOUD_AUTH must be one of on, off/);
    assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL must start with postgres/);
    assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL/);
    assert.throws(() => loadConfig({ JWT_SECRET: 'short' }), /JWT_SECRET must be at least 32/);
    assert.throws(() => loadConfig({ CITYCLOUD_TENANT: 'Hang Zhou' }), /CITYCLOUD_TENANT/);
  });

  test('the JSON-LD @context settings default to a one-day TTL with fetching on and no extra directory', () => {
    const config = loadConfig({});
    assert.equal(config.ldContextTtl, 86400);
    assert.equal(config.ldContextFetch, 'on');
    assert.equal(config.ldContextsDir, undefined);
    assert.deepEqual(config.ldContextAllowHosts, []);
    const custom = loadConfig({
      LD_CONTEXT_TTL: '600',
      LD_CONTEXT_FETCH: 'OFF',
      LD_CONTEXTS_DIR: 'contexts',
      LD_CONTEXT_ALLOW_HOSTS: '127.0.0.1, Contexts.Internal ,[::1]',
    });
    assert.equal(custom.ldContextTtl, 600);
    assert.equal(custom.ldContextFetch, 'off');
    assert.match(custom.ldContextsDir ?? '', /^\/.*contexts$/);
    assert.deepEqual(custom.ldContextAllowHosts, ['127.0.0.1', 'contexts.internal', '::1']);
  });

  test('bad JSON-LD @context settings are refused with the variable named', () => {
    assert.throws(() => loadConfig({ LD_CONTEXT_TTL: 'a day' }), /LD_CONTEXT_TTL must be a whole number/);
    assert.throws(() => loadConfig({ LD_CONTEXT_TTL: '0' }), /LD_CONTEXT_TTL must be between 1 and/);
    assert.throws(() => loadConfig({ LD_CONTEXT_FETCH: 'sometimes' }), /LD_CONTEXT_FETCH must be one of on, off/);
    assert.throws(() => loadConfig({ LD_CONTEXT_ALLOW_HOSTS: 'http://127.0.0.1:8080' }), /LD_CONTEXT_ALLOW_HOSTS must be a comma-separated list/);
  });

  test('the service-request webhook is off by default and must be an http(s) URL', () => {
    assert.equal(loadConfig({}).requestsWebhookUrl, undefined);
    assert.equal(loadConfig({ REQUESTS_WEBHOOK_URL: ' https://hooks.example.org/12345 ' }).requestsWebhookUrl, 'https://hooks.example.org/12345');
    assert.throws(() => loadConfig({ REQUESTS_WEBHOOK_URL: 'ftp://hooks.example.org' }), /REQUESTS_WEBHOOK_URL must be an http/);
  });

  test('loopback detection', () => {
    for (const host of ['127.0.0.1', '127.5.0.1', '::1', 'localhost']) assert.ok(isLoopback(host), host);
    for (const host of ['0.0.0.0', '10.0.0.1', '::', 'example.org']) assert.ok(!isLoopback(host), host);
  });
});
