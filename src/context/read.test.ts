/** The reader's keyset paging (`after`), which the platform's own scans use over a whole city: every entity once, in id order. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuditLog } from '../platform/audit/service.ts';
import { systemPrincipal } from '../platform/auth/model.ts';
import { instance, openQueryStore, type QueryStore, testTerms } from './query/test-support.ts';
import { EntityReader, type ReadCall } from './read.ts';

describe('EntityReader keyset paging', () => {
  let db: QueryStore;
  let reader: EntityReader;
  const call = { tenant: 'test', principal: systemPrincipal('test', 'scan'), terms: testTerms } as unknown as ReadCall;
  // Ids whose text order differs from their number order (…:10 sorts before …:2).
  const ids = Array.from({ length: 25 }, (_, i) => `urn:ngsi-ld:Sensor:${i}`);

  before(async () => {
    db = await openQueryStore(
      ids.map((id, i) => ({ id, types: [i % 5 === 0 ? 'Other' : 'Sensor'], attrs: { level: instance('Property', i) } })),
    );
    reader = new EntityReader({ store: db.store, audit: new AuditLog() });
  });
  after(() => db.dispose());

  async function scan(query: { type?: string; q?: string }, page: number): Promise<string[]> {
    const seen: string[] = [];
    for (let last: string | undefined; ; ) {
      const { entities } = await reader.queryEntities(call, { ...query, ...(last === undefined ? {} : { after: last }), limit: page, offset: 0, count: false });
      seen.push(...entities.map((e) => e.id));
      if (entities.length < page) return seen;
      last = entities[entities.length - 1]?.id;
    }
  }

  test('pages of 7 after the last id seen return every entity once, in the order of a single query', async () => {
    const whole = (await reader.queryEntities(call, { limit: 1000, offset: 0, count: false })).entities.map((e) => e.id);
    assert.equal(whole.length, 25);
    assert.deepEqual(await scan({}, 7), whole);
  });

  test('after combines with the other selections', async () => {
    const sensors = await scan({ type: 'Sensor', q: 'level>=3' }, 4);
    const expected = ids.filter((_, i) => i % 5 !== 0 && i >= 3).sort();
    assert.deepEqual(sensors, expected);
  });
});
