/** GeoJSON geometries as NGSI-LD GeoProperty values: validation and bounding boxes (for the `location` index). */

export type Position = [number, number, ...number[]];
export type BoundingBox = [minLon: number, minLat: number, maxLon: number, maxLat: number];

const MAX_POSITIONS = 100_000;

function isPosition(value: unknown): value is Position {
  return (
    Array.isArray(value) &&
    (value.length === 2 || value.length === 3) &&
    value.every((n) => typeof n === 'number' && Number.isFinite(n)) &&
    (value[0] as number) >= -180 &&
    (value[0] as number) <= 180 &&
    (value[1] as number) >= -90 &&
    (value[1] as number) <= 90
  );
}

// Nesting depth of `coordinates` per geometry type: 0 = a position.
const DEPTH: Record<string, number> = { Point: 0, MultiPoint: 1, LineString: 1, MultiLineString: 2, Polygon: 2, MultiPolygon: 3 };

/**
 * Why `value` is not a GeoJSON geometry NGSI-LD accepts, or undefined when it is one.
 * @example validateGeometry({ type: 'Point', coordinates: [120.16, 30.27] }) // undefined
 */
export function validateGeometry(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'it must be an object with "type" and "coordinates"';
  const { type, coordinates } = value as { type?: unknown; coordinates?: unknown };
  if (typeof type !== 'string' || !(type in DEPTH)) {
    return `"type" must be one of ${Object.keys(DEPTH).join(', ')}`;
  }
  let count = 0;
  const check = (node: unknown, depth: number, path: string): string | undefined => {
    if (depth === 0) {
      if (++count > MAX_POSITIONS) return `more than ${MAX_POSITIONS} positions`;
      return isPosition(node) ? undefined : `${path} must be [longitude, latitude] with longitude in -180..180 and latitude in -90..90`;
    }
    if (!Array.isArray(node)) return `${path} must be an array`;
    if (node.length === 0 && depth > 0) return `${path} is empty`;
    for (let i = 0; i < node.length; i++) {
      const problem = check(node[i], depth - 1, `${path}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  };
  const depth = DEPTH[type] as number;
  const problem = check(coordinates, depth, 'coordinates');
  if (problem) return problem;
  if (type === 'LineString' && (coordinates as unknown[]).length < 2) return 'a LineString needs at least 2 positions';
  const rings = type === 'Polygon' ? [coordinates] : type === 'MultiPolygon' ? (coordinates as unknown[]) : [];
  for (const polygon of rings as Position[][][]) {
    for (const ring of polygon) {
      const first = ring[0] as Position;
      const last = ring[ring.length - 1] as Position;
      if (ring.length < 4) return 'each polygon ring needs at least 4 positions';
      if (first[0] !== last[0] || first[1] !== last[1]) return 'each polygon ring must end where it starts';
    }
  }
  return undefined;
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
