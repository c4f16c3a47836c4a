/** Routing: which district polygon holds a pin, and which department a category sends a request to there. */
import type { DistrictFeature } from '../platform/tenancy/model.ts';
import type { ServiceCategory, Text } from './model.ts';

type Ring = readonly (readonly [number, number])[];

/** Ray casting: whether [long, lat] lies inside the ring (a point on an edge may fall either way). */
function inRing(long: number, lat: number, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    if (yi > lat !== yj > lat && long < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** A polygon is an outer ring and holes. */
function inPolygon(long: number, lat: number, rings: readonly Ring[]): boolean {
  const [outer, ...holes] = rings;
  return outer !== undefined && inRing(long, lat, outer) && !holes.some((hole) => inRing(long, lat, hole));
}

export interface District {
  id: string;
  name: Text;
  polygons: Ring[][];
  box: { minLong: number; maxLong: number; minLat: number; maxLat: number };
}

/** Reads the city's GeoJSON districts (Polygon and MultiPolygon) once into rings with bounding boxes. */
export function readDistricts(features: readonly DistrictFeature[]): District[] {
  return features.map((f) => {
    const polygons = (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates) as Ring[][];
    const points = polygons.flatMap((p) => p[0] ?? []);
    const longs = points.map((p) => p[0]);
    const lats = points.map((p) => p[1]);
    return {
      id: f.id,
      name: { zh: f.properties.name, en: f.properties.nameEn },
      polygons,
      box: { minLong: Math.min(...longs), maxLong: Math.max(...longs), minLat: Math.min(...lats), maxLat: Math.max(...lats) },
    };
  });
}

/** The district whose polygon contains the pin, or undefined (outside every district, or the city has no map). */
export function districtOf(districts: readonly District[], lat: number, long: number): District | undefined {
  return districts.find(
    (d) => long >= d.box.minLong && long <= d.box.maxLong && lat >= d.box.minLat && lat <= d.box.maxLat && d.polygons.some((p) => inPolygon(long, lat, p)),
  );
}

/** The department a request goes to: the category's, unless the category routes that district elsewhere. */
export function departmentFor(category: ServiceCategory, district: string | null): string {
  return (district !== null && category.districtDepartments[district]) || category.department;
}
