/**
 * Test support: the external MQTT broker (mosquitto) that MQTT_URL-mode and multi-node tests use.
 * MQTT_TEST_URL names it (default mqtt://127.0.0.1:1883). A newcomer's machine may have none: those
 * tests then skip with `brokerMissing` as the reason; with CITYCLOUD_REQUIRE_MQTT=1 (CI) a missing broker is an error.
 */
import { connect } from 'node:net';

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
