/**
 * Test support: the external MQTT broker (mosquitto) that MQTT_URL-mode and multi-node tests use.
 * MQTT_TEST_URL names it (default mqtt://127.0.0.1:1883). A newcomer's machine may have none: those
 * tests then skip with `brokerMissing` as the reason; with CITYCLOUD_REQUIRE_MQTT=1 (CI) a missing broker is an error.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './process.ts';

export const externalBrokerUrl = process.env.MQTT_TEST_URL?.trim() || 'mqtt://127.0.0.1:1883';

function reachable(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 1883) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Why tests against the external broker cannot run here, or undefined. */
export const brokerMissing = (await reachable(externalBrokerUrl))
  ? undefined
  : `no MQTT broker answers at ${externalBrokerUrl} (apt-get install mosquitto, or set MQTT_TEST_URL)`;
if (brokerMissing && process.env.CITYCLOUD_REQUIRE_MQTT === '1') throw new Error(`MQTT tests are required here but ${brokerMissing}`);

/** Debian's mosquitto, for tests that start a broker of their own (with settings sized for their load). */
export const MOSQUITTO = '/usr/sbin/mosquitto';
export const mosquittoMissing = existsSync(MOSQUITTO) ? undefined : `no mosquitto at ${MOSQUITTO} (apt-get install mosquitto)`;
if (mosquittoMissing && process.env.CITYCLOUD_REQUIRE_MQTT === '1') throw new Error(`MQTT tests are required here but ${mosquittoMissing}`);


export interface Mosquitto {
  url: string;
  /** What the broker logged. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts a mosquitto of this test's own on an ephemeral port; `settings` are mosquitto.conf lines (e.g. `max_queued_messages 0`). */
export async function startMosquitto(settings: readonly string[] = []): Promise<Mosquitto> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'citycloud-mosquitto-'));
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'log_dest stderr', ...settings, ''].join('\n'));
  const child = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  child.stderr?.on('data', (chunk) => {
    text += chunk;
  });
  const url = `mqtt://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (!(await reachable(url, 200))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`mosquitto did not start on port ${port}:\n${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    log: () => text,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
