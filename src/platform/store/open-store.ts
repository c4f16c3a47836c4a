/** Chooses the driver from the configuration: PostgreSQL when DATABASE_URL is set, else PGlite. */
import path from 'node:path';
import { AppError } from '../errors/app-error.ts';
import { openPgliteStore } from './pglite.ts';
import { openPostgresStore } from './postgres.ts';
import type { Store } from './store.ts';

export async function openStore(config: { databaseUrl: string | undefined; dataDir: string }): Promise<Store> {
  if (config.databaseUrl) {
    try {
      return await openPostgresStore({ connectionString: config.databaseUrl });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        `Cannot connect to PostgreSQL at DATABASE_URL (${redact(config.databaseUrl)}): ${reason}. ` +
          'Check that the server runs, or unset DATABASE_URL to use the embedded store.',
        { cause: error },
      );
    }
  }
  return openPgliteStore(path.join(config.dataDir, 'pglite'));
}

/** The connection string without its password, for messages and logs. */
export function redact(connectionString: string): string {
  return connectionString.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
