import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer, startTestPlatform, type TestPlatform } from '../../test/support/platform.ts';
import { systemPrincipal } from '../platform/auth/model.ts';
import type { StoredEntity } from './model.ts';
import { ContextHub } from './service.ts';
import { readEntities } from './store.ts';

const entity = (n: number) => `urn:ngsi-ld:Streetlight:gc-${n}`;

describe('concurrent single-entity writes (group commit)', () => {
  let t: TestPlatform;
  before(async () => {
    t = await startTestPlatform();
    const batch = Array.from({ length: 20 }, (_, n) => ({ id: entity(n), type: 'Streetlight', power: { type: 'Property', value: 0 } }));
    const created = await t.platform.server.inject({
      method: 'POST',
      url: '/ngsi-ld/v1/entityOperations/create',
      headers: { ...bearer(t.adminToken), 'content-type': 'application/json' },
      payload: batch,
    });
    assert.equal(created.statusCode, 201, created.body);
  });
  after(() => t?.close());

  const patch = (id: string, value: number) =>
    t.platform.server.inject({
      method: 'PATCH',
      url: `/ngsi-ld/v1/entities/${encodeURIComponent(id)}/attrs`,
      headers: { ...bearer(t.adminToken), 'content-type': 'application/json', 'x-request-id': `gc-${value}` },
      payload: { power: { type: 'Property', value } },
    });

  test('each request keeps its own outcome, value and audit event, and a failing one fails alone', async () => {
    const responses = await Promise.all([
      ...Array.from({ length: 20 }, (_, n) => patch(entity(n), n + 100)),
      patch('urn:ngsi-ld:Streetlight:absent', 999),
    ]);
    assert.deepEqual(
      responses.map((r) => r.statusCode),
      [...Array.from({ length: 20 }, () => 204), 404],
    );
    for (let n = 0; n < 20; n++) {
      const read = await t.platform.server.inject({
        method: 'GET',
        url: `/ngsi-ld/v1/entities/${encodeURIComponent(entity(n))}?format=keyValues`,
        headers: bearer(t.adminToken),
      });
      assert.equal(read.json().power, n + 100);
    }
    const audit = await t.platform.server.inject({ method: 'GET', url: '/api/v1/audit?action=entity.updateAttrs&limit=100', headers: bearer(t.adminToken) });
    const entries = audit.json<{ entries: Array<{ target: { id: string }; requestId: string }> }>().entries;
    assert.equal(entries.length, 20);
    assert.deepEqual(
      entries.map((e) => `${e.target.id} ${e.requestId}`).sort(),
      Array.from({ length: 20 }, (_, n) => `${entity(n)} gc-${n + 100}`).sort(),
    );
  });
});

describe('change observers (the hook history and subscriptions build on)', () => {
  let t: TestPlatform;
  const told: Array<{ id: string; before?: number; after?: number | null; action: string }> = [];
  const power = (e: StoredEntity | null | undefined) => (e ? (e.attrs['https://uri.etsi.org/ngsi-ld/default-context/power']?.[0]?.value as number) : undefined);

  before(async () => {
    t = await startTestPlatform();
    await t.platform.store.query('CREATE TABLE observed_changes (entity_id text, power int)');
    t.platform.context.hub.observe({
      sideWrite: (_tenant, changes) => {
        const rows = changes.filter((c) => c.after).map((c) => ({ id: c.id, power: power(c.after) }));
        return {
          sql: (ids, powers) => `INSERT INTO observed_changes SELECT * FROM unnest(${ids}::text[], ${powers}::int[])`,
          params: [rows.map((r) => r.id), rows.map((r) => r.power)],
          rows,
        };
      },
      committed: (_tenant, changes) => {
        for (const c of changes) told.push({ id: c.id, before: power(c.before), after: c.after ? power(c.after) : null, action: c.action });
      },
    });
  });
  after(() => t?.close());

  const post = (url: string, payload: object) =>
    t.platform.server.inject({ method: 'POST', url, headers: { ...bearer(t.adminToken), 'content-type': 'application/json' }, payload });

  test('every step is told in order, twice for an entity changed twice, and its rows commit with it', async () => {
    const id = 'urn:ngsi-ld:Streetlight:observed';
    const response = await post('/ngsi-ld/v1/entityOperations/upsert?options=update', [
      { id, type: 'Streetlight', power: { type: 'Property', value: 1 } },
      { id, type: 'Streetlight', power: { type: 'Property', value: 2 } },
    ]);
    assert.equal(response.statusCode, 201, response.body);
    assert.deepEqual(told, [
      { id, before: undefined, after: 1, action: 'entity.batchUpsert' },
      { id, before: 1, after: 2, action: 'entity.batchUpsert' },
    ]);
    const rows = await t.platform.store.query<{ entity_id: string; power: number }>('SELECT entity_id, power FROM observed_changes ORDER BY power');
    assert.deepEqual(rows, [
      { entity_id: id, power: 1 },
      { entity_id: id, power: 2 },
    ]);
  });

  test('a write that fails tells nothing and leaves no rows', async () => {
    told.length = 0;
    const response = await post('/ngsi-ld/v1/entities', { id: 'urn:ngsi-ld:Streetlight:observed', type: 'Streetlight' });
    assert.equal(response.statusCode, 409);
    assert.deepEqual(told, []);
    const rows = await t.platform.store.query<{ n: number }>('SELECT count(*)::int AS n FROM observed_changes');
    assert.equal(rows[0]?.n, 2);
  });
});

describe('entities remembered between writes, with another process writing the same store', () => {
  let t: TestPlatform;
  let other: ContextHub;
  const id = 'urn:ngsi-ld:Streetlight:shared';
  const POWER = 'https://uri.etsi.org/ngsi-ld/default-context/power';
  const COLOUR = 'https://uri.etsi.org/ngsi-ld/default-context/colour';
  const call = () => ({ tenant: 'hangzhou', principal: systemPrincipal('hangzhou', 'other-node'), terms: t.platform.context.resolver.core });
  const send = (method: string, url: string, payload?: object) =>
    t.platform.server.inject({ method: method as 'POST', url, headers: { ...bearer(t.adminToken), 'content-type': 'application/json' }, payload });
  const stored = async () => (await readEntities(t.platform.store, 'hangzhou', [id])).get(id);

  before(async () => {
    t = await startTestPlatform();
    // A second hub on the same database: what a second CityCloud process is to this one.
    other = new ContextHub({ store: t.platform.store, audit: t.platform.audit, tenancy: t.platform.tenancy });
  });
  after(async () => {
    await other?.close();
    await t?.close();
  });

  test('a change made elsewhere is never overwritten from a stale copy', async () => {
    assert.equal((await send('POST', '/ngsi-ld/v1/entities', { id, type: 'Streetlight', power: { type: 'Property', value: 1 } })).statusCode, 201);
    // This process now remembers the entity; the other one adds an attribute behind its back.
    await other.appendAttributes(call(), id, { colour: { type: 'Property', value: 'amber' } }, false);
    const patched = await send('PATCH', `/ngsi-ld/v1/entities/${encodeURIComponent(id)}/attrs`, { power: { type: 'Property', value: 2 } });
    assert.equal(patched.statusCode, 204, patched.body);
    const entity = await stored();
    assert.equal(entity?.attrs[POWER]?.[0]?.value, 2);
    assert.equal(entity?.attrs[COLOUR]?.[0]?.value, 'amber', 'the attribute added by the other process survives');
  });

  test('an entity deleted and created again elsewhere is written as it now is, not as it was remembered', async () => {
    const again = 'urn:ngsi-ld:Streetlight:recreated';
    // Remembered here just as created: the other process's new entity starts from a first version too.
    assert.equal((await send('POST', '/ngsi-ld/v1/entities', { id: again, type: 'Streetlight', colour: { type: 'Property', value: 'amber' } })).statusCode, 201);
    await other.deleteEntity(call(), again);
    await other.createEntity(call(), { id: again, type: 'Streetlight', power: { type: 'Property', value: 10 } });
    // Append (not merge): a stale copy would bring back the colour the re-created entity does not have.
    const appended = await send('POST', `/ngsi-ld/v1/entities/${encodeURIComponent(again)}/attrs`, { status: { type: 'Property', value: 'on' } });
    assert.equal(appended.statusCode, 204, appended.body);
    const entity = (await readEntities(t.platform.store, 'hangzhou', [again])).get(again);
    assert.equal(entity?.attrs[POWER]?.[0]?.value, 10);
    assert.equal(entity?.attrs[COLOUR], undefined);
  });

  test('an entity deleted elsewhere is not found here, though this process remembered it', async () => {
    await send('PATCH', `/ngsi-ld/v1/entities/${encodeURIComponent(id)}/attrs`, { power: { type: 'Property', value: 4 } });
    await other.deleteEntity(call(), id);
    const patched = await send('PATCH', `/ngsi-ld/v1/entities/${encodeURIComponent(id)}/attrs`, { power: { type: 'Property', value: 5 } });
    assert.equal(patched.statusCode, 404, patched.body);
    assert.equal(await stored(), undefined);
  });
});

describe('batches of one process on the same entities', () => {
  let t: TestPlatform;
  let attempts = 0;
  const ids = Array.from({ length: 30 }, (_, n) => `urn:ngsi-ld:Streetlight:turn-${n}`);
  before(async () => {
    t = await startTestPlatform();
    t.platform.context.hub.observe({
      // Asked once per statement attempt: a batch that lost a version check and was retried counts twice.
      sideWrite: (_tenant, changes) => {
        if (changes.some((c) => c.id.includes(':turn-') && c.before)) attempts++;
        return undefined;
      },
    });
    const created = await t.platform.server.inject({
      method: 'POST',
      url: '/ngsi-ld/v1/entityOperations/create',
      headers: { ...bearer(t.adminToken), 'content-type': 'application/json' },
      payload: ids.map((id) => ({ id, type: 'Streetlight', power: { type: 'Property', value: -1 } })),
    });
    assert.equal(created.statusCode, 201, created.body);
  });
  after(() => t?.close());

  test('take turns instead of failing each other’s version check: every batch is written once, none retried', async () => {
    const batches = 12;
    const responses = await Promise.all(
      Array.from({ length: batches }, (_, k) =>
        t.platform.server.inject({
          method: 'POST',
          url: '/ngsi-ld/v1/entityOperations/update',
          headers: { ...bearer(t.adminToken), 'content-type': 'application/json' },
          // Overlapping halves: batch k shares entities with every other batch.
          payload: ids.slice((k % 2) * 10, (k % 2) * 10 + 20).map((id) => ({ id, type: 'Streetlight', power: { type: 'Property', value: k } })),
        }),
      ),
    );
    assert.deepEqual(
      responses.map((r) => r.statusCode),
      Array.from({ length: batches }, () => 204),
    );
    assert.equal(attempts, batches, 'one statement per batch');
    const history = await t.platform.server.inject({
      method: 'GET',
      url: `/ngsi-ld/v1/temporal/entities/${encodeURIComponent(ids[15] as string)}?attrs=power&timerel=after&timeAt=2000-01-01T00:00:00Z`,
      headers: bearer(t.adminToken),
    });
    assert.equal(history.statusCode, 200, history.body);
    const power = history.json<{ power: unknown[] }>().power;
    assert.equal(power.length, batches + 1, 'the creation and every batch are each one instance of an entity all batches touch');
  });
});

describe('an update sends only what changed (store.ts updateRow), and the row is still the whole entity', () => {
  let t: TestPlatform;
  const id = 'urn:ngsi-ld:Streetlight:delta';
  const VOCAB = 'https://uri.etsi.org/ngsi-ld/default-context/';
  const send = (method: string, url: string, payload?: object) =>
    t.platform.server.inject({
      method: method as 'POST',
      url,
      headers: { ...bearer(t.adminToken), ...(payload ? { 'content-type': 'application/json' } : {}) },
      ...(payload ? { payload } : {}),
    });
  const row = async () =>
    (
      await t.platform.store.query<{ types: string[]; scopes: string[]; attr_names: string[]; attrs: Record<string, Array<{ value: unknown }>> }>(
        'SELECT types, scopes, attr_names, attrs FROM ngsi_entities WHERE id = $1',
        [id],
      )
    )[0];
  const values = (attrs: Record<string, Array<{ value: unknown }>> | undefined) =>
    Object.fromEntries(Object.entries(attrs ?? {}).map(([k, list]) => [k.replace(VOCAB, ''), list.map((a) => a.value)]));

  before(async () => {
    t = await startTestPlatform();
  });
  after(() => t?.close());

  test('changed, added and removed attributes, and changed types and scopes, all reach the row', async () => {
    const url = `/ngsi-ld/v1/entities/${encodeURIComponent(id)}`;
    assert.equal((await send('POST', '/ngsi-ld/v1/entities', { id, type: 'Streetlight', power: { type: 'Property', value: 1 }, colour: { type: 'Property', value: 'amber' } })).statusCode, 201);
    // A changed attribute: the other stays as it was in the table.
    assert.equal((await send('PATCH', `${url}/attrs`, { power: { type: 'Property', value: 2 } })).statusCode, 204);
    assert.deepEqual(values((await row())?.attrs), { power: [2], colour: ['amber'] });
    // An added attribute and a second instance (datasetId) of an existing one: the names follow.
    assert.equal(
      (await send('POST', `${url}/attrs`, { lit: { type: 'Property', value: 'on' }, power: { type: 'Property', value: 3, datasetId: 'urn:ngsi-ld:Dataset:b' } })).statusCode,
      204,
    );
    let r = await row();
    assert.deepEqual(values(r?.attrs), { power: [2, 3], colour: ['amber'], lit: ['on'] });
    assert.deepEqual([...(r?.attr_names ?? [])].sort(), [`${VOCAB}colour`, `${VOCAB}lit`, `${VOCAB}power`]);
    // A removed attribute: gone from attrs and from the names.
    assert.equal((await send('DELETE', `${url}/attrs/colour`)).statusCode, 204);
    r = await row();
    assert.deepEqual(values(r?.attrs), { power: [2, 3], lit: ['on'] });
    assert.deepEqual([...(r?.attr_names ?? [])].sort(), [`${VOCAB}lit`, `${VOCAB}power`]);
    // Scopes and a second type (merge-patch): the entity's own columns change, the attributes stay.
    assert.equal((await send('PATCH', url, { type: ['Streetlight', 'Device'], scope: '/hangzhou/xihu', lit: { type: 'Property', value: 'off' } })).statusCode, 204);
    r = await row();
    assert.deepEqual([...(r?.types ?? [])].sort(), [`${VOCAB}Device`, `${VOCAB}Streetlight`]);
    assert.deepEqual(r?.scopes, ['/hangzhou/xihu']);
    assert.deepEqual(values(r?.attrs), { power: [2, 3], lit: ['off'] });
    // A replacement (PUT): every attribute the new entity lacks is removed from the row.
    assert.equal((await send('PUT', url, { type: 'Streetlight', lamp: { type: 'Property', value: 'LED' } })).statusCode, 204);
    r = await row();
    assert.deepEqual(values(r?.attrs), { lamp: ['LED'] });
    assert.deepEqual(r?.attr_names, [`${VOCAB}lamp`]);
    assert.deepEqual(r?.types, [`${VOCAB}Streetlight`]);
    // What a GET answers is what the row holds.
    const read = await send('GET', `${url}?format=keyValues`);
    assert.deepEqual(read.json(), { id, type: 'Streetlight', lamp: 'LED' });
  });
});
