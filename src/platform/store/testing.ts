/** Test support: fresh, isolated stores on either driver. */
import { randomBytes } from 'node:crypto';
import { openPgliteStore } from './pglite.ts';
import { dropPostgresSchema, openPostgresStore } from './postgres.ts';
import type { Store } from './store.ts';

export type DriverName = 'pglite' | 'postgres';

export interface TestStore {
  store: Store;
  /** Closes the store and removes what it created. */
  dispose(): Promise<void>;
}

/** The PostgreSQL of the test run, when DATABASE_URL is set. */
export const testDatabaseUrl = process.env.DATABASE_URL?.trim() || undefined;

/** The driver the whole suite runs on: PostgreSQL when DATABASE_URL is set, else PGlite. */
export const suiteDriver: DriverName = testDatabaseUrl ? 'postgres' : 'pglite';

/** Drivers a driver-contract test must cover: PGlite always, PostgreSQL when DATABASE_URL is set. */
export function contractDrivers(): DriverName[] {
  return testDatabaseUrl ? ['pglite', 'postgres'] : ['pglite'];
}

/** A fresh store: in-memory PGlite, or its own schema in the test PostgreSQL. */
export async function openTestStore(driver: DriverName = suiteDriver): Promise<TestStore> {
  if (driver === 'pglite') {
    const store = await openPgliteStore();
    return { store, dispose: () => store.close() };
  }
  if (!testDatabaseUrl) throw new Error('The postgres driver needs DATABASE_URL');
  const url = testDatabaseUrl;
  const schema = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const store = await openPostgresStore({ connectionString: url, schema, maxConnections: 10 });
  return {
    store,
    async dispose() {
      await store.close();
      await dropPostgresSchema(url, schema);
    },
  };
}
