/** Unit tests of the city model: sizes, ids, the entities and devices it describes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildCity, devices, initialEntities } from '../index.ts';

const START = '2026-11-02T00:00:00Z';

describe('the simulated city', () => {
  it('has about 100 sensors when tiny, about 1,000 when small and at least 5,000 reporting every minute at city scale', () => {
    const tiny = buildCity({ seed: 1, size: 'tiny', start: START });
    const small = buildCity({ seed: 1, size: 'small', start: START });
    const city = buildCity({ seed: 1, size: 'city', start: START });
    assert.ok(tiny.sensors.length >= 80 && tiny.sensors.length <= 130, `tiny: ${tiny.sensors.length}`);
    assert.ok(small.sensors.length >= 900 && small.sensors.length <= 1200, `small: ${small.sensors.length}`);
    assert.ok(city.sensors.filter((s) => s.kind !== 'security').length >= 5000);
    assert.ok(small.roads.length >= 200 && small.roads.length <= 600, `small roads: ${small.roads.length}`);
  });

  it('is the same city for the same seed and a different layout for another seed', () => {
    const a = buildCity({ seed: 5, size: 'small', start: START });
    const b = buildCity({ seed: 5, size: 'small', start: START });
    const c = buildCity({ seed: 6, size: 'small', start: START });
    assert.equal(JSON.stringify(a), JSON.stringify(b));
    assert.notEqual(JSON.stringify(a.carParks), JSON.stringify(c.carParks));
  });

  it('names roads in Chinese with the stretch between cross streets, in all ten districts', () => {
    const city = buildCity({ seed: 1, size: 'small', start: START });
    assert.equal(new Set(city.roads.map((r) => r.district)).size, 10);
    assert.ok(city.roads.some((r) => r.name.startsWith('延安路（')));
    for (const r of city.roads) assert.match(r.name, /^[\u4e00-\u9fa5]+路?.*（.+—.+）$/u);
  });

  it('links every segment to its twin and its upstream segment flowing into it', () => {
    const city = buildCity({ seed: 1, size: 'small', start: START });
    for (const r of city.roads) {
      assert.equal(city.roads[r.twin]!.twin, r.index);
      if (r.upstream >= 0) assert.deepEqual(city.roads[r.upstream]!.coordinates[1], r.coordinates[0]);
    }
  });

  it('uses unique entity and device ids of the form urn:ngsi-ld:<Type>:hz-<kind>-<n>', () => {
    const city = buildCity({ seed: 1, size: 'small', start: START });
    const ids = [...initialEntities(city).map((e) => e.id), ...devices(city).map((d) => d.entityId)];
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^urn:ngsi-ld:[A-Za-z]+:hz-[a-z]+-\d+$/);
    const deviceIds = devices(city).map((d) => d.id);
    assert.equal(new Set(deviceIds).size, deviceIds.length);
  });

  it('gives every device a location, a district, an owning department and its attribute mappings', () => {
    const city = buildCity({ seed: 1, size: 'tiny', start: START });
    const specs = devices(city);
    assert.deepEqual([...new Set(specs.map((d) => d.entityType))].sort(), ['AirQualityObserved', 'NoiseLevelObserved', 'OffStreetParking', 'SecuritySensor', 'TrafficFlowObserved', 'WeatherObserved']);
    for (const d of specs) {
      assert.equal((d.staticAttributes['location'] as { type: string }).type, 'GeoProperty');
      assert.equal((d.staticAttributes['district'] as { type: string }).type, 'Property');
      assert.ok(d.ownerDepartment.length > 0 && d.attributes.length > 0);
    }
    const traffic = specs.find((d) => d.entityType === 'TrafficFlowObserved')!;
    assert.equal((traffic.staticAttributes['refRoadSegment'] as { type: string }).type, 'Relationship');
    assert.deepEqual(traffic.attributes.map((a) => a.name), ['intensity', 'averageVehicleSpeed', 'occupancy', 'congestionIndex', 'congested']);
  });

  it('starts with road segments, buildings, hospitals and emergency vehicles in normalized NGSI-LD', () => {
    const city = buildCity({ seed: 1, size: 'tiny', start: START });
    const entities = initialEntities(city);
    assert.deepEqual([...new Set(entities.map((e) => e.type))], ['RoadSegment', 'Building', 'Hospital', 'EmergencyVehicle']);
    const road = entities.find((e) => e.type === 'RoadSegment')!;
    assert.equal((road['location'] as { value: { type: string } }).value.type, 'LineString');
    for (const attr of ['name', 'roadClass', 'totalLaneNumber', 'maximumAllowedSpeed', 'capacity', 'length', 'district']) assert.equal((road[attr] as { type: string }).type, 'Property', attr);
    for (const e of entities) assert.ok(!('@context' in e));
  });
});
