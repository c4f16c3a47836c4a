/** Runs the platform as a process: listens, prints how to log in, and shuts down cleanly on SIGINT/SIGTERM. */
import { createPlatform, type Platform } from '../app.ts';
import type { MqttState } from '../devices/index.ts';
import type { Config } from '../platform/config/config.ts';
import { createLogger } from '../platform/logging/logger.ts';
import { redact } from '../platform/store/open-store.ts';
import { type DemoCity, startDemoCityFor } from '../sim/feed/demo.ts';

const SHUTDOWN_GRACE_MS = 10_000;

export async function runServer(config: Config): Promise<number> {
  const logger = createLogger(config.logLevel);
  if (config.auth === 'off') {
    logger.warn('CITYCLOUD_AUTH=off: every request acts as an administrator. For local development only — never expose this server.');
  }

  // Signals are handled from the first moment, so a stop during start-up (migrations, PGlite
  // opening) still closes the store cleanly; a repeated signal while stopping is ignored.
  let platform: Platform | undefined;
  let demoCity: Promise<DemoCity | undefined> | undefined;
  let stopSignal: string | undefined;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => {
    finish = resolve;
  });
  const shutDown = (current: Platform) => {
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      finish(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    // The simulated city stops first (it sends what is pending), then the platform.
    Promise.resolve(demoCity)
      .then((city) => city?.stop())
      .catch(() => undefined)
      .then(() => current.close())
      .then(
      () => {
        clearTimeout(force);
        logger.info('stopped');
        finish(0);
      },
      (error) => {
        logger.error({ err: error }, 'error while shutting down');
        finish(1);
      },
    );
  };
  const onSignal = (signal: string) => {
    if (stopSignal) return;
    stopSignal = signal;
    logger.info({ signal }, 'shutting down');
    if (platform) shutDown(platform);
  };
  const onSigint = () => onSignal('SIGINT');
  const onSigterm = () => onSignal('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  try {
    return await serveUntilStopped();
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }

  async function serveUntilStopped(): Promise<number> {
    let started: Platform;
    try {
      started = await createPlatform(config, { logger });
    } catch (error) {
      process.stderr.write(`citycloud: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
    if (stopSignal) {
      await started.close();
      return 0;
    }

    try {
      await started.server.listen({ port: config.port, host: config.host });
    } catch (error) {
      await started.close();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') {
        process.stderr.write(
          `citycloud: port ${config.port} on ${config.host} is already in use by another program.\n` +
            `Set PORT to a free port, for example: PORT=${config.port + 1} npm start\n`,
        );
      } else if (code === 'EACCES') {
        process.stderr.write(`citycloud: no permission to listen on port ${config.port}; set PORT to a port above 1023\n`);
      } else {
        process.stderr.write(`citycloud: cannot listen on ${config.host}:${config.port}: ${String(error)}\n`);
      }
      return 1;
    }
    let mqtt: MqttState;
    try {
      mqtt = await started.devices.startMqtt();
    } catch (error) {
      await started.close();
      process.stderr.write(mqttStartFailure(config, error));
      return 1;
    }
    platform = started;
    if (stopSignal) shutDown(started);
    else {
      printWelcome(config, started, mqtt);
      // Demo mode's live city starts after the server listens, without holding anything up.
      if (config.demoCity.enabled) {
        demoCity = startDemoCityFor(started, config, mqtt, logger).catch((error: unknown) => {
          logger.warn({ err: error }, 'the simulated city could not start');
          return undefined;
        });
      }
    }
    return finished;
  }
}

/** Why MQTT could not start, naming the variable to change. */
export function mqttStartFailure(config: Config, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (config.mqttUrl) {
    return (
      `citycloud: cannot consume device messages from MQTT_URL (${redactMqttUrl(config.mqttUrl)}): ${error instanceof Error ? error.message : String(error)}\n` +
      'Check that the broker runs and accepts this client, or unset MQTT_URL to use the embedded broker.\n'
    );
  }
  if (code === 'EADDRINUSE') {
    return (
      `citycloud: MQTT port ${config.mqttPort} on ${config.host} is already in use by another program (another MQTT broker such as mosquitto?).\n` +
      `Set MQTT_PORT to a free port (for example MQTT_PORT=${config.mqttPort === 1883 ? 1884 : config.mqttPort + 1}), MQTT_PORT=0 to turn the embedded broker off, ` +
      'or MQTT_URL=mqtt://host:port to consume from that broker instead.\n'
    );
  }
  if (code === 'EACCES') return `citycloud: no permission to listen on MQTT port ${config.mqttPort}; set MQTT_PORT to a port above 1023\n`;
  return `citycloud: cannot start the MQTT broker on ${config.host}:${config.mqttPort} (MQTT_PORT): ${String(error)}\n`;
}

function redactMqttUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'mqtt://…';
  }
}

function printWelcome(config: Config, platform: Platform, mqtt: MqttState): void {
  const address = platform.server.addresses()[0];
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}/`;
  const store = config.databaseUrl ? `PostgreSQL (${redact(config.databaseUrl)})` : `embedded PGlite in ${config.dataDir}`;
  const lines = [
    '',
    `  CityCloud 城市云 is running (${config.mode} mode)`,
    `  Portal:   ${url}`,
    `  API docs: ${url}docs`,
    `  Store:    ${store}`,
    `  MQTT:     ${mqtt.mode === 'embedded' ? `mqtt://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${mqtt.port} (embedded broker)` : mqtt.mode === 'external' ? `${redactMqttUrl(mqtt.url)} (shared subscription)` : 'off (MQTT_PORT=0)'}`,
  ];
  process.stdout.write(`${[...lines, ...firstAdminLines(config, platform)].join('\n')}\n\n`);
}

/**
 * How to log in as the admin created by this start, if one was: whichever command first opens a
 * store (serve, migrate, user add…) must say it, as it is the only time the password is shown.
 */
export function firstAdminLines(config: Config, platform: Platform): string[] {
  if (!platform.firstAdmin) return [];
  return [
    '',
    `  First start of city "${config.defaultTenant}": an administrator was created.`,
    `  Log in as:  ${platform.firstAdmin.username}`,
    platform.firstAdmin.password
      ? `  Password:   ${platform.firstAdmin.password}   (shown only this once — change it or keep it safe)`
      : '  Password:   the one in CITYCLOUD_ADMIN_PASSWORD',
  ];
}
