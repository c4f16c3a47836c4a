/**
 * The hub's location index (table ngsi_entity_locations) follows every write: a geo-query finds an
 * entity where it is now, never where it was, and an entity without a location, deleted or rolled back is not in it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { API, attrPath, entityPath, type Hub, openHub } from '../ngsi-ld/support.ts';

const WEST_LAKE = [120.15, 30.25];
const XIXI = [120.07, 30.27];
const near = ([lon, lat]: number[]) =>
  `type=Kiosk&georel=${encodeURIComponent('near;maxDistance==500')}&geometry=Point&coordinates=${encodeURIComponent(`[${lon},${lat}]`)}`;
const point = (coordinates: number[]) => ({ type: 'GeoProperty', value: { type: 'Point', coordinates } });

describe('the location index follows every write', () => {
  let hub: Hub;
  const ids = async (where: number[]) => (await hub.query(near(where))).map((e) => e.id).sort();
  const indexed = async () =>
    (await hub.tp.platform.store.query<{ id: string }>('SELECT id FROM ngsi_entity_locations ORDER BY id')).map((r) => r.id);

  before(async () => {
    hub = await openHub();
  });
  after(() => hub?.close());

  test('create, move by PATCH, by merge and by batch upsert: found at the new place only', async () => {
    await hub.create({ id: 'urn:ngsi-ld:Kiosk:a', type: 'Kiosk', location: point(WEST_LAKE) });
    await hub.create({ id: 'urn:ngsi-ld:Kiosk:b', type: 'Kiosk', location: point(WEST_LAKE) });
    await hub.create({ id: 'urn:ngsi-ld:Kiosk:none', type: 'Kiosk', name: { type: 'Property', value: 'no location' } });
    assert.deepEqual(await ids(WEST_LAKE), ['urn:ngsi-ld:Kiosk:a', 'urn:ngsi-ld:Kiosk:b']);
    assert.deepEqual(await indexed(), ['urn:ngsi-ld:Kiosk:a', 'urn:ngsi-ld:Kiosk:b']);

    assert.equal((await hub.patch(`${entityPath('urn:ngsi-ld:Kiosk:a')}/attrs`, { location: point(XIXI) })).statusCode, 204);
    assert.deepEqual(await ids(WEST_LAKE), ['urn:ngsi-ld:Kiosk:b']);
    assert.deepEqual(await ids(XIXI), ['urn:ngsi-ld:Kiosk:a']);

    const upsert = await hub.post(`${API}/entityOperations/upsert?options=update`, [{ id: 'urn:ngsi-ld:Kiosk:b', type: 'Kiosk', location: point(XIXI) }]);
    assert.equal(upsert.statusCode, 204, upsert.body);
    assert.deepEqual(await ids(WEST_LAKE), []);
    assert.deepEqual(await ids(XIXI), ['urn:ngsi-ld:Kiosk:a', 'urn:ngsi-ld:Kiosk:b']);

    // The entity without a location gets one by merge.
    assert.equal((await hub.patch(entityPath('urn:ngsi-ld:Kiosk:none'), { location: point(WEST_LAKE) })).statusCode, 204);
    assert.deepEqual(await ids(WEST_LAKE), ['urn:ngsi-ld:Kiosk:none']);
  });

  test('deleting the location attribute or the entity takes it out of the index', async () => {
    assert.equal((await hub.delete(attrPath('urn:ngsi-ld:Kiosk:none', 'location'))).statusCode, 204);
    assert.deepEqual(await ids(WEST_LAKE), []);
    assert.equal((await hub.delete(entityPath('urn:ngsi-ld:Kiosk:a'))).statusCode, 204);
    assert.deepEqual(await ids(XIXI), ['urn:ngsi-ld:Kiosk:b']);
    assert.deepEqual(await indexed(), ['urn:ngsi-ld:Kiosk:b']);
  });

  test('a batch with a failing item writes the others, and the failed one leaves no index row', async () => {
    const batch = await hub.post(`${API}/entityOperations/create`, [
      { id: 'urn:ngsi-ld:Kiosk:c', type: 'Kiosk', location: point(WEST_LAKE) },
      { id: 'urn:ngsi-ld:Kiosk:b', type: 'Kiosk', location: point(WEST_LAKE) },
    ]);
    assert.equal(batch.statusCode, 207, batch.body);
    assert.deepEqual(await ids(WEST_LAKE), ['urn:ngsi-ld:Kiosk:c']);
    assert.deepEqual(await ids(XIXI), ['urn:ngsi-ld:Kiosk:b']);
    assert.deepEqual(await indexed(), ['urn:ngsi-ld:Kiosk:b', 'urn:ngsi-ld:Kiosk:c']);
  });
});
