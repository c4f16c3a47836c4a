/** The store contract: one suite, run against every driver (PGlite always, PostgreSQL with DATABASE_URL). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Migration, migrate, splitStatements } from './migrate.ts';
import { arrayLiteral, insertBatch, PLAN_ONCE, type Store } from './store.ts';
import { contractDrivers, openTestStore, type TestStore } from './testing.ts';

const migrations: Migration[] = [
  {
    id: '0001_readings',
    sql: `
      CREATE TABLE readings (
        id text PRIMARY KEY,
        value double precision NOT NULL,
        counter bigint NOT NULL DEFAULT 0,
        price numeric(10,2),
        tags jsonb NOT NULL DEFAULT '{}'::jsonb,
        observed_at timestamptz NOT NULL DEFAULT now()
      );
      -- a comment; with a semicolon
      CREATE INDEX readings_tags ON readings USING gin (tags);`,
  },
  {
    id: '0002_guard',
    sql: `
      CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'readings are append-only; delete refused'; END $$;
      CREATE TRIGGER readings_no_delete BEFORE DELETE ON readings
        FOR EACH ROW EXECUTE FUNCTION refuse_delete();`,
  },
];

for (const driver of contractDrivers()) {
  describe(`store contract on ${driver}`, () => {
    let handle: TestStore;
    let store: Store;

    before(async () => {
      handle = await openTestStore(driver);
      store = handle.store;
    });
    after(() => handle.dispose());

    test('migrations apply once, in order, and a second run applies nothing', async () => {
      const first = await migrate(store, migrations);
      assert.deepEqual(first.applied, ['0001_readings', '0002_guard']);
      const second = await migrate(store, migrations);
      assert.deepEqual(second.applied, []);
      assert.equal(second.alreadyApplied, 2);
    });

    test('migrations out of order are refused before anything runs', async () => {
      const reversed = [...migrations].reverse();
      await assert.rejects(migrate(store, reversed), /ascending order/);
    });

    test('parameters and value types come back the same on every driver', async () => {
      await store.query('INSERT INTO readings (id, value, counter, price, tags) VALUES ($1, $2, $3, $4, $5)', [
        'types',
        1.5,
        9007199254740991,
        '12.34',
        JSON.stringify({ district: '西湖区', ok: true }),
      ]);
      const [row] = await store.query('SELECT * FROM readings WHERE id = $1', ['types']);
      assert.ok(row);
      assert.equal(row.value, 1.5);
      assert.equal(row.counter, 9007199254740991);
      assert.equal(row.price, 12.34);
      assert.deepEqual(row.tags, { district: '西湖区', ok: true });
      assert.ok(row.observed_at instanceof Date);
    });

    test('a transaction that throws leaves nothing behind', async () => {
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.query("INSERT INTO readings (id, value) VALUES ('rolled-back', 1)");
          throw new Error('abort');
        }),
        /abort/,
      );
      const rows = await store.query("SELECT id FROM readings WHERE id = 'rolled-back'");
      assert.equal(rows.length, 0);
    });

    test('a committed transaction is visible to later queries', async () => {
      const value = await store.transaction(async (tx) => {
        await tx.query("INSERT INTO readings (id, value) VALUES ('committed', 2)");
        const rows = await tx.query<{ value: number }>("SELECT value FROM readings WHERE id = 'committed'");
        return rows[0]?.value;
      });
      assert.equal(value, 2);
      assert.equal((await store.query("SELECT 1 FROM readings WHERE id = 'committed'")).length, 1);
    });

    test('a failing statement inside a transaction rolls back the statements before it', async () => {
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.query("INSERT INTO readings (id, value) VALUES ('half', 1)");
          await tx.query("INSERT INTO readings (id, value) VALUES ('half', 2)"); // duplicate key
        }),
      );
      assert.equal((await store.query("SELECT 1 FROM readings WHERE id = 'half'")).length, 0);
    });

    test('a batch of 10,000 rows is written by one statement', async () => {
      const rows = Array.from({ length: 10_000 }, (_, i) => ({
        id: `batch-${i}`,
        value: i / 10,
        tags: { station: `s${i % 7}` },
      }));
      const written = await insertBatch(
        store,
        'readings',
        [
          { name: 'id', type: 'text' },
          { name: 'value', type: 'double precision' },
          { name: 'tags', type: 'jsonb' },
        ],
        rows,
      );
      assert.equal(written, 10_000);
      const [count] = await store.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM readings WHERE tags @> '{"station":"s3"}'`,
      );
      assert.equal(count?.n, rows.filter((r) => r.tags.station === 's3').length);
    });

    test('array literals carry any text, numbers, booleans and NULLs to typed array parameters unchanged', async () => {
      const texts = ['plain', 'NULL', 'null', '', ' spaced ', 'a,b', '{braces}', 'quote"d', 'back\\slash', "it's", '西湖区', 'tab\tnew\nline', null];
      const numbers = [0, -1.5, 1e21, 2 ** 53, 0.1 + 0.2, -7e-12, null];
      const rows = await store.query<{ t: string | null; n: number | null; b: boolean | null }>(
        'SELECT t, n, b FROM unnest($1::text[], $2::float8[], $3::boolean[]) AS u(t, n, b)',
        [arrayLiteral(texts), arrayLiteral(numbers), arrayLiteral([true, false, null])],
      );
      assert.deepEqual(rows.map((r) => r.t), texts);
      assert.deepEqual(rows.slice(0, numbers.length).map((r) => (r.n === null ? null : Number(r.n))), numbers);
      assert.deepEqual(rows.slice(0, 3).map((r) => r.b), [true, false, null]);
    });

    test('a batch with a conflict clause skips existing rows instead of failing', async () => {
      const written = await insertBatch(
        store,
        'readings',
        [
          { name: 'id', type: 'text' },
          { name: 'value', type: 'double precision' },
        ],
        [
          { id: 'batch-1', value: 99 },
          { id: 'batch-new', value: 1 },
        ],
        'ON CONFLICT (id) DO NOTHING',
      );
      assert.equal(written, 1);
      const [row] = await store.query<{ value: number }>("SELECT value FROM readings WHERE id = 'batch-1'");
      assert.equal(row?.value, 0.1);
    });

    test('triggers written in plpgsql run (append-only guard refuses a delete)', async () => {
      await assert.rejects(store.query("DELETE FROM readings WHERE id = 'types'"), /append-only/);
      assert.equal((await store.query("SELECT 1 FROM readings WHERE id = 'types'")).length, 1);
    });

    test('concurrent transactions do not interleave their writes', async () => {
      await store.query("INSERT INTO readings (id, value, counter) VALUES ('counter', 0, 0)");
      await Promise.all(
        Array.from({ length: 20 }, () =>
          store.transaction(async (tx) => {
            const [row] = await tx.query<{ counter: number }>(
              "SELECT counter FROM readings WHERE id = 'counter' FOR UPDATE",
            );
            await tx.query("UPDATE readings SET counter = $1 WHERE id = 'counter'", [(row?.counter ?? 0) + 1]);
          }),
        ),
      );
      const [row] = await store.query<{ counter: number }>("SELECT counter FROM readings WHERE id = 'counter'");
      assert.equal(row?.counter, 20);
    });

    test('exec runs a script of several statements', async () => {
      await store.exec('CREATE TABLE scratch (n int); INSERT INTO scratch VALUES (1), (2);');
      const [row] = await store.query<{ total: number }>('SELECT sum(n)::int AS total FROM scratch');
      assert.equal(row?.total, 3);
    });

    test('a statement marked PLAN_ONCE answers like any other, and on PostgreSQL reuses one plan', async () => {
      for (let n = 1; n <= 5; n++) {
        const [row] = await store.query<{ n: number; mode: string }>(`${PLAN_ONCE}SELECT $1::int AS n, current_setting('plan_cache_mode') AS mode`, [n]);
        assert.equal(row?.n, n);
        assert.equal(row?.mode, driver === 'postgres' ? 'force_generic_plan' : 'auto');
      }
      const [plain] = await store.query<{ mode: string }>(`SELECT current_setting('plan_cache_mode') AS mode, $1::int AS n`, [1]);
      assert.equal(plain?.mode, 'auto', 'unmarked statements keep custom plans');
    });

    test('a syntax error is reported and the store stays usable', async () => {
      await assert.rejects(store.query('SELEC 1'), /syntax error/);
      const [row] = await store.query<{ one: number }>('SELECT 1 AS one');
      assert.equal(row?.one, 1);
    });
  });
}

describe('splitStatements', () => {
  test('keeps dollar-quoted bodies, quoted semicolons and drops comments', () => {
    const parts = splitStatements(`
      SELECT 'a;b'; -- note; here
      CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;
      SELECT 'it''s';`);
    assert.deepEqual(parts, [
      "SELECT 'a;b'",
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$',
      "SELECT 'it''s'",
    ]);
  });
});
