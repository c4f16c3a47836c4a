/** Exact geometry for geo-queries: OGC relations in lon/lat (planar, as PostGIS geometry does) and great-circle distances in metres. */

/** A position as [longitude, latitude] in degrees. */
export type Point = readonly [number, number];

/** A GeoJSON geometry reduced to what the relations need; `dim` is 0 (points), 1 (lines) or 2 (polygons). */
export interface Shape {
  dim: 0 | 1 | 2;
  points: Point[];
  /** Every straight segment: line pieces, or polygon ring edges (zero-length ones dropped). */
  segments: Array<[Point, Point]>;
  /** Polygons as rings (outer first); empty unless dim is 2. */
  polygons: Point[][][];
  /** dim 1: endpoints that are boundary points (mod-2 rule). */
  boundary: Point[];
  /** [minLon, minLat, maxLon, maxLat]. */
  bbox: [number, number, number, number];
}

/** Mean Earth radius (IUGG), metres. */
export const EARTH_RADIUS = 6_371_008.8;

const EPS = 1e-12;

function samePoint(a: Point, b: Point): boolean {
  return Math.abs(a[0] - b[0]) <= EPS && Math.abs(a[1] - b[1]) <= EPS;
}

/** Orientation of c relative to a→b: 1 left, -1 right, 0 collinear (within rounding). */
function orient(a: Point, b: Point, c: Point): number {
  const l = (b[0] - a[0]) * (c[1] - a[1]);
  const r = (b[1] - a[1]) * (c[0] - a[0]);
  const d = l - r;
  const tolerance = 1e-12 * (Math.abs(l) + Math.abs(r));
  return d > tolerance ? 1 : d < -tolerance ? -1 : 0;
}

function onSegment(p: Point, a: Point, b: Point): boolean {
  if (samePoint(p, a) || samePoint(p, b)) return true;
  if (orient(a, b, p) !== 0) return false;
  return (
    p[0] >= Math.min(a[0], b[0]) - EPS &&
    p[0] <= Math.max(a[0], b[0]) + EPS &&
    p[1] >= Math.min(a[1], b[1]) - EPS &&
    p[1] <= Math.max(a[1], b[1]) + EPS
  );
}

/** Where q projects on a→b, as a parameter (0 at a, 1 at b). */
function parameter(q: Point, a: Point, b: Point): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const t = ((q[0] - a[0]) * dx + (q[1] - a[1]) * dy) / (dx * dx + dy * dy);
  return Math.min(1, Math.max(0, t));
}

/** Parameters on a→b where it meets c→d (both ends of the shared part when they overlap); empty when they do not meet. */
function hits(a: Point, b: Point, c: Point, d: Point): number[] {
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  if (o1 === 0 && o2 === 0) {
    const found: number[] = [];
    if (onSegment(c, a, b)) found.push(parameter(c, a, b));
    if (onSegment(d, a, b)) found.push(parameter(d, a, b));
    if (onSegment(a, c, d)) found.push(0);
    if (onSegment(b, c, d)) found.push(1);
    return found;
  }
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  if (o1 * o2 > 0 || o3 * o4 > 0) return [];
  if (o3 === 0) return onSegment(a, c, d) ? [0] : [];
  if (o4 === 0) return onSegment(b, c, d) ? [1] : [];
  if (o1 === 0) return onSegment(c, a, b) ? [parameter(c, a, b)] : [];
  if (o2 === 0) return onSegment(d, a, b) ? [parameter(d, a, b)] : [];
  const rx = b[0] - a[0];
  const ry = b[1] - a[1];
  const sx = d[0] - c[0];
  const sy = d[1] - c[1];
  const t = ((c[0] - a[0]) * sy - (c[1] - a[1]) * sx) / (rx * sy - ry * sx);
  return [Math.min(1, Math.max(0, t))];
}

function boxesMeet(a: Shape['bbox'], b: Shape['bbox']): boolean {
  return a[0] <= b[2] + EPS && b[0] <= a[2] + EPS && a[1] <= b[3] + EPS && b[1] <= a[3] + EPS;
}

function segmentBox(a: Point, b: Point): Shape['bbox'] {
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])];
}

type Place = 'interior' | 'boundary' | 'exterior';

function ringPlace(p: Point, ring: Point[]): Place {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[j] as Point;
    const b = ring[i] as Point;
    if (onSegment(p, a, b)) return 'boundary';
    if (a[1] > p[1] !== b[1] > p[1]) {
      const x = a[0] + ((p[1] - a[1]) * (b[0] - a[0])) / (b[1] - a[1]);
      if (p[0] < x) inside = !inside;
    }
  }
  return inside ? 'interior' : 'exterior';
}

function polygonPlace(p: Point, rings: Point[][]): Place {
  const outer = ringPlace(p, rings[0] as Point[]);
  if (outer !== 'interior') return outer;
  for (let k = 1; k < rings.length; k++) {
    const hole = ringPlace(p, rings[k] as Point[]);
    if (hole === 'boundary') return 'boundary';
    if (hole === 'interior') return 'exterior';
  }
  return 'interior';
}

/** Where p lies relative to `shape`: its interior, its boundary or outside it (OGC definitions). */
function place(p: Point, shape: Shape): Place {
  if (p[0] < shape.bbox[0] - EPS || p[0] > shape.bbox[2] + EPS || p[1] < shape.bbox[1] - EPS || p[1] > shape.bbox[3] + EPS) {
    return 'exterior';
  }
  if (shape.dim === 0) return shape.points.some((q) => samePoint(p, q)) ? 'interior' : 'exterior';
  if (shape.dim === 1) {
    if (shape.boundary.some((q) => samePoint(p, q))) return 'boundary';
    if (shape.segments.some(([a, b]) => onSegment(p, a, b))) return 'interior';
    return shape.points.some((q) => samePoint(p, q)) ? 'interior' : 'exterior';
  }
  let onBoundary = false;
  for (const polygon of shape.polygons) {
    const at = polygonPlace(p, polygon);
    if (at === 'interior') return 'interior';
    if (at === 'boundary') onBoundary = true;
  }
  return onBoundary ? 'boundary' : 'exterior';
}

/** Splits a→b where `other` meets it: the split points and the midpoints of the pieces between them. */
function split(a: Point, b: Point, other: Shape): { breaks: Point[]; middles: Point[] } {
  const ts = [0, 1];
  const box = segmentBox(a, b);
  for (const [c, d] of other.segments) {
    if (boxesMeet(box, segmentBox(c, d))) ts.push(...hits(a, b, c, d));
  }
  for (const q of other.points) if (onSegment(q, a, b)) ts.push(parameter(q, a, b));
  ts.sort((x, y) => x - y);
  const at = (t: number): Point => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
  const breaks: Point[] = [];
  const middles: Point[] = [];
  let last = -1;
  for (const t of ts) {
    if (last >= 0 && t - last <= 1e-12) continue;
    if (last >= 0) middles.push(at((last + t) / 2));
    breaks.push(t === 0 ? a : t === 1 ? b : at(t));
    last = t;
  }
  return { breaks, middles };
}

/** A point strictly inside a polygon (scanline between vertex latitudes), or undefined for a degenerate one. */
function interiorPoint(rings: Point[][]): Point | undefined {
  const ys = [...new Set(rings.flatMap((r) => r.map((p) => p[1])))].sort((x, y) => x - y);
  let best: Point | undefined;
  let widest = 0;
  for (let k = 0; k + 1 < ys.length; k++) {
    const y = ((ys[k] as number) + (ys[k + 1] as number)) / 2;
    const xs: number[] = [];
    for (const ring of rings) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const a = ring[j] as Point;
        const b = ring[i] as Point;
        if (a[1] > y !== b[1] > y) xs.push(a[0] + ((y - a[1]) * (b[0] - a[0])) / (b[1] - a[1]));
      }
    }
    xs.sort((x, z) => x - z);
    for (let i = 0; i + 1 < xs.length; i += 2) {
      const width = (xs[i + 1] as number) - (xs[i] as number);
      if (width > widest) {
        widest = width;
        best = [((xs[i] as number) + (xs[i + 1] as number)) / 2, y];
      }
    }
  }
  return best;
}

function isPosition(value: unknown): value is number[] {
  return (
    Array.isArray(value) &&
    value.length >= 2 &&
    typeof value[0] === 'number' &&
    typeof value[1] === 'number' &&
    Number.isFinite(value[0]) &&
    Number.isFinite(value[1])
  );
}

/**
 * The position of a well-formed GeoJSON Point (what toShape would make its one point), else undefined.
 * @example pointOf({ type: 'Point', coordinates: [120.16, 30.27] }) // [120.16, 30.27]
 */
export function pointOf(geometry: unknown): Point | undefined {
  if (typeof geometry !== 'object' || geometry === null) return undefined;
  const { type, coordinates } = geometry as { type?: unknown; coordinates?: unknown };
  return type === 'Point' && isPosition(coordinates) ? (coordinates as unknown as Point) : undefined;
}

function positions(value: unknown, min: number): Point[] | undefined {
  if (!Array.isArray(value) || value.length < min) return undefined;
  const out: Point[] = [];
  for (const p of value) {
    if (!isPosition(p)) return undefined;
    out.push([p[0] as number, p[1] as number]);
  }
  return out;
}

function ring(value: unknown): Point[] | undefined {
  const r = positions(value, 4);
  if (!r || !samePoint(r[0] as Point, r[r.length - 1] as Point)) return undefined;
  return r;
}

function polygon(value: unknown): Point[][] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const rings: Point[][] = [];
  for (const r of value) {
    const checked = ring(r);
    if (!checked) return undefined;
    rings.push(checked);
  }
  return rings;
}

function list<T>(value: unknown, item: (v: unknown) => T | undefined): T[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const out: T[] = [];
  for (const v of value) {
    const x = item(v);
    if (x === undefined) return undefined;
    out.push(x);
  }
  return out;
}

/**
 * The Shape of a GeoJSON geometry (Point … MultiPolygon), or undefined when it is not a well-formed one.
 * @example toShape({ type: 'Point', coordinates: [120.16, 30.27] })?.dim // 0
 */
export function toShape(geometry: unknown): Shape | undefined {
  if (typeof geometry !== 'object' || geometry === null) return undefined;
  const { type, coordinates } = geometry as { type?: unknown; coordinates?: unknown };
  let points: Point[] = [];
  let lines: Point[][] = [];
  let polygons: Point[][][] = [];
  let dim: Shape['dim'];
  switch (type) {
    case 'Point': {
      if (!isPosition(coordinates)) return undefined;
      points = [[coordinates[0] as number, coordinates[1] as number]];
      dim = 0;
      break;
    }
    case 'MultiPoint': {
      const p = positions(coordinates, 1);
      if (!p) return undefined;
      points = p;
      dim = 0;
      break;
    }
    case 'LineString': {
      const l = positions(coordinates, 2);
      if (!l) return undefined;
      lines = [l];
      dim = 1;
      break;
    }
    case 'MultiLineString': {
      const l = list(coordinates, (v) => positions(v, 2));
      if (!l) return undefined;
      lines = l;
      dim = 1;
      break;
    }
    case 'Polygon': {
      const p = polygon(coordinates);
      if (!p) return undefined;
      polygons = [p];
      dim = 2;
      break;
    }
    case 'MultiPolygon': {
      const p = list(coordinates, polygon);
      if (!p) return undefined;
      polygons = p;
      dim = 2;
      break;
    }
    default:
      return undefined;
  }
  const segments: Array<[Point, Point]> = [];
  const chains = dim === 1 ? lines : polygons.flat();
  for (const chain of chains) {
    let moved = false;
    for (let i = 0; i + 1 < chain.length; i++) {
      const a = chain[i] as Point;
      const b = chain[i + 1] as Point;
      if (!samePoint(a, b)) {
        segments.push([a, b]);
        moved = true;
      }
    }
    // A line whose positions all coincide is a point.
    if (!moved && dim === 1) points.push(chain[0] as Point);
  }
  const ends = new Map<string, { p: Point; n: number }>();
  for (const line of lines) {
    const first = line[0] as Point;
    const last = line[line.length - 1] as Point;
    if (samePoint(first, last)) continue;
    for (const p of [first, last]) {
      const k = `${p[0]},${p[1]}`;
      const e = ends.get(k) ?? { p, n: 0 };
      e.n++;
      ends.set(k, e);
    }
  }
  const boundary = [...ends.values()].filter((e) => e.n % 2 === 1).map((e) => e.p);
  const bbox: Shape['bbox'] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const p of [...points, ...segments.flat()]) {
    bbox[0] = Math.min(bbox[0], p[0]);
    bbox[1] = Math.min(bbox[1], p[1]);
    bbox[2] = Math.max(bbox[2], p[0]);
    bbox[3] = Math.max(bbox[3], p[1]);
  }
  return { dim, points, segments, polygons, boundary, bbox };
}

/**
 * Every point of b lies in a (interior or boundary): b ⊆ a.
 * @example covers(toShape(square)!, toShape({ type: 'Point', coordinates: [0, 0] })!) // true for a corner
 */
export function covers(a: Shape, b: Shape): boolean {
  if (b.dim > a.dim) return false;
  if (b.bbox[0] < a.bbox[0] - EPS || b.bbox[1] < a.bbox[1] - EPS || b.bbox[2] > a.bbox[2] + EPS || b.bbox[3] > a.bbox[3] + EPS) return false;
  for (const p of b.points) if (place(p, a) === 'exterior') return false;
  for (const [p, q] of b.segments) {
    const { breaks, middles } = split(p, q, a);
    if (breaks.some((x) => place(x, a) === 'exterior') || middles.some((x) => place(x, a) === 'exterior')) return false;
  }
  if (b.dim === 2) {
    // a's boundary may not run through b's interior (b would hold a hole or a gap of a) …
    for (const [p, q] of a.segments) {
      if (split(p, q, b).middles.some((x) => place(x, b) === 'interior')) return false;
    }
    // … and b's inside must be a's inside, not its outside hugging b's rings.
    for (const rings of b.polygons) {
      const inner = interiorPoint(rings);
      if (inner && place(inner, a) === 'exterior') return false;
    }
  }
  return true;
}

/** The interiors of a and b share a point (for two areas: share an area). */
function interiorsMeet(a: Shape, b: Shape): boolean {
  if (!boxesMeet(a.bbox, b.bbox)) return false;
  const both = (x: Point) => place(x, a) === 'interior' && place(x, b) === 'interior';
  if (a.dim === 2 && b.dim === 2) {
    for (const [p, q] of a.segments) if (split(p, q, b).middles.some((x) => place(x, b) === 'interior')) return true;
    for (const [p, q] of b.segments) if (split(p, q, a).middles.some((x) => place(x, a) === 'interior')) return true;
    const inner = [...a.polygons, ...b.polygons].map(interiorPoint).filter((x): x is Point => x !== undefined);
    return inner.some(both);
  }
  if ([...a.points, ...b.points].some(both)) return true;
  for (const [self, other] of [
    [a, b],
    [b, a],
  ] as const) {
    for (const [p, q] of self.segments) {
      const { breaks, middles } = split(p, q, other);
      if (breaks.some(both) || middles.some(both)) return true;
    }
    for (const rings of self.polygons) {
      const inner = interiorPoint(rings);
      if (inner && both(inner)) return true;
    }
  }
  return false;
}

/**
 * a and b share at least one point.
 * @example intersects(toShape(lineA)!, toShape(lineB)!) // true when they cross or touch
 */
export function intersects(a: Shape, b: Shape): boolean {
  if (!boxesMeet(a.bbox, b.bbox)) return false;
  for (const p of a.points) if (place(p, b) !== 'exterior') return true;
  for (const p of b.points) if (place(p, a) !== 'exterior') return true;
  for (const [p, q] of a.segments) {
    const box = segmentBox(p, q);
    if (!boxesMeet(box, b.bbox)) continue;
    for (const [r, s] of b.segments) if (boxesMeet(box, segmentBox(r, s)) && hits(p, q, r, s).length > 0) return true;
  }
  // No boundaries cross: one may still lie wholly inside the other.
  for (const [p] of a.segments) if (place(p, b) !== 'exterior') return true;
  for (const [p] of b.segments) if (place(p, a) !== 'exterior') return true;
  return false;
}

/**
 * a lies in b and their interiors meet (OGC within): a point on a polygon's edge is not within it.
 * @example within(toShape({ type: 'Point', coordinates: [0.5, 0.5] })!, toShape(unitSquare)!) // true
 */
export function within(a: Shape, b: Shape): boolean {
  return covers(b, a) && interiorsMeet(a, b);
}

/**
 * a and b are the same point set (OGC equals), whatever the vertex order or extra collinear vertices.
 * @example equals(toShape(line([0,0],[2,2]))!, toShape(line([2,2],[1,1],[0,0]))!) // true
 */
export function equals(a: Shape, b: Shape): boolean {
  return covers(a, b) && covers(b, a);
}

/**
 * Same dimension, interiors meet in that dimension, and neither covers the other (OGC overlaps).
 * @example overlaps(toShape(square(0,0,2,2))!, toShape(square(1,1,3,3))!) // true
 */
export function overlaps(a: Shape, b: Shape): boolean {
  if (a.dim !== b.dim || covers(a, b) || covers(b, a)) return false;
  if (a.dim !== 1) return interiorsMeet(a, b);
  // Two lines overlap along a stretch, not just at a crossing point.
  for (const [p, q] of a.segments) if (split(p, q, b).middles.some((x) => place(x, b) === 'interior')) return true;
  return false;
}

// Great-circle distances.

const RAD = Math.PI / 180;
type Vec = [number, number, number];

function vec(p: Point): Vec {
  const lat = p[1] * RAD;
  const lon = p[0] * RAD;
  return [Math.cos(lat) * Math.cos(lon), Math.cos(lat) * Math.sin(lon), Math.sin(lat)];
}

function crossV(a: Vec, b: Vec): Vec {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function dotV(a: Vec, b: Vec): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/**
 * Great-circle distance between two positions, in metres (haversine).
 * @example haversine([0, 0], [0, 1]) // ≈ 111195
 */
export function haversine(a: Point, b: Point): number {
  const dLat = (b[1] - a[1]) * RAD;
  const dLon = (b[0] - a[0]) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * RAD) * Math.cos(b[1] * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Distance in metres from p to the great-circle arc a→b. */
function toArc(p: Point, a: Point, b: Point): number {
  const A = vec(a);
  const B = vec(b);
  const P = vec(p);
  const N = crossV(A, B);
  const length = Math.hypot(...N);
  if (length < 1e-15) return Math.min(haversine(p, a), haversine(p, b));
  const n: Vec = [N[0] / length, N[1] / length, N[2] / length];
  const off = dotV(P, n);
  const C: Vec = [P[0] - n[0] * off, P[1] - n[1] * off, P[2] - n[2] * off];
  if (dotV(crossV(A, C), n) >= 0 && dotV(crossV(C, B), n) >= 0) {
    return EARTH_RADIUS * Math.atan2(Math.abs(off), Math.hypot(...C));
  }
  return Math.min(haversine(p, a), haversine(p, b));
}

/**
 * Whether the distance between a and b (0 when they meet) satisfies `test`, computed pair by pair and stopping
 * as soon as `stopWhen` says the answer is known. Used as: within d (stop at the first pair ≤ d), beyond d (stop at
 * the first pair < d).
 */
function nearest(a: Shape, b: Shape, stopWhen: (metres: number) => boolean): number {
  if (intersects(a, b)) return 0;
  let best = Infinity;
  const consider = (d: number): boolean => {
    if (d < best) best = d;
    return stopWhen(best);
  };
  for (const p of a.points) {
    for (const q of b.points) if (consider(haversine(p, q))) return best;
    for (const [r, s] of b.segments) if (consider(toArc(p, r, s))) return best;
  }
  for (const p of b.points) for (const [r, s] of a.segments) if (consider(toArc(p, r, s))) return best;
  for (const [p, q] of a.segments) {
    for (const [r, s] of b.segments) {
      if (consider(Math.min(toArc(p, r, s), toArc(q, r, s), toArc(r, p, q), toArc(s, p, q)))) return best;
    }
  }
  return best;
}

/**
 * The great-circle distance between two shapes in metres: 0 when they meet, else between their closest points.
 * @example distance(toShape({ type: 'Point', coordinates: [0, 0] })!, toShape({ type: 'Point', coordinates: [0, 1] })!) // ≈ 111195
 */
export function distance(a: Shape, b: Shape): number {
  return nearest(a, b, () => false);
}

/**
 * The distance between a and b is at most `metres` (stops at the first pair close enough).
 * @example withinDistance(pointShape, roadShape, 500)
 */
export function withinDistance(a: Shape, b: Shape, metres: number): boolean {
  return nearest(a, b, (d) => d <= metres) <= metres;
}

/**
 * The distance between a and b is at least `metres` (stops at the first pair too close).
 * @example beyondDistance(pointShape, factoryShape, 1000)
 */
export function beyondDistance(a: Shape, b: Shape, metres: number): boolean {
  return nearest(a, b, (d) => d < metres) >= metres;
}
