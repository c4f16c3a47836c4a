/**
 * Which units to send: per unit line of the plan, the nearest AVAILABLE `EmergencyVehicle` entities by straight-line
 * (road-free, haversine) distance from the incident. The ETA is an estimate, not routing: 60 s turnout (crew to the
 * vehicle) plus the distance at 30 km/h, the urban average speed of emergency vehicles in Chinese city centres
 * (lights and sirens, congested grid). A road network would make it exact; the ranking is what the operator needs.
 */
import type { StoredEntity } from '../context/model.ts';
import type { EntityReader } from '../context/read.ts';
import type { TermMap } from '../context/ld/model.ts';
import { renderEntity } from '../context/entity-output.ts';
import { systemPrincipal } from '../platform/auth/model.ts';
import type { Point, Recommendation, RecommendedUnit, UnitLine } from './model.ts';

export const TURNOUT_SECONDS = 60;
export const URBAN_SPEED_KMH = 30;
/** Units farther than this are not considered (no city unit drives 50 km to a call). */
export const SEARCH_RADIUS_M = 50_000;
const ALTERNATES = 3;
const EARTH_RADIUS_M = 6_371_008.8;

export function haversineM(a: Point, b: Point): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLong = (b.long - a.long) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLong / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function etaSeconds(distanceM: number): number {
  return Math.round(TURNOUT_SECONDS + distanceM / ((URBAN_SPEED_KMH * 1000) / 3600));
}

/** A unit as the recommendation reads it from the hub. */
export interface AvailableUnit {
  unitId: string;
  vehicleKind: string;
  status: string;
  name: string | null;
  station: string | null;
  location: Point;
}

/**
 * Pure: for each line, the `count` nearest available units of its kind (nearest first, ties by id), then alternates.
 * A unit is used by one line only; units not `available` are skipped whatever the reader returned.
 */
export function recommendUnits(at: Point, lines: readonly UnitLine[], units: readonly AvailableUnit[]): Recommendation[] {
  const used = new Set<string>();
  return lines.map((line) => {
    const ranked: RecommendedUnit[] = units
      .filter((u) => u.vehicleKind === line.vehicleKind && u.status === 'available' && !used.has(u.unitId))
      .map((u) => {
        const distanceM = Math.round(haversineM(at, u.location));
        return { unitId: u.unitId, name: u.name, station: u.station, location: u.location, distanceM, etaSeconds: etaSeconds(distanceM) };
      })
      .sort((a, b) => a.distanceM - b.distanceM || (a.unitId < b.unitId ? -1 : 1));
    const chosen = ranked.slice(0, line.count);
    for (const u of chosen) used.add(u.unitId);
    return {
      vehicleKind: line.vehicleKind,
      count: line.count,
      ...(line.when ? { when: line.when } : {}),
      units: chosen,
      alternates: ranked.slice(line.count, line.count + ALTERNATES),
      missing: Math.max(0, line.count - chosen.length),
    };
  });
}

/** The keyValues of a unit entity (core terms), or undefined when it has no point location. */
export function unitFromEntity(entity: StoredEntity, terms: TermMap): AvailableUnit | undefined {
  const kv = renderEntity(entity, { terms, representation: 'keyValues', sysAttrs: false });
  const location = pointOf(kv.location);
  if (!location) return undefined;
  return {
    unitId: entity.id,
    vehicleKind: String(kv.vehicleKind ?? ''),
    status: String(kv.status ?? ''),
    name: typeof kv.name === 'string' ? kv.name : null,
    station: typeof kv.station === 'string' ? kv.station : null,
    location,
  };
}

export function pointOf(value: unknown): Point | undefined {
  const geometry = value as { type?: string; coordinates?: unknown } | undefined;
  if (geometry?.type !== 'Point' || !Array.isArray(geometry.coordinates)) return undefined;
  const [long, lat] = geometry.coordinates as unknown[];
  return typeof long === 'number' && typeof lat === 'number' ? { lat, long } : undefined;
}

/**
 * The thin reader: available units of these kinds near the incident, through the hub's own query service (the same
 * code path and read policy as GET /ngsi-ld/v1/entities), one query per kind.
 */
export async function readAvailableUnits(reader: EntityReader, terms: TermMap, tenant: string, at: Point, kinds: readonly string[]): Promise<AvailableUnit[]> {
  const call = { tenant, principal: systemPrincipal(tenant, 'incidents'), terms };
  const units: AvailableUnit[] = [];
  for (const kind of new Set(kinds)) {
    const { entities } = await reader.queryEntities(call, {
      type: 'EmergencyVehicle',
      q: `status=="available";vehicleKind==${JSON.stringify(kind)}`,
      geo: { georel: `near;maxDistance==${SEARCH_RADIUS_M}`, geometry: 'Point', coordinates: JSON.stringify([at.long, at.lat]) },
      limit: 1000,
      offset: 0,
      count: false,
    });
    for (const entity of entities) {
      const unit = unitFromEntity(entity, terms);
      if (unit) units.push(unit);
    }
  }
  return units;
}
