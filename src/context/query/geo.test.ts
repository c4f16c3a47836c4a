/** Tests of geo-queries: parameter checks, every georel with every geometry type, distances, and the SQL prefilter on a real store. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AppError } from '../../platform/errors/app-error.ts';
import { LOCATION } from '../model.ts';
import { type GeoJsonGeometry, type GeoQuery, type GeoQueryInput, geoMatches, geoPrefilterSql, MAX_POSITIONS, parseGeoQuery } from './geo.ts';
import { SqlParams } from './model.ts';
import { beyondDistance, distance, haversine, toShape, withinDistance } from './spatial.ts';
import { instance, openQueryStore, type QueryStore, testTerms, VOCAB } from './test-support.ts';

type G = GeoJsonGeometry;
const point = (lon: number, lat: number): G => ({ type: 'Point', coordinates: [lon, lat] });
const multiPoint = (...c: number[][]): G => ({ type: 'MultiPoint', coordinates: c });
const line = (...c: number[][]): G => ({ type: 'LineString', coordinates: c });
const multiLine = (...c: number[][][]): G => ({ type: 'MultiLineString', coordinates: c });
/** An axis-aligned square polygon from (x0,y0) to (x1,y1), optionally with square holes. */
const square = (x0: number, y0: number, x1: number, y1: number, ...holes: number[][]): G => ({
  type: 'Polygon',
  coordinates: [ringOf(x0, y0, x1, y1), ...holes.map(([a, b, c, d]) => ringOf(a as number, b as number, c as number, d as number))],
});
function ringOf(x0: number, y0: number, x1: number, y1: number): number[][] {
  return [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
    [x0, y0],
  ];
}
const multiSquare = (...boxes: number[][]): G => ({
  type: 'MultiPolygon',
  coordinates: boxes.map(([a, b, c, d]) => [ringOf(a as number, b as number, c as number, d as number)]),
});

function query(georel: string, reference: G): GeoQuery {
  const geo = parseGeoQuery({ georel, geometry: reference.type, coordinates: reference.coordinates }, testTerms);
  assert.ok(geo);
  return geo;
}

function rejects(input: GeoQueryInput, pattern: RegExp): void {
  assert.throws(
    () => parseGeoQuery(input, testTerms),
    (error: unknown) => {
      assert.ok(error instanceof AppError && error.code === 'BAD_REQUEST_DATA');
      assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('parseGeoQuery', () => {
  test('no geo-query parameters mean no geo-query, even with a geoproperty', () => {
    assert.equal(parseGeoQuery({}, testTerms), undefined);
    assert.equal(parseGeoQuery({ geoproperty: 'observationSpace' }, testTerms), undefined);
  });

  test('a near query from URL parameters is read, coordinates given as text', () => {
    assert.deepEqual(parseGeoQuery({ georel: 'near;maxDistance==2000', geometry: 'Point', coordinates: '[8,40]' }, testTerms), {
      georel: 'near',
      maxDistance: 2000,
      geometry: { type: 'Point', coordinates: [8, 40] },
      geoproperty: LOCATION,
    });
  });

  test('a query body may give coordinates as an array and name the geoproperty (example 1)', () => {
    const geo = parseGeoQuery({ georel: 'near;minDistance==10.5', geometry: 'Point', coordinates: [8, 40], geoproperty: 'observationSpace' }, testTerms);
    assert.equal(geo?.minDistance, 10.5);
    assert.equal(geo?.geoproperty, 'https://uri.etsi.org/ngsi-ld/observationSpace');
  });

  test('a within query with a polygon is read (example 2)', () => {
    const geo = parseGeoQuery(
      { georel: 'within', geometry: 'Polygon', coordinates: '[[[100.0,0.0],[101.0,0.0],[101.0,1.0],[100.0,1.0],[100.0,0.0]]]', geoproperty: 'location' },
      testTerms,
    );
    assert.equal(geo?.georel, 'within');
  });

  test('a partial geo-query names what is missing', () => {
    rejects({ georel: 'within' }, /go together; missing: geometry, coordinates/);
    rejects({ geometry: 'Point', coordinates: '[1,2]' }, /missing: georel/);
  });

  test('near without a distance is refused with the forms that work', () => {
    rejects({ georel: 'near', geometry: 'Point', coordinates: [1, 2] }, /needs a distance in metres, written near;maxDistance==2000/);
    rejects({ georel: 'near;maxDistance=2000', geometry: 'Point', coordinates: [1, 2] }, /needs a distance/);
  });

  test('a negative or infinite distance is refused', () => {
    rejects({ georel: 'near;maxDistance==-5', geometry: 'Point', coordinates: [1, 2] }, /must not be negative/);
    rejects({ georel: 'near;maxDistance==1e999', geometry: 'Point', coordinates: [1, 2] }, /not a finite number/);
  });

  test('an unknown georel is refused with the list of georels', () => {
    rejects({ georel: 'inside', geometry: 'Point', coordinates: [1, 2] }, /georel must be one of .*within, contains, intersects, equals, disjoint, overlaps; got "inside"/);
  });

  test('an unknown geometry type is refused with the list of types', () => {
    rejects({ georel: 'within', geometry: 'Circle', coordinates: [1, 2] }, /geometry must be one of Point, MultiPoint/);
    rejects({ georel: 'within', geometry: 'GeometryCollection', coordinates: [] }, /geometry must be one of/);
  });

  test('coordinates that are not JSON are refused', () => {
    rejects({ georel: 'within', geometry: 'Point', coordinates: '8,40' }, /coordinates must be a JSON array/);
  });

  test('a longitude or latitude out of range is refused with its place', () => {
    rejects({ georel: 'intersects', geometry: 'Point', coordinates: [200, 10] }, /coordinates has longitude 200, outside -180\.\.180/);
    rejects({ georel: 'intersects', geometry: 'LineString', coordinates: [[0, 0], [10, 95]] }, /coordinates\[1\] has latitude 95, outside -90\.\.90/);
  });

  test('positions that are not two finite numbers are refused', () => {
    rejects({ georel: 'intersects', geometry: 'Point', coordinates: [1] }, /must be a position \[longitude, latitude\]/);
    rejects({ georel: 'intersects', geometry: 'Point', coordinates: ['1', 2] }, /must be a position/);
  });

  test('a ring that is not closed, or too short, is refused', () => {
    rejects({ georel: 'within', geometry: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] }, /coordinates\[0\] is not closed/);
    rejects({ georel: 'within', geometry: 'Polygon', coordinates: [[[0, 0], [1, 0], [0, 0]]] }, /a ring needs at least 4/);
    rejects({ georel: 'within', geometry: 'MultiPolygon', coordinates: [[ringOf(0, 0, 1, 1)], [[[0, 0], [1, 0], [1, 1], [0, 2]]]] }, /coordinates\[1\]\[0\] is not closed/);
  });

  test('a line of one position is refused', () => {
    rejects({ georel: 'intersects', geometry: 'LineString', coordinates: [[0, 0]] }, /a line needs at least 2/);
  });

  test('coordinates nested at the wrong depth are refused', () => {
    rejects({ georel: 'within', geometry: 'Polygon', coordinates: [[0, 0], [1, 1]] }, /coordinates\[0\]\[0\] is a number where a position \[longitude, latitude\] belongs \(a Polygon nests \[longitude, latitude\] positions 2 levels deep\)/);
    rejects({ georel: 'within', geometry: 'LineString', coordinates: [1, 2] }, /coordinates\[0\] is a number where a position/);
    rejects({ georel: 'within', geometry: 'Point', coordinates: [[1, 2]] }, /must be a position/);
  });

  test('a reference geometry with more than 100 000 positions is refused', () => {
    const many = Array.from({ length: MAX_POSITIONS + 1 }, () => [1, 1]);
    rejects({ georel: 'intersects', geometry: 'MultiPoint', coordinates: many }, /more than 100000 positions/);
  });

  test('a geoproperty that is not a name is refused', () => {
    rejects({ georel: 'within', geometry: 'Point', coordinates: [1, 1], geoproperty: 'a b' }, /geoproperty must be the name of a GeoProperty/);
  });
});

/** One row of the georel × geometry table: the entity's geometry, the reference, and whether they match. */
type Case = [name: string, target: G, reference: G, expected: boolean];

const PG = square(0, 0, 10, 10);
const HOLED = square(0, 0, 10, 10, [4, 4, 6, 6]);
const MPG = multiSquare([0, 0, 4, 4], [6, 6, 10, 10]);
const L = line([0, 0], [10, 10]);
const ML = multiLine(
  [
    [0, 0],
    [10, 10],
  ],
  [
    [0, 10],
    [10, 0],
  ],
);
const MP = multiPoint([5, 5], [7, 7]);

const TABLE: Record<string, Case[]> = {
  within: [
    ['a Point inside a Polygon', point(5, 5), PG, true],
    ['a Point on a Polygon boundary', point(0, 5), PG, false],
    ['a Point outside a Polygon', point(11, 5), PG, false],
    ['a Point equal to a Point', point(5, 5), point(5, 5), true],
    ['a Point in a MultiPoint', point(7, 7), MP, true],
    ['a Point inside a LineString', point(5, 5), L, true],
    ['a Point at the end of a LineString', point(0, 0), L, false],
    ['a Point on a MultiLineString', point(2, 8), ML, true],
    ['a Point in a MultiPolygon', point(8, 8), MPG, true],
    ['a Point in the gap of a MultiPolygon', point(5, 5), MPG, false],
    ['a MultiPoint inside a Polygon', multiPoint([1, 1], [2, 2]), PG, true],
    ['a MultiPoint partly outside a Polygon', multiPoint([1, 1], [20, 20]), PG, false],
    ['a MultiPoint in a larger MultiPoint', multiPoint([5, 5]), MP, true],
    ['a MultiPoint not all in a MultiPoint', multiPoint([5, 5], [6, 6]), MP, false],
    ['a LineString inside a Polygon', line([1, 1], [9, 9]), PG, true],
    ['a LineString along a Polygon edge', line([0, 0], [10, 0]), PG, false],
    ['a LineString on part of a LineString', line([2, 2], [3, 3]), L, true],
    ['a LineString leaving a LineString', line([2, 2], [3, 4]), L, false],
    ['a LineString on a MultiLineString', line([1, 9], [2, 8]), ML, true],
    ['a LineString crossing the gap of a MultiPolygon', line([1, 1], [9, 9]), MPG, false],
    ['a MultiLineString inside a Polygon', multiLine([[1, 1], [2, 2]], [[3, 3], [4, 4]]), PG, true],
    ['a MultiLineString on a MultiLineString', multiLine([[1, 1], [2, 2]], [[1, 9], [2, 8]]), ML, true],
    ['a MultiLineString partly off a LineString', multiLine([[1, 1], [2, 2]], [[1, 9], [2, 8]]), L, false],
    ['a Polygon inside a Polygon', square(1, 1, 3, 3), PG, true],
    ['a Polygon equal to a Polygon', square(0, 0, 10, 10), PG, true],
    ['a Polygon sticking out of a Polygon', square(5, 5, 15, 15), PG, false],
    ['a Polygon beside a hole', square(1, 1, 2, 2), HOLED, true],
    ['a Polygon inside a hole', square(4.5, 4.5, 5.5, 5.5), HOLED, false],
    ['a Polygon covering a hole', square(3, 3, 7, 7), HOLED, false],
    ['a Polygon in one part of a MultiPolygon', square(7, 7, 8, 8), MPG, true],
    ['a Polygon spanning the gap of a MultiPolygon', square(3, 3, 7, 7), MPG, false],
    ['a Polygon within a LineString (never)', square(1, 1, 2, 2), L, false],
    ['a MultiPolygon inside a Polygon', multiSquare([1, 1, 2, 2], [7, 7, 8, 8]), PG, true],
    ['a MultiPolygon inside a MultiPolygon', multiSquare([1, 1, 2, 2], [7, 7, 8, 8]), MPG, true],
    ['a MultiPolygon partly outside a Polygon', multiSquare([1, 1, 2, 2], [17, 17, 18, 18]), PG, false],
  ],
  contains: [
    ['a Polygon containing a Point', PG, point(5, 5), true],
    ['a Polygon not containing a Point', square(6, 6, 8, 8), point(5, 5), false],
    ['a Polygon with the Point on its boundary', PG, point(0, 5), false],
    ['a Polygon containing a LineString', PG, line([1, 1], [2, 3]), true],
    ['a Polygon containing a MultiLineString', PG, multiLine([[1, 1], [2, 2]], [[8, 1], [9, 1]]), true],
    ['a Polygon containing a MultiPoint', PG, multiPoint([1, 1], [9, 9]), true],
    ['a Polygon containing a Polygon', PG, square(2, 2, 3, 3), true],
    ['a holed Polygon not containing a Polygon over its hole', HOLED, square(3, 3, 7, 7), false],
    ['a MultiPolygon containing a Polygon', MPG, square(7, 7, 8, 8), true],
    ['a MultiPolygon not containing a Polygon across its gap', MPG, square(3, 3, 7, 7), false],
    ['a MultiPolygon containing a MultiPolygon', MPG, multiSquare([1, 1, 2, 2], [8, 8, 9, 9]), true],
    ['a LineString containing a Point', L, point(5, 5), true],
    ['a LineString not containing its end Point', L, point(0, 0), false],
    ['a LineString containing a shorter LineString', L, line([4, 4], [6, 6]), true],
    ['a MultiLineString containing a LineString', ML, line([1, 9], [3, 7]), true],
    ['a MultiPoint containing a Point', MP, point(7, 7), true],
    ['a Point containing an equal Point', point(5, 5), point(5, 5), true],
    ['a Point not containing a MultiPoint', point(5, 5), MP, false],
  ],
  intersects: [
    ['a Point on a Polygon boundary', point(0, 5), PG, true],
    ['a Point outside a Polygon', point(11, 11), PG, false],
    ['a Point on a LineString', point(3, 3), L, true],
    ['a Point equal to a Point', point(5, 5), point(5, 5), true],
    ['a MultiPoint with one point on a LineString', multiPoint([20, 20], [5, 5]), L, true],
    ['a MultiPoint away from a MultiPoint', multiPoint([1, 1]), MP, false],
    ['a LineString crossing a Polygon edge', line([-5, 5], [5, 5]), PG, true],
    ['a LineString far from a Polygon', line([20, 20], [30, 30]), PG, false],
    ['a LineString crossing a LineString', line([0, 10], [10, 0]), L, true],
    ['a MultiLineString crossing a MultiLineString', multiLine([[5, 0], [5, 1]], [[4, 6], [6, 4]]), ML, true],
    ['a Polygon touching a Polygon along an edge', square(10, 0, 20, 10), PG, true],
    ['a Polygon inside a Polygon', square(2, 2, 3, 3), PG, true],
    ['a Polygon in the gap of a MultiPolygon', square(4.5, 4.5, 5.5, 5.5), MPG, false],
    ['a Polygon inside the hole of a Polygon', square(4.5, 4.5, 5.5, 5.5), HOLED, false],
    ['a MultiPolygon overlapping a MultiPolygon', multiSquare([3, 3, 7, 7]), MPG, true],
    ['a Polygon containing a whole MultiPoint', PG, MP, true],
  ],
  disjoint: [
    ['a Point outside a Polygon', point(11, 11), PG, true],
    ['a Point on a Polygon boundary', point(0, 5), PG, false],
    ['a MultiPoint away from a LineString', multiPoint([1, 2], [3, 4]), L, true],
    ['a LineString crossing a LineString', line([0, 10], [10, 0]), L, false],
    ['a LineString beside a MultiLineString', line([20, 0], [20, 10]), ML, true],
    ['a MultiLineString touching a Polygon corner', multiLine([[10, 10], [12, 12]]), PG, false],
    ['a Polygon in the gap of a MultiPolygon', square(4.5, 4.5, 5.5, 5.5), MPG, true],
    ['a Polygon inside the hole of a Polygon', square(4.5, 4.5, 5.5, 5.5), HOLED, true],
    ['a MultiPolygon overlapping a Polygon', multiSquare([9, 9, 11, 11]), PG, false],
    ['a Point away from a MultiPoint', point(1, 1), MP, true],
  ],
  equals: [
    ['a Point and the same Point', point(5, 5), point(5, 5), true],
    ['a Point and a nearby Point', point(5, 5.0001), point(5, 5), false],
    ['a MultiPoint in another order', multiPoint([7, 7], [5, 5]), MP, true],
    ['a reversed LineString', line([10, 10], [0, 0]), L, true],
    ['a LineString with an extra vertex on it', line([0, 0], [5, 5], [10, 10]), L, true],
    ['a shorter LineString', line([0, 0], [5, 5]), L, false],
    ['a MultiLineString in another order', multiLine([[0, 10], [10, 0]], [[0, 0], [10, 10]]), ML, true],
    ['a Polygon starting at another corner', { type: 'Polygon', coordinates: [[[10, 10], [0, 10], [0, 0], [10, 0], [10, 10]]] }, PG, true],
    ['a smaller Polygon', square(0, 0, 5, 5), PG, false],
    ['a MultiPolygon with its parts swapped', multiSquare([6, 6, 10, 10], [0, 0, 4, 4]), MPG, true],
    ['a Polygon and a LineString', PG, L, false],
  ],
  overlaps: [
    ['two Polygons sharing part of their area', square(5, 5, 15, 15), PG, true],
    ['a Polygon inside a Polygon', square(1, 1, 2, 2), PG, false],
    ['two Polygons touching along an edge', square(10, 0, 20, 10), PG, false],
    ['a MultiPolygon overlapping a MultiPolygon', multiSquare([3, 3, 7, 7]), MPG, true],
    ['two LineStrings sharing a stretch', line([5, 5], [15, 15]), L, true],
    ['two LineStrings crossing at a point', line([0, 10], [10, 0]), L, false],
    ['a MultiLineString sharing a stretch of a MultiLineString', multiLine([[5, 5], [15, 15]]), ML, true],
    ['two MultiPoints sharing one point', multiPoint([5, 5], [20, 20]), MP, true],
    ['a MultiPoint inside a MultiPoint', multiPoint([5, 5]), MP, false],
    ['two equal Points', point(5, 5), point(5, 5), false],
    ['a LineString and a Polygon (different dimensions)', line([5, 5], [15, 15]), PG, false],
  ],
};

describe('geoMatches: every georel with every geometry type', () => {
  for (const [georel, cases] of Object.entries(TABLE)) {
    for (const [name, target, reference, expected] of cases) {
      test(`${georel}: ${name} is ${expected ? 'a match' : 'no match'}`, () => {
        assert.equal(geoMatches(query(georel, reference), target), expected);
      });
    }
  }

  test('the table covers each geometry type as entity geometry and as reference for every georel', () => {
    for (const [georel, cases] of Object.entries(TABLE)) {
      const targets = new Set(cases.map((c) => c[1].type));
      const references = new Set(cases.map((c) => c[2].type));
      const all = new Set([...targets, ...references]);
      assert.equal(all.size, 6, `${georel} uses ${[...all].join(', ')}`);
    }
  });

  test('a stored value that is not a geometry never matches', () => {
    const geo = query('intersects', PG);
    assert.equal(geoMatches(geo, { type: 'Point', coordinates: 'x' } as unknown as G), false);
    assert.equal(geoMatches(geo, null as unknown as G), false);
    assert.equal(geoMatches(query('disjoint', PG), { type: 'Circle', coordinates: [1, 1] } as unknown as G), false);
  });
});

/** Moves a position north by `metres` (along a meridian). */
const north = (p: number[], metres: number): number[] => [p[0] as number, (p[1] as number) + (metres / 6_371_008.8) * (180 / Math.PI)];
/** Moves a position east by `metres` at its latitude (small distances). */
const east = (p: number[], metres: number): number[] => [
  (p[0] as number) + ((metres / 6_371_008.8) * (180 / Math.PI)) / Math.cos(((p[1] as number) * Math.PI) / 180),
  p[1] as number,
];
const WEST_LAKE = [120.1485, 30.2425];

describe('geoMatches: near, in metres on the sphere', () => {
  test('haversine gives one degree of latitude as about 111.2 km', () => {
    assert.ok(Math.abs(haversine([0, 0], [0, 1]) - 111_195) < 1);
  });

  test('a Point 500 m away is within 1000 m and not within 400 m', () => {
    const target = point(...(north(WEST_LAKE, 500) as [number, number]));
    assert.equal(geoMatches(query('near;maxDistance==1000', point(WEST_LAKE[0] as number, WEST_LAKE[1] as number)), target), true);
    assert.equal(geoMatches(query('near;maxDistance==400', point(WEST_LAKE[0] as number, WEST_LAKE[1] as number)), target), false);
  });

  test('minDistance keeps what is at least that far', () => {
    const ref = point(WEST_LAKE[0] as number, WEST_LAKE[1] as number);
    const target = point(...(east(WEST_LAKE, 1500) as [number, number]));
    assert.equal(geoMatches(query('near;minDistance==1000', ref), target), true);
    assert.equal(geoMatches(query('near;minDistance==2000', ref), target), false);
  });

  test('a point near a point decides as the shapes do, at the very edge and for malformed points', () => {
    const ref = point(WEST_LAKE[0] as number, WEST_LAKE[1] as number);
    const refShape = toShape(ref);
    assert.ok(refShape);
    let seed = 11;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 2000; i++) {
      const spot = point((WEST_LAKE[0] as number) + (random() - 0.5) * 0.05, (WEST_LAKE[1] as number) + (random() - 0.5) * 0.05);
      const shape = toShape(spot);
      assert.ok(shape);
      // Every other distance is the point's own, rounded: ties at the limit are decided the same way.
      const exact = haversine(spot.coordinates as [number, number], WEST_LAKE as [number, number]);
      const metres = i % 2 === 0 ? exact : Math.round(random() * 3000);
      assert.equal(geoMatches(query(`near;maxDistance==${metres}`, ref), spot), withinDistance(shape, refShape, metres), `max ${metres}`);
      assert.equal(geoMatches(query(`near;minDistance==${metres}`, ref), spot), beyondDistance(shape, refShape, metres), `min ${metres}`);
    }
    assert.equal(geoMatches(query('near;maxDistance==10', ref), ref), true, 'the point itself is at distance 0');
    for (const bad of [[120.15], [120.15, Number.NaN], ['120.15', 30.24], 'x', null]) {
      assert.equal(geoMatches(query('near;maxDistance==100000', ref), { type: 'Point', coordinates: bad } as unknown as G), false, JSON.stringify(bad));
    }
  });

  test('distances in longitude shrink with latitude (1000 m east at 80°N)', () => {
    const spot = [15, 80];
    const target = point(...(east(spot, 1000) as [number, number]));
    assert.equal(geoMatches(query('near;maxDistance==1010', point(15, 80)), target), true);
    assert.equal(geoMatches(query('near;maxDistance==990', point(15, 80)), target), false);
  });

  test('a LineString is as near as its closest stretch, not its vertices', () => {
    const a = north(east(WEST_LAKE, -2000), 300);
    const b = north(east(WEST_LAKE, 2000), 300);
    const road = line(a, b);
    const ref = point(WEST_LAKE[0] as number, WEST_LAKE[1] as number);
    assert.equal(geoMatches(query('near;maxDistance==310', ref), road), true);
    assert.equal(geoMatches(query('near;maxDistance==290', ref), road), false);
  });

  test('a Polygon around the reference point is at distance 0', () => {
    assert.equal(geoMatches(query('near;maxDistance==0', point(5, 5)), PG), true);
  });

  test('a MultiPolygon, MultiLineString and MultiPoint are as near as their nearest part', () => {
    const ref = point(0, 0);
    const degree = 111_195;
    assert.equal(geoMatches(query(`near;maxDistance==${degree + 10}`, ref), multiSquare([1, -1, 2, 1], [50, 50, 51, 51])), true);
    assert.equal(geoMatches(query(`near;maxDistance==${degree + 10}`, ref), multiLine([[1, -1], [1, 1]], [[50, 50], [51, 51]])), true);
    assert.equal(geoMatches(query(`near;maxDistance==${degree + 10}`, ref), multiPoint([50, 50], [0, 1])), true);
    assert.equal(geoMatches(query(`near;maxDistance==${degree - 10}`, ref), multiPoint([50, 50], [0, 1])), false);
  });

  test('the reference may be a Polygon: a point 100 m outside its edge is within 150 m', () => {
    const target = point(...(east([10, 5], 100) as [number, number]));
    assert.equal(geoMatches(query('near;maxDistance==150', PG), target), true);
    assert.equal(geoMatches(query('near;maxDistance==50', PG), target), false);
  });

  test('the shape distance of two shapes is symmetric', () => {
    const a = toShape(line([0, 0], [1, 1]));
    const b = toShape(point(2, 0));
    assert.ok(a && b);
    assert.ok(Math.abs(distance(a, b) - distance(b, a)) < 1e-6);
  });
});

describe('geoPrefilterSql on a real store', () => {
  let db: QueryStore;
  const at = (id: string, geometry: G) => ({ id, attrs: { location: instance('GeoProperty', geometry) } });
  before(async () => {
    db = await openQueryStore([
      at('urn:lake', point(WEST_LAKE[0] as number, WEST_LAKE[1] as number)),
      at('urn:lake-800m', point(...(north(WEST_LAKE, 800) as [number, number]))),
      at('urn:lake-3km', point(...(east(WEST_LAKE, 3000) as [number, number]))),
      at('urn:arctic-east-900m', point(...(east([15, 80], 900) as [number, number]))),
      at('urn:dateline-west', point(-179.995, 0)),
      at('urn:dateline-far', point(-170, 0)),
      at('urn:pole-far-side', point(-165, 89.995)),
      at('urn:square', square(1, 1, 2, 2)),
      at('urn:big-square', square(-5, -5, 15, 15)),
      { id: 'urn:nowhere' },
      { id: 'urn:elsewhere', attrs: { observationSpace: instance('GeoProperty', point(1.5, 1.5)) } },
    ]);
  });
  after(() => db.dispose());

  const prefilter = (input: GeoQueryInput) =>
    db.ids((params) => {
      const geo = parseGeoQuery(input, testTerms);
      assert.ok(geo);
      return geoPrefilterSql(geo, params) ?? 'TRUE';
    });

  test('near;maxDistance keeps points inside the circle box and drops those beyond', async () => {
    const ids = await prefilter({ georel: 'near;maxDistance==1000', geometry: 'Point', coordinates: WEST_LAKE });
    assert.deepEqual(ids, ['urn:lake', 'urn:lake-800m']);
  });

  test('near;maxDistance widens the box in longitude at high latitude', async () => {
    assert.deepEqual(await prefilter({ georel: 'near;maxDistance==1000', geometry: 'Point', coordinates: [15, 80] }), ['urn:arctic-east-900m']);
  });

  test('near;maxDistance across the antimeridian looks on both sides', async () => {
    assert.deepEqual(await prefilter({ georel: 'near;maxDistance==2000', geometry: 'Point', coordinates: [179.995, 0] }), ['urn:dateline-west']);
  });

  test('near;maxDistance around a pole takes every longitude', async () => {
    assert.deepEqual(await prefilter({ georel: 'near;maxDistance==2000', geometry: 'Point', coordinates: [15, 89.995] }), ['urn:pole-far-side']);
  });

  test('within keeps locations whose box lies inside the reference box', async () => {
    assert.deepEqual(await prefilter({ georel: 'within', geometry: 'Polygon', coordinates: [ringOf(0, 0, 3, 3)] }), ['urn:square']);
  });

  test('contains keeps locations whose box holds the reference box', async () => {
    assert.deepEqual(await prefilter({ georel: 'contains', geometry: 'Point', coordinates: [1.5, 1.5] }), ['urn:big-square', 'urn:square']);
  });

  test('intersects, equals and overlaps keep locations whose box meets the reference box', async () => {
    for (const georel of ['intersects', 'equals', 'overlaps']) {
      assert.deepEqual(await prefilter({ georel, geometry: 'Polygon', coordinates: [ringOf(1.5, 1.5, 3, 3)] }), ['urn:big-square', 'urn:square'], georel);
    }
  });

  test('disjoint, minDistance and other GeoProperties get no prefilter', () => {
    const params = new SqlParams();
    for (const input of [
      { georel: 'disjoint', geometry: 'Point', coordinates: [1, 1] },
      { georel: 'near;minDistance==10', geometry: 'Point', coordinates: [1, 1] },
      { georel: 'within', geometry: 'Point', coordinates: [1, 1], geoproperty: 'observationSpace' },
    ]) {
      const geo = parseGeoQuery(input, testTerms);
      assert.ok(geo);
      assert.equal(geoPrefilterSql(geo, params), undefined);
    }
    assert.equal(params.values.length, 0);
  });

  test('the prefilter plus geoMatches finds exactly the entities near a point', async () => {
    const geo = parseGeoQuery({ georel: 'near;maxDistance==1000', geometry: 'Point', coordinates: WEST_LAKE }, testTerms);
    assert.ok(geo);
    const params = new SqlParams(['test']);
    const sql = geoPrefilterSql(geo, params) as string;
    const rows = await db.store.query<{ id: string; g: Array<{ value: G }> }>(
      `SELECT e.id, e.attrs->${params.add(LOCATION)} AS g FROM ngsi_entities e WHERE e.tenant = $1 AND ${sql} ORDER BY e.id`,
      params.values,
    );
    assert.deepEqual(
      rows.filter((r) => geoMatches(geo, r.g[0]?.value as G)).map((r) => r.id),
      ['urn:lake', 'urn:lake-800m'],
    );
  });

  test('the GiST index on location serves the prefilter', async () => {
    const geo = parseGeoQuery({ georel: 'near;maxDistance==1000', geometry: 'Point', coordinates: WEST_LAKE }, testTerms);
    assert.ok(geo);
    const params = new SqlParams();
    const sql = geoPrefilterSql(geo, params) as string;
    const plan = await db.store.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      return tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT e.id FROM ngsi_entities e WHERE ${sql}`, params.values);
    });
    assert.match(plan.map((r) => r['QUERY PLAN']).join('\n'), /ngsi_entities_location/);
  });

  test('the geoproperty term is expanded with the request context', () => {
    const geo = parseGeoQuery({ georel: 'within', geometry: 'Point', coordinates: [1, 1], geoproperty: 'servedArea' }, testTerms);
    assert.equal(geo?.geoproperty, `${VOCAB}servedArea`);
  });
});

describe('the near;maxDistance circle prefilter', () => {
  const CENTRES: Array<[number, number]> = [[120.15, 30.25], [0, 0], [15, 60], [-70, -75]];
  const RADII = [50, 2000, 50_000];
  /** The point `metres` away from `from` along the great circle of `bearing` (radians). */
  const destination = ([lon, lat]: [number, number], metres: number, bearing: number): [number, number] => {
    const d = metres / 6_371_008.8;
    const φ1 = (lat * Math.PI) / 180;
    const φ2 = Math.asin(Math.sin(φ1) * Math.cos(d) + Math.cos(φ1) * Math.sin(d) * Math.cos(bearing));
    const λ2 = (lon * Math.PI) / 180 + Math.atan2(Math.sin(bearing) * Math.sin(d) * Math.cos(φ1), Math.cos(d) - Math.sin(φ1) * Math.sin(φ2));
    return [(λ2 * 180) / Math.PI, (φ2 * 180) / Math.PI];
  };
  // Points in the ring 0.8–1.2 × the radius, where a prefilter that is too tight would show, in every direction.
  const placed = CENTRES.flatMap((centre, c) =>
    RADII.flatMap((radius, r) =>
      Array.from({ length: 72 }, (_, k) => ({
        id: `urn:c${c}-r${r}-${String(k).padStart(2, '0')}`,
        at: destination(centre, radius * (0.8 + ((k * 7) % 41) / 100), (k * 5 * Math.PI) / 180),
        distance: radius * (0.8 + ((k * 7) % 41) / 100),
      })),
    ),
  );
  let db: QueryStore;
  before(async () => {
    db = await openQueryStore(placed.map((p) => ({ id: p.id, attrs: { location: instance('GeoProperty', point(...p.at)) } })));
  });
  after(() => db.dispose());

  for (const [c, centre] of CENTRES.entries()) {
    for (const [r, radius] of RADII.entries()) {
      test(`keeps every exact match and drops what lies beyond, ${radius} m around ${centre.join(',')}`, async () => {
        const input = { georel: `near;maxDistance==${radius}`, geometry: 'Point', coordinates: centre };
        const geo = parseGeoQuery(input, testTerms) as GeoQuery;
        const sql = geoPrefilterSql(geo, new SqlParams()) as string;
        assert.match(sql, /greatest/, 'the circle is part of the prefilter');
        const kept = new Set(await db.ids((params) => geoPrefilterSql(geo, params) as string));
        const mine = placed.filter((p) => p.id.startsWith(`urn:c${c}-r${r}-`));
        const exact = mine.filter((p) => geoMatches(geo, point(...p.at) as never));
        assert.ok(exact.length > 20 && exact.length < mine.length, 'the ring straddles the circle');
        for (const p of exact) assert.ok(kept.has(p.id), `${p.id} at ${p.distance.toFixed(1)} m matches but the prefilter dropped it`);
        for (const p of mine.filter((q) => q.distance > radius * 1.1)) assert.ok(!kept.has(p.id), `${p.id} at ${p.distance.toFixed(1)} m is kept`);
      });
    }
  }

  test('is left out where the planar approximation would not hold: far distances, near a pole, across ±180°', () => {
    for (const [coordinates, radius] of [[[120, 30], 150_000], [[15, 84.99], 2000], [[179.99, 0], 5000]] as const) {
      const geo = parseGeoQuery({ georel: `near;maxDistance==${radius}`, geometry: 'Point', coordinates: [...coordinates] }, testTerms) as GeoQuery;
      assert.doesNotMatch(geoPrefilterSql(geo, new SqlParams()) as string, /greatest/, `${coordinates} ${radius}`);
    }
  });
});
