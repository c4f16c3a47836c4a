/**
 * Demo mode's live city: `citycloud simulate` as a child process feeding this platform over loopback HTTP and
 * MQTT, exactly as an outside feeder would (its own process, so the generator never slows the server's event loop).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Platform } from '../../app.ts';
import type { MqttState } from '../../devices/index.ts';
import { systemPrincipal } from '../../platform/auth/model.ts';
import type { Config } from '../../platform/config/config.ts';
import type { Logger } from '../../platform/logging/logger.ts';

export interface DemoCityOptions {
  /** The platform's own base URL on loopback. */
  url: string;
  mqttUrl: string;
  /** An admin API key of the city (`cck_…`): the feeder's credential, MQTT gateway key and Open311 api_key. */
  apiKey: string;
  size: 'tiny' | 'small' | 'city';
  seed: number;
  backfillHours: number;
  /** Where the feeder keeps its device keys between starts. */
  keysFile: string;
  log: { info(message: string): void; warn(message: string): void; debug(message: string): void };
}

export interface DemoCity {
  /** Stops the feed (it sends what is pending first) and waits for the child to exit. */
  stop(): Promise<void>;
}

const CLI = path.resolve(import.meta.dirname, '../../../bin/citycloud.mjs');
const STOP_GRACE_MS = 5000;

export function startDemoCity(options: DemoCityOptions): DemoCity {
  const args = [
    CLI,
    'simulate',
    '--target',
    options.url,
    '--mqtt',
    options.mqttUrl,
    '--size',
    options.size,
    '--seed',
    String(options.seed),
    '--backfill-days',
    String(options.backfillHours / 24),
    '--speed',
    'realtime',
    // History at 5-minute resolution fills in seconds; live data comes every minute.
    '--backfill-step',
    '300',
    '--resume',
    '--keys',
    options.keysFile,
  ];
  const env: NodeJS.ProcessEnv = { ...process.env, CITYCLOUD_API_KEY: options.apiKey };
  delete env.NODE_TEST_CONTEXT;
  const child: ChildProcess = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stopping = false;
  const exited = once(child, 'exit').then(([code, signal]) => {
    if (!stopping) options.log.warn(`the simulated city stopped (${signal ?? `exit code ${code}`}); restart to feed it again`);
  });
  if (child.stdout) createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith('{')) options.log.debug(line);
    else options.log.info(`simulated city: ${line}`);
  });
  if (child.stderr) createInterface({ input: child.stderr }).on('line', (line) => {
    if (line.includes('citycloud simulate: stopping')) options.log.info(line);
    else if (line.startsWith('citycloud simulate:')) options.log.warn(line);
    else options.log.debug(line);
  });
  return {
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

const DEMO_KEY_NAME = 'simulated city (demo mode)';

/**
 * Starts demo mode's simulated city against this platform, once it listens: a fresh admin API key for the feeder
 * (the previous start's is revoked), then the child process. Resolves undefined when MQTT is off.
 */
export async function startDemoCityFor(platform: Platform, config: Config, mqtt: MqttState, logger: Logger): Promise<DemoCity | undefined> {
  if (mqtt.mode === 'off') {
    logger.warn('the simulated city needs MQTT to feed its sensors; it is off (MQTT_PORT=0 and no MQTT_URL)');
    return undefined;
  }
  const address = platform.server.addresses()[0];
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const loopback = config.host.includes(':') ? '[::1]' : '127.0.0.1';
  const actor = systemPrincipal(config.defaultTenant, 'citycloud demo');
  for (const key of await platform.auth.listApiKeys(actor)) {
    if (key.name === DEMO_KEY_NAME && !key.revokedAt) await platform.auth.revokeApiKey(actor, key.id);
  }
  const { key } = await platform.auth.createApiKey(actor, { name: DEMO_KEY_NAME, role: 'admin' });
  const { size, seed, backfillHours } = config.demoCity;
  logger.info(
    { size, seed, backfillHours },
    `simulated city: feeding ${size} Hangzhou through HTTP and MQTT (history of the last ${backfillHours} h, then real time); SIM_CITY=off turns it off`,
  );
  return startDemoCity({
    url: `http://${loopback}:${port}`,
    mqttUrl: mqtt.mode === 'embedded' ? `mqtt://${loopback}:${mqtt.port}` : mqtt.url,
    apiKey: key,
    size,
    seed,
    backfillHours,
    keysFile: path.join(config.dataDir, 'simulated-city-device-keys.json'),
    log: { info: (m) => logger.info(m), warn: (m) => logger.warn(m), debug: (m) => logger.debug(m) },
  });
}
