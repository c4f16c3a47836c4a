/** Runs the platform as a process: listens, prints how to log in, and shuts down cleanly on SIGINT/SIGTERM. */
import { createPlatform, type Platform } from '../app.ts';
import type { Config } from '../platform/config/config.ts';
import { createLogger } from '../platform/logging/logger.ts';
import { redact } from '../platform/store/open-store.ts';

const SHUTDOWN_GRACE_MS = 10_000;

export async function runServer(config: Config): Promise<number> {
  const logger = createLogger(config.logLevel);
  if (config.auth === 'off') {
    logger.warn('CITYCLOUD_AUTH=off: every request acts as an administrator. For local development only — never expose this server.');
  }
  let platform: Platform;
  try {
    platform = await createPlatform(config, { logger });
  } catch (error) {
    process.stderr.write(`citycloud: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }

  try {
    await platform.server.listen({ port: config.port, host: config.host });
  } catch (error) {
    await platform.close();
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
  ];
  if (platform.firstAdmin) {
    lines.push(
      '',
      `  First start of city "${config.defaultTenant}": an administrator was created.`,
      `  Log in as:  ${platform.firstAdmin.username}`,
      platform.firstAdmin.password
        ? `  Password:   ${platform.firstAdmin.password}   (shown only this once — change it or keep it safe)`
        : '  Password:   the one in CITYCLOUD_ADMIN_PASSWORD',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      const force = setTimeout(() => {
        logger.error('shutdown took too long; exiting');
        resolve(1);
      }, SHUTDOWN_GRACE_MS);
      force.unref();
      platform.close().then(
        () => {
          clearTimeout(force);
          logger.info('stopped');
          resolve(0);
        },
        (error) => {
          logger.error({ err: error }, 'error while shutting down');
          resolve(1);
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
