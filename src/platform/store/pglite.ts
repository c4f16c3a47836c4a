/** The embedded driver: PGlite (PostgreSQL compiled to WASM), files under DATA_DIR or in memory. */
import { mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import type { Queryable, Row, Store } from './store.ts';

// Both drivers return int8 and numeric as JS numbers, so capabilities see the same values.
const parsers = {
  [types.INT8]: (value: string) => Number(value),
  [types.NUMERIC]: (value: string) => Number(value),
};

class PgliteStore implements Store {
  readonly driver = 'pglite' as const;
  #db: PGlite;
  #closed = false;

  constructor(db: PGlite) {
    this.#db = db;
  }

  async query<R = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    const result = await this.#db.query<R>(sql, params as unknown[]);
    return result.rows;
  }

  async exec(sql: string): Promise<void> {
    await this.#db.exec(sql);
  }

  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#db.transaction(async (tx) =>
      work({
        async query<R = Row>(sql: string, params: readonly unknown[] = []) {
          return (await tx.query<R>(sql, params as unknown[])).rows;
        },
      }),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.close();
  }
}

/** Opens PGlite in `dataDir` (created when missing), or in memory when `dataDir` is undefined. */
export async function openPgliteStore(dataDir?: string): Promise<Store> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir ?? 'memory://', { parsers });
  return new PgliteStore(db);
}
