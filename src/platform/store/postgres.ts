/** The server driver: PostgreSQL ≥ 15 through a `pg` connection pool. */
import pg from 'pg';
import { fastTextArrayParser, fastTimestamptzParser } from './fast-parsers.ts';
import { PLAN_ONCE, type Queryable, type Row, type Store } from './store.ts';

const parseNumber = (value: string) => Number(value);
const TEXT_ARRAY = 1009 as Parameters<typeof pg.types.getTypeParser>[0]; // _text: pg's builtins list only scalar types
const parseTimestamptz = fastTimestamptzParser(pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text') as (value: string) => unknown);
const parseTextArray = fastTextArrayParser(pg.types.getTypeParser(TEXT_ARRAY, 'text') as (value: string) => unknown);

// Same value types as the PGlite driver: int8 and numeric as JS numbers. timestamptz and text[] through the fast
// parsers (fast-parsers.ts: the same values as pg's, for less CPU).
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC) return parseNumber;
    if (format !== 'binary' && oid === pg.types.builtins.TIMESTAMPTZ) return parseTimestamptz;
    if (format !== 'binary' && oid === TEXT_ARRAY) return parseTextArray;
    return pg.types.getTypeParser(oid, format);
  },
};

export interface PostgresOptions {
  connectionString: string;
  /** A schema to create and work in (isolates test runs sharing one database). */
  schema?: string;
  maxConnections?: number;
}

/**
 * Prepares the statements a server runs over and over. Parsing and analysing a query costs PostgreSQL
 * about as much as running an indexed one (0.4–0.7 ms for a hub geo-query, measured with EXPLAIN SUMMARY):
 * a statement text seen `HOT_AFTER` times gets a name, and `pg` then prepares it once per connection and
 * only binds it afterwards. Both maps are bounded, so endless distinct texts (generated queries) cannot
 * grow the server's or PostgreSQL's memory: at most `MAX_PREPARED` names ever, per pool.
 */
export class HotStatements {
  static readonly HOT_AFTER = 3;
  static readonly MAX_PREPARED = 400;
  static readonly MAX_TRACKED = 4000;
  #seen = new Map<string, number>();
  #names = new Map<string, string>();

  /** The query config for `sql`: named once it is hot; plain text otherwise (and always for parameterless scripts). */
  config(sql: string, values: unknown[]): pg.QueryConfig {
    const name = this.#names.get(sql);
    if (name !== undefined) return { name, text: sql, values };
    if (values.length > 0 && this.#names.size < HotStatements.MAX_PREPARED) {
      const seen = (this.#seen.get(sql) ?? 0) + 1;
      if (seen >= HotStatements.HOT_AFTER) {
        this.#seen.delete(sql);
        const named = `cc_${this.#names.size}`;
        this.#names.set(sql, named);
        return { name: named, text: sql, values };
      }
      if (this.#seen.size >= HotStatements.MAX_TRACKED) this.#seen.clear();
      this.#seen.set(sql, seen);
    }
    return { text: sql, values };
  }

  get prepared(): number {
    return this.#names.size;
  }
}

class PostgresStore implements Store {
  readonly driver = 'postgres' as const;
  #pool: pg.Pool;
  /** Connections that reuse one plan per prepared statement, for statements marked PLAN_ONCE (opened on first use). */
  #planOncePool: pg.Pool | undefined;
  #makePlanOncePool: () => pg.Pool;
  #closed = false;
  #hot = new HotStatements();

  constructor(pool: pg.Pool, makePlanOncePool: () => pg.Pool) {
    this.#pool = pool;
    this.#makePlanOncePool = makePlanOncePool;
  }

  async query<R = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    const pool = sql.startsWith(PLAN_ONCE) && params.length > 0 ? this.#planOnce() : this.#pool;
    const result = (await pool.query(this.#hot.config(sql, params as unknown[]))) as unknown as { rows: R[] };
    return result.rows;
  }

  #planOnce(): pg.Pool {
    if (!this.#planOncePool) this.#planOncePool = this.#makePlanOncePool();
    return this.#planOncePool;
  }

  async exec(sql: string): Promise<void> {
    await this.#pool.query(sql);
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    const hot = this.#hot;
    try {
      await client.query('BEGIN');
      const value = await work({
        async query<R = Row>(sql: string, params: readonly unknown[] = []) {
          return ((await client.query(hot.config(sql, params as unknown[]))) as unknown as { rows: R[] }).rows;
        },
      });
      await client.query('COMMIT');
      return value;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.#pool.end(), this.#planOncePool?.end()]);
  }
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

export async function openPostgresStore(options: PostgresOptions): Promise<Store> {
  const { connectionString, schema } = options;
  if (schema !== undefined && !SCHEMA.test(schema)) throw new Error(`Not a safe schema name: ${schema}`);
  if (schema) {
    const admin = new pg.Client({ connectionString });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await admin.end();
    }
  }
  const searchPath = schema ? `-c search_path=${schema}` : '';
  const makePool = (max: number, settings: string) => {
    // Idle connections are kept a minute, not pg's default 10 s: a new backend costs PostgreSQL its catalog caches and
    // the plans of every hot statement again, and bursty writers (a backfill pausing to generate its next hours)
    // otherwise open and close the whole pool over and over (seen in the city-scale backfill: all 20 renewed every few minutes).
    const pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: 60_000, types: typeParsers, ...(settings ? { options: settings } : {}) });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on('error', () => undefined);
    return pool;
  };
  const max = options.maxConnections ?? 20;
  const store = new PostgresStore(makePool(max, searchPath), () =>
    makePool(Math.max(2, Math.ceil(max / 2)), `${searchPath} -c plan_cache_mode=force_generic_plan`.trim()),
  );
  await store.query('SELECT 1');
  return store;
}

/** Drops a schema made by `openPostgresStore({ schema })` (test teardown). */
export async function dropPostgresSchema(connectionString: string, schema: string): Promise<void> {
  if (!SCHEMA.test(schema)) throw new Error(`Not a safe schema name: ${schema}`);
  const admin = new pg.Client({ connectionString });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await admin.end();
  }
}
