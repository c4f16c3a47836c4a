/** Start-up with the MQTT port taken (the machine's mosquitto holds 1883): a clear message naming MQTT_PORT, exit code 1. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/process.ts';

test('citycloud serve stops with a message naming MQTT_PORT when the MQTT port is in use', async () => {
  // Hold a port ourselves, so the test does not depend on what else runs on the machine.
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const port = (holder.address() as { port: number }).port;
  const dir = mkdtempSync(path.join(tmpdir(), 'citycloud-busy-mqtt-'));
  try {
    const { code, stderr } = await runCli(['serve'], { PORT: '0', MQTT_PORT: String(port), DATA_DIR: dir, WEB_DIR: '/nonexistent' });
    assert.equal(code, 1, stderr);
    assert.match(stderr, new RegExp(`MQTT port ${port} on 127\\.0\\.0\\.1 is already in use`));
    assert.match(stderr, /Set MQTT_PORT to a free port/);
    assert.doesNotMatch(stderr, /at .*\.ts:\d+/, 'no stack trace');
  } finally {
    holder.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the default MQTT port 1883, held by the machine’s mosquitto, is named in the message', async (t) => {
  const probe = createServer();
  const free = await new Promise<boolean>((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(1883, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
  if (free) {
    t.skip('nothing listens on 127.0.0.1:1883 here');
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'citycloud-busy-mqtt-'));
  try {
    const env: Record<string, string> = { PORT: '0', DATA_DIR: dir, WEB_DIR: '/nonexistent', MQTT_PORT: '' };
    const { code, stderr } = await runCli(['serve'], env);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /MQTT port 1883 on 127\.0\.0\.1 is already in use by another program/);
    assert.match(stderr, /MQTT_PORT=1884/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
