/** Hot statements: a repeated query text gets a prepared-statement name, and the names stay bounded. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HotStatements } from './postgres.ts';

describe('HotStatements', () => {
  test('a statement is prepared from its third use on, always under the same name', () => {
    const hot = new HotStatements();
    const sql = 'SELECT * FROM t WHERE id = $1';
    assert.equal(hot.config(sql, [1]).name, undefined);
    assert.equal(hot.config(sql, [2]).name, undefined);
    const name = hot.config(sql, [3]).name;
    assert.ok(name);
    assert.equal(hot.config(sql, [4]).name, name);
    assert.deepEqual(hot.config(sql, [5]).values, [5]);
  });

  test('parameterless scripts are never prepared (they may hold several statements)', () => {
    const hot = new HotStatements();
    for (let i = 0; i < 10; i++) assert.equal(hot.config('SELECT 1; SELECT 2', []).name, undefined);
  });

  test('endless distinct texts never prepare more than the cap', () => {
    const hot = new HotStatements();
    for (let i = 0; i < HotStatements.MAX_PREPARED + 100; i++) {
      for (let k = 0; k < HotStatements.HOT_AFTER; k++) hot.config(`SELECT ${i} WHERE $1`, [k]);
    }
    assert.equal(hot.prepared, HotStatements.MAX_PREPARED);
    assert.equal(hot.config('SELECT -1 WHERE $1', [1]).name, undefined);
  });
});
