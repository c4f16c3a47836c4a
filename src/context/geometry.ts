/** GeoJSON geometries as NGSI-LD GeoProperty values: validation and bounding boxes (for the `location` index). */

export type Position = [number, number, ...number[]];
export type BoundingBox = [minLon: number, minLat: number, maxLon: number, maxLat: number];

/** The geometry types NGSI-LD GeoProperties and geo-queries use (GeoJSON without GeometryCollection). */
export const GEOMETRY_TYPES = ['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'] as const;
export type GeometryType = (typeof GEOMETRY_TYPES)[number];

/** Most positions one geometry may have. */
export const MAX_POSITIONS = 100_000;

// Nesting depth of `coordinates` per geometry type: 0 = a position.
const DEPTH: Record<GeometryType, number> = { Point: 0, MultiPoint: 1, LineString: 1, MultiLineString: 2, Polygon: 2, MultiPolygon: 3 };

export function isGeometryType(type: unknown): type is GeometryType {
  return typeof type === 'string' && (GEOMETRY_TYPES as readonly string[]).includes(type);
}

function nesting(type: GeometryType): string {
  return `a ${type} nests [longitude, latitude] positions ${DEPTH[type]} level${DEPTH[type] === 1 ? '' : 's'} deep`;
}

class GeometryProblem extends Error {}

/**
 * What is wrong with `coordinates` for a geometry of `type`, or undefined when they are valid:
 * the nesting, [longitude, latitude] ranges, finite numbers, lines of ≥ 2 and closed rings of ≥ 4 positions.
 * @example coordinatesProblem('Point', [120.16, 30.27]) // undefined
 */
export function coordinatesProblem(type: GeometryType, coordinates: unknown): string | undefined {
  const bad = (message: string): never => {
    throw new GeometryProblem(message);
  };
  try {
    if (!Array.isArray(coordinates)) bad('coordinates must be an array (or a string holding a JSON array), e.g. [120.16,30.27]');
    let count = 0;
    const check = (node: unknown, depth: number, path: string): void => {
      if (depth === 0) {
        if (++count > MAX_POSITIONS) bad(`the reference geometry has more than ${MAX_POSITIONS} positions`);
        if (typeof node === 'number') bad(`${path} is a number where a position [longitude, latitude] belongs (${nesting(type)})`);
        if (!Array.isArray(node) || node.length < 2 || node.length > 3 || !node.every((n) => typeof n === 'number')) {
          bad(`${path} must be a position [longitude, latitude] of 2 (or 3) numbers`);
        }
        const [lon, lat] = node as number[];
        if (!Number.isFinite(lon) || !Number.isFinite(lat)) bad(`${path} must hold finite numbers`);
        if ((lon as number) < -180 || (lon as number) > 180) bad(`${path} has longitude ${lon}, outside -180..180 (positions are [longitude, latitude])`);
        if ((lat as number) < -90 || (lat as number) > 90) bad(`${path} has latitude ${lat}, outside -90..90 (positions are [longitude, latitude])`);
        return;
      }
      if (!Array.isArray(node)) bad(`${path} must be an array (${nesting(type)})`);
      if ((node as unknown[]).length === 0) bad(`${path} is empty`);
      (node as unknown[]).forEach((child, i) => {
        check(child, depth - 1, `${path}[${i}]`);
      });
    };
    check(coordinates, DEPTH[type], 'coordinates');
    const lines = type === 'LineString' ? [coordinates] : type === 'MultiLineString' ? coordinates : [];
    (lines as unknown[][]).forEach((line, i) => {
      if (line.length < 2) bad(`${type === 'LineString' ? 'coordinates' : `coordinates[${i}]`} is a line of ${line.length} position; a line needs at least 2`);
    });
    const polygons = type === 'Polygon' ? [coordinates] : type === 'MultiPolygon' ? coordinates : [];
    (polygons as number[][][][]).forEach((rings, p) => {
      rings.forEach((ring, r) => {
        const path = type === 'Polygon' ? `coordinates[${r}]` : `coordinates[${p}][${r}]`;
        if (ring.length < 4) bad(`${path} is a ring of ${ring.length} positions; a ring needs at least 4 (the first repeated at the end)`);
        const first = ring[0] as number[];
        const last = ring[ring.length - 1] as number[];
        if (first[0] !== last[0] || first[1] !== last[1]) bad(`${path} is not closed: its last position must repeat its first`);
      });
    });
    return undefined;
  } catch (error) {
    if (error instanceof GeometryProblem) return error.message;
    throw error;
  }
}

/**
 * Why `value` is not a GeoJSON geometry NGSI-LD accepts, or undefined when it is one.
 * @example validateGeometry({ type: 'Point', coordinates: [120.16, 30.27] }) // undefined
 */
export function validateGeometry(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'it must be an object with "type" and "coordinates"';
  const { type, coordinates } = value as { type?: unknown; coordinates?: unknown };
  if (!isGeometryType(type)) return `"type" must be one of ${GEOMETRY_TYPES.join(', ')}`;
  return coordinatesProblem(type, coordinates);
}

/** The bounding box of a valid geometry. */
export function boundingBox(geometry: { type: string; coordinates: unknown }): BoundingBox {
  const box: BoundingBox = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (node: unknown): void => {
    if (typeof (node as unknown[])[0] === 'number') {
      const [lon, lat] = node as Position;
      if (lon < box[0]) box[0] = lon;
      if (lat < box[1]) box[1] = lat;
      if (lon > box[2]) box[2] = lon;
      if (lat > box[3]) box[3] = lat;
      return;
    }
    for (const child of node as unknown[]) visit(child);
  };
  visit(geometry.coordinates);
  return box;
}

/** The PostgreSQL `box` literal of a bounding box: "(maxLon,maxLat),(minLon,minLat)". */
export function boxLiteral(box: BoundingBox): string {
  return `(${box[2]},${box[3]}),(${box[0]},${box[1]})`;
}
