/** The pure recommendation: nearest available units per line, one line per unit, shortfalls counted, ETA from distance. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type AvailableUnit, etaSeconds, haversineM, recommendUnits } from '../../src/incidents/recommend.ts';

const at = { lat: 30.25, long: 120.1 };
const u = (id: string, kind: string, metresNorth: number, status = 'available'): AvailableUnit => ({
  unitId: id,
  vehicleKind: kind,
  status,
  name: null,
  station: null,
  location: { lat: at.lat + metresNorth / 111_195, long: at.long },
});

describe('recommendUnits', () => {
  test('haversine distance matches a known figure: one degree of latitude is about 111.2 km', () => {
    assert.ok(Math.abs(haversineM({ lat: 30, long: 120 }, { lat: 31, long: 120 }) - 111_195) < 5);
  });

  test('each line gets its nearest available units, nearest first; units not available are skipped', () => {
    const [engines] = recommendUnits(at, [{ vehicleKind: 'fireEngine', count: 2 }], [u('c', 'fireEngine', 900), u('a', 'fireEngine', 100, 'onScene'), u('b', 'fireEngine', 400), u('d', 'fireEngine', 2000), u('x', 'ambulance', 10)]);
    assert.deepEqual(
      engines?.units.map((x) => [x.unitId, x.distanceM]),
      [
        ['b', 400],
        ['c', 900],
      ],
    );
    assert.deepEqual(
      engines?.alternates.map((x) => x.unitId),
      ['d'],
    );
    assert.equal(engines?.units[0]?.etaSeconds, etaSeconds(400));
  });

  test('two lines of the same kind never get the same unit, and a shortfall is counted', () => {
    const [first, second] = recommendUnits(
      at,
      [
        { vehicleKind: 'policeCar', count: 1 },
        { vehicleKind: 'policeCar', count: 2 },
      ],
      [u('p1', 'policeCar', 100), u('p2', 'policeCar', 200)],
    );
    assert.deepEqual(
      first?.units.map((x) => x.unitId),
      ['p1'],
    );
    assert.deepEqual(
      second?.units.map((x) => x.unitId),
      ['p2'],
    );
    assert.equal(second?.missing, 1);
  });

  test('the ETA is one minute of turnout plus the distance at 30 km/h', () => {
    assert.equal(etaSeconds(0), 60);
    assert.equal(etaSeconds(5000), 60 + 600);
  });
});
