/** The operations overview's pure logic: what each entity type looks like in keyValues, how it is coloured, and the live counts. */
import { aqi, aqiCategory } from './aqi.ts';

/** An entity in keyValues form, as the hub and the live stream send it. */
export type KeyValues = Record<string, unknown> & { id: string; type?: unknown };

/** The entity types the page shows, with the attributes it asks for (`attrs=`). */
export const LAYER_TYPES = {
  RoadSegment: ['name', 'location', 'roadClass', 'maximumAllowedSpeed', 'district'],
  TrafficFlowObserved: ['refRoadSegment', 'congestionIndex', 'averageVehicleSpeed', 'intensity', 'congested'],
  AirQualityObserved: ['name', 'location', 'district', 'pm25', 'pm10'],
  OffStreetParking: ['name', 'location', 'totalSpotNumber', 'availableSpotNumber', 'occupancyRate'],
  Hospital: ['name', 'location', 'totalBeds', 'availableBeds', 'bedOccupancy', 'emergencyWaiting', 'emergencyLoad'],
  EmergencyVehicle: ['name', 'location', 'vehicleKind', 'status'],
} as const;
export type LayerType = keyof typeof LAYER_TYPES;
export const LAYER_TYPE_NAMES = Object.keys(LAYER_TYPES) as LayerType[];

/** The feed: public-opinion posts and citizen reports (the `ServiceRequest` entities the requests capability mirrors). */
export const FEED_TYPES = {
  PublicOpinionPost: { attrs: ['text', 'topic', 'district', 'sentiment', 'publishedAt'], time: 'publishedAt' },
  ServiceRequest: { attrs: ['serviceName', 'description', 'district', 'status', 'requestedAt'], time: 'requestedAt' },
} as const;
export type FeedType = keyof typeof FEED_TYPES;

/**
 * Sensors that report on a schedule, with an attribute each always sends: "reporting" means that attribute was
 * written in the last few minutes. Security sensors report only when triggered, so they are not counted.
 */
export const REPORTING_SENSORS: ReadonlyArray<readonly [type: string, attr: string]> = [
  ['TrafficFlowObserved', 'intensity'],
  ['AirQualityObserved', 'pm25'],
  ['NoiseLevelObserved', 'LAeq'],
  ['OffStreetParking', 'availableSpotNumber'],
  ['WeatherObserved', 'temperature'],
];
export const REPORTING_WINDOW_MS = 5 * 60_000;

export const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
export const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The type of a keyValues entity (short name under the core context). */
export function typeOf(entity: KeyValues): string {
  const type = Array.isArray(entity.type) ? entity.type[0] : entity.type;
  return typeof type === 'string' ? type : '';
}

/** A relationship's target in keyValues (a string), or in any other shape the hub might send. */
export function refOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { object?: unknown }).object === 'string') return (value as { object: string }).object;
  return '';
}

/** A Point's [longitude, latitude], or null. */
export function pointOf(location: unknown): [number, number] | null {
  const geometry = location as { type?: unknown; coordinates?: unknown } | null;
  if (geometry?.type !== 'Point' || !Array.isArray(geometry.coordinates)) return null;
  const [long, lat] = geometry.coordinates as unknown[];
  return typeof long === 'number' && typeof lat === 'number' ? [long, lat] : null;
}

/** A LineString's (or a MultiLineString's) paths of [longitude, latitude]. */
export function pathsOf(location: unknown): [number, number][][] {
  const geometry = location as { type?: unknown; coordinates?: unknown } | null;
  if (!geometry || !Array.isArray(geometry.coordinates)) return [];
  const asPath = (line: unknown): [number, number][] =>
    Array.isArray(line) ? line.filter((p): p is [number, number] => Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'number') : [];
  if (geometry.type === 'LineString') return [asPath(geometry.coordinates)].filter((p) => p.length > 1);
  if (geometry.type === 'MultiLineString') return geometry.coordinates.map(asPath).filter((p) => p.length > 1);
  return [];
}

// ---------- traffic ----------

/** Congestion levels by travel-time ratio to free flow: < 1.5 free, < 2 slow, < 3 heavy, else severe. */
export type CongestionLevel = 'free' | 'slow' | 'heavy' | 'severe' | 'unknown';
export const CONGESTION_LEVELS: readonly Exclude<CongestionLevel, 'unknown'>[] = ['free', 'slow', 'heavy', 'severe'];
export const CONGESTION_COLOURS: Record<CongestionLevel, string> = {
  free: '#2e9d4f',
  slow: '#e6c619',
  heavy: '#f07c12',
  severe: '#d62020',
  unknown: '#9aa9b5',
};
/** A road at this level or worse counts as congested. */
export const CONGESTED_FROM = 2;

export function congestionLevel(index: number | null): CongestionLevel {
  if (index === null) return 'unknown';
  if (index < 1.5) return 'free';
  if (index < CONGESTED_FROM) return 'slow';
  if (index < 3) return 'heavy';
  return 'severe';
}

/**
 * A detector's travel-time ratio: its `congestionIndex`, or else the road's speed limit over the measured speed
 * (free-flow speed taken as the limit).
 */
export function congestionIndexOf(flow: KeyValues, road: KeyValues | undefined): number | null {
  const index = num(flow.congestionIndex);
  if (index !== null) return Math.max(1, index);
  const speed = num(flow.averageVehicleSpeed);
  const limit = num(road?.maximumAllowedSpeed);
  if (speed === null || limit === null || limit <= 0) return null;
  return speed <= 0 ? 10 : Math.max(1, limit / speed);
}

export interface RoadView {
  id: string;
  name: string;
  roadClass: string;
  paths: [number, number][][];
  index: number | null;
  level: CongestionLevel;
  speed: number | null;
  intensity: number | null;
}

/** Each road with the worst travel-time ratio among its detectors. */
export function roadViews(roads: ReadonlyMap<string, KeyValues>, flows: ReadonlyMap<string, KeyValues>): RoadView[] {
  const worst = new Map<string, { index: number | null; speed: number | null; intensity: number | null }>();
  for (const flow of flows.values()) {
    const roadId = refOf(flow.refRoadSegment);
    if (!roadId) continue;
    const index = congestionIndexOf(flow, roads.get(roadId));
    const seen = worst.get(roadId);
    if (!seen || (index !== null && (seen.index === null || index > seen.index))) {
      worst.set(roadId, { index, speed: num(flow.averageVehicleSpeed), intensity: num(flow.intensity) });
    }
  }
  const views: RoadView[] = [];
  for (const road of roads.values()) {
    const paths = pathsOf(road.location);
    if (paths.length === 0) continue;
    const measured = worst.get(road.id);
    const index = measured?.index ?? null;
    views.push({
      id: road.id,
      name: str(road.name) || road.id,
      roadClass: str(road.roadClass),
      paths,
      index,
      level: congestionLevel(index),
      speed: measured?.speed ?? null,
      intensity: measured?.intensity ?? null,
    });
  }
  return views;
}

// ---------- points ----------

export type LoadLevel = 'low' | 'medium' | 'high' | 'full' | 'unknown';
export const LOAD_LEVELS: readonly Exclude<LoadLevel, 'unknown'>[] = ['low', 'medium', 'high', 'full'];
export const LOAD_COLOURS: Record<LoadLevel, string> = {
  low: '#2e9d4f',
  medium: '#e6c619',
  high: '#f07c12',
  full: '#d62020',
  unknown: '#9aa9b5',
};

/** Occupancy or load (0–1) in four bands: < 60 %, < 85 %, < 95 %, else full. */
export function loadLevel(share: number | null): LoadLevel {
  if (share === null) return 'unknown';
  if (share < 0.6) return 'low';
  if (share < 0.85) return 'medium';
  if (share < 0.95) return 'high';
  return 'full';
}

export type VehicleStatus = 'available' | 'dispatched' | 'enRoute' | 'onScene' | 'returning';
export const VEHICLE_STATUSES: readonly VehicleStatus[] = ['available', 'dispatched', 'enRoute', 'onScene', 'returning'];
export const VEHICLE_COLOURS: Record<VehicleStatus | 'unknown', string> = {
  available: '#2e9d4f',
  dispatched: '#d62020',
  enRoute: '#f07c12',
  onScene: '#7b3fc4',
  returning: '#2f6fd1',
  unknown: '#9aa9b5',
};
export function vehicleStatus(value: unknown): VehicleStatus | 'unknown' {
  return (VEHICLE_STATUSES as readonly string[]).includes(value as string) ? (value as VehicleStatus) : 'unknown';
}
/** Busy units: everything but available (and returning, which can take a new call). */
export function isBusy(status: VehicleStatus | 'unknown'): boolean {
  return status === 'dispatched' || status === 'enRoute' || status === 'onScene';
}

export interface StationView {
  id: string;
  name: string;
  coords: [number, number];
  pm25: number | null;
  aqi: number | null;
  colour: string;
}

export function stationViews(stations: ReadonlyMap<string, KeyValues>): StationView[] {
  const views: StationView[] = [];
  for (const station of stations.values()) {
    const coords = pointOf(station.location);
    if (!coords) continue;
    const value = aqi({ pm25: station.pm25, pm10: station.pm10 });
    views.push({
      id: station.id,
      name: str(station.name) || shortName(station.id),
      coords,
      pm25: num(station.pm25),
      aqi: value,
      colour: value === null ? LOAD_COLOURS.unknown : aqiCategory(value).colour,
    });
  }
  return views;
}

/** The occupancy of a car park: `occupancyRate`, or 1 − available / total. */
export function parkingOccupancy(park: KeyValues): number | null {
  const rate = num(park.occupancyRate);
  if (rate !== null) return Math.min(1, Math.max(0, rate));
  const total = num(park.totalSpotNumber);
  const free = num(park.availableSpotNumber);
  return total && free !== null ? Math.min(1, Math.max(0, 1 - free / total)) : null;
}

/** A hospital's load: the emergency room's, or else bed occupancy. */
export function hospitalLoad(hospital: KeyValues): number | null {
  const load = num(hospital.emergencyLoad) ?? num(hospital.bedOccupancy);
  if (load !== null) return Math.min(1, Math.max(0, load));
  const total = num(hospital.totalBeds);
  const free = num(hospital.availableBeds);
  return total && free !== null ? Math.min(1, Math.max(0, 1 - free / total)) : null;
}

/** `urn:ngsi-ld:Hospital:hz-hospital-3` → `hz-hospital-3`. */
export function shortName(id: string): string {
  return id.split(':').pop() || id;
}

// ---------- counts ----------

export interface LiveCounts {
  roads: number;
  congestedRoads: number;
  stations: number;
  stationsAbove100: number;
  parkingSpacesFree: number;
  parkingSpacesTotal: number;
  bedsFree: number;
  bedsTotal: number;
  unitsAvailable: number;
  unitsBusy: number;
  units: number;
}

export function liveCounts(roads: readonly RoadView[], stations: readonly StationView[], parks: ReadonlyMap<string, KeyValues>, hospitals: ReadonlyMap<string, KeyValues>, vehicles: ReadonlyMap<string, KeyValues>): LiveCounts {
  let parkingSpacesFree = 0;
  let parkingSpacesTotal = 0;
  for (const park of parks.values()) {
    const total = num(park.totalSpotNumber);
    const free = num(park.availableSpotNumber) ?? (total !== null && num(park.occupancyRate) !== null ? Math.round(total * (1 - (num(park.occupancyRate) as number))) : null);
    if (free !== null) parkingSpacesFree += Math.max(0, free);
    if (total !== null) parkingSpacesTotal += total;
  }
  let bedsFree = 0;
  let bedsTotal = 0;
  for (const hospital of hospitals.values()) {
    bedsFree += Math.max(0, num(hospital.availableBeds) ?? 0);
    bedsTotal += num(hospital.totalBeds) ?? 0;
  }
  let unitsAvailable = 0;
  let unitsBusy = 0;
  for (const vehicle of vehicles.values()) {
    const status = vehicleStatus(vehicle.status);
    if (status === 'available') unitsAvailable++;
    else if (isBusy(status)) unitsBusy++;
  }
  return {
    roads: roads.filter((road) => road.level !== 'unknown').length,
    congestedRoads: roads.filter((road) => road.level === 'heavy' || road.level === 'severe').length,
    stations: stations.filter((station) => station.aqi !== null).length,
    stationsAbove100: stations.filter((station) => station.aqi !== null && station.aqi > 100).length,
    parkingSpacesFree,
    parkingSpacesTotal,
    bedsFree,
    bedsTotal,
    unitsAvailable,
    unitsBusy,
    units: vehicles.size,
  };
}

// ---------- trends ----------

/** One point of a trend: the start of its period (epoch ms) and the value. */
export interface TrendPoint {
  at: number;
  value: number;
}

export const TREND_PERIOD_MS = 5 * 60_000;
export const TREND_WINDOW_MS = 2 * 60 * 60_000;

export const periodStart = (epoch: number): number => Math.floor(epoch / TREND_PERIOD_MS) * TREND_PERIOD_MS;

/** The mean AQI over stations, from each station's mean pm25 in the period. */
export function meanAqi(pm25s: readonly number[]): number | null {
  const values = pm25s.map((pm25) => aqi({ pm25 })).filter((v): v is number => v !== null);
  return values.length === 0 ? null : Math.round(values.reduce((a, b) => a + b, 0) / values.length);
}

/** The share (0–1) of detectors at "heavy" or worse, from each detector's mean congestion index in the period. */
export function congestedShare(indexes: readonly number[]): number | null {
  return indexes.length === 0 ? null : indexes.filter((index) => index >= CONGESTED_FROM).length / indexes.length;
}

/** Puts `point` into a trend (replacing the point of the same period), keeping only the window before `now`. */
export function withPoint(trend: readonly TrendPoint[], point: TrendPoint, now: number): TrendPoint[] {
  const next = trend.filter((p) => p.at !== point.at && p.at > now - TREND_WINDOW_MS);
  next.push(point);
  return next.sort((a, b) => a.at - b.at);
}

// ---------- feed ----------

export interface FeedItem {
  id: string;
  kind: 'post' | 'report';
  at: string;
  text: string;
  district: string;
  topic: string;
  sentiment: number | null;
  status: string;
}

export function feedItem(entity: KeyValues): FeedItem | null {
  const type = typeOf(entity);
  if (type === 'PublicOpinionPost') {
    return {
      id: entity.id,
      kind: 'post',
      at: str(entity.publishedAt),
      text: str(entity.text),
      district: str(entity.district),
      topic: str(entity.topic),
      sentiment: num(entity.sentiment),
      status: '',
    };
  }
  if (type === 'ServiceRequest') {
    return {
      id: entity.id,
      kind: 'report',
      at: str(entity.requestedAt),
      text: str(entity.description),
      district: str(entity.district),
      topic: str(entity.serviceName),
      sentiment: null,
      status: str(entity.status),
    };
  }
  return null;
}

export const FEED_LENGTH = 30;

/** The newest items first, one per id, at most FEED_LENGTH. */
export function mergeFeed(feed: readonly FeedItem[], items: readonly FeedItem[]): FeedItem[] {
  const byId = new Map(feed.map((item) => [item.id, item]));
  for (const item of items) byId.set(item.id, item);
  return [...byId.values()].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, FEED_LENGTH);
}
