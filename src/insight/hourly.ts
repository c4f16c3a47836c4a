/**
 * One hour's indicator values: the hour's sensor means, posts and service requests fed to the pure indicator functions
 * (`indicators/`) per road, station, topic, district and city, as IndicatorValue records. Pure.
 */
import { hourlyAqi } from './indicators/aqi.ts';
import { NOISE_LIMITS, type NoiseZone, noiseLimit, noiseZoneOf } from './indicators/noise.ts';
import { opinionBy } from './indicators/opinion.ts';
import { hospitalLoad, parkingOccupancy, type RequestFacts, requestRates, requestsFiled } from './indicators/services.ts';
import { type RoadReading, type TrafficFigure, trafficByScope } from './indicators/traffic.ts';
import type { IndicatorScope, IndicatorValue } from './model.ts';

type Point = { type: 'Point'; coordinates: [number, number] };

/** One sensor entity with the hourly means of its attributes (from the temporal rollup) and its static attributes. */
export interface SensorHour {
  id: string;
  /** Compact type name, e.g. TrafficFlowObserved. */
  type: string;
  district?: string;
  location?: Point;
  refRoadSegment?: string;
  totalSpotNumber?: number;
  totalBeds?: number;
  category?: string[];
  /** GB 3096 zone class when the meter states it; otherwise derived from nearby roads. */
  zoneClass?: string;
  /** Hourly mean per attribute name. */
  means: Record<string, number>;
}

export interface RoadInfo {
  id: string;
  name?: string;
  roadClass?: string;
  district?: string;
  length?: number;
  coordinates?: [number, number][];
}

export interface PostHour {
  text: string;
  topic?: string;
  district?: string;
}

export interface RequestHour extends RequestFacts {
  district?: string;
}

export interface HourInput {
  tenant: string;
  /** End of the hour covered, epoch ms. */
  hourEnd: number;
  sensors: SensorHour[];
  roads: Map<string, RoadInfo>;
  posts: PostHour[];
  /** Service requests of the last weeks (the request indicators are rates as of the hour's end). */
  requests: RequestHour[];
}

const HOUR = 3_600_000;
const POLLUTANTS = ['pm25', 'pm10', 'no2', 'o3', 'so2', 'co'] as const;
const round = (v: number, digits = 4) => Number(v.toFixed(digits));

function centroid(points: Point[]): Point | undefined {
  if (points.length === 0) return undefined;
  let x = 0;
  let y = 0;
  for (const p of points) {
    x += p.coordinates[0];
    y += p.coordinates[1];
  }
  return { type: 'Point', coordinates: [round(x / points.length, 6), round(y / points.length, 6)] };
}

interface Group<T> {
  scope: IndicatorScope;
  scopeId: string;
  district?: string;
  items: T[];
}

/** Groups `items` by district and into the whole city. */
function byDistrictAndCity<T extends { district?: string }>(items: T[], tenant: string): Group<T>[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    if (!item.district) continue;
    const list = groups.get(item.district) ?? [];
    list.push(item);
    groups.set(item.district, list);
  }
  const out: Group<T>[] = [...groups].map(([district, list]) => ({ scope: 'district', scopeId: district, district, items: list }));
  if (items.length > 0) out.push({ scope: 'city', scopeId: tenant, items });
  return out;
}

const isZone = (z: string | undefined): z is NoiseZone => z !== undefined && z in NOISE_LIMITS;

/** Every indicator value of one hour. */
export function computeHourIndicators(input: HourInput): IndicatorValue[] {
  const { tenant, hourEnd: at } = input;
  const hourStart = at - HOUR;
  const out: IndicatorValue[] = [];
  const byType = new Map<string, SensorHour[]>();
  for (const s of input.sensors) byType.set(s.type, [...(byType.get(s.type) ?? []), s]);
  const push = (v: IndicatorValue) => {
    if (Number.isFinite(v.value)) out.push(v);
  };
  const place = (list: SensorHour[]) => {
    const location = centroid(list.flatMap((s) => (s.location ? [s.location] : [])));
    return location ? { location } : {};
  };
  const where = (g: { scope: IndicatorScope; scopeId: string; district?: string }) => ({ scope: g.scope, scopeId: g.scopeId, ...(g.district ? { district: g.district } : {}), at });
  const shortId = (id: string) => id.split(':').pop() ?? id;

  // Traffic: one reading per detector (the hour's means), weighted by flow × road length (indicators/traffic.ts).
  const detectors = (byType.get('TrafficFlowObserved') ?? []).filter((s) => s.refRoadSegment && s.means.congestionIndex !== undefined);
  const readings: RoadReading[] = detectors.map((s) => {
    const road = input.roads.get(s.refRoadSegment as string);
    const district = road?.district ?? s.district;
    return {
      roadId: s.refRoadSegment as string,
      ...(district ? { district } : {}),
      congestionIndex: s.means.congestionIndex as number,
      speed: s.means.averageVehicleSpeed ?? Number.NaN,
      intensity: s.means.intensity ?? 0,
      ...(road?.length ? { length: road.length } : {}),
    };
  });
  const traffic = trafficByScope(readings);
  const trafficValues = (g: { scope: IndicatorScope; scopeId: string; district?: string }, f: TrafficFigure, location: Point | undefined, extra: Record<string, unknown> = {}) => {
    const common = { ...where(g), ...(location ? { location } : {}) };
    // A road's details are what identifies it (kept with the entity); districts and the city show their flow.
    const details = g.scope === 'road' ? extra : { flow: f.flow, detectors: f.roads, ...extra };
    push({ indicator: 'congestion', ...common, value: f.congestion, details });
    push({ indicator: 'speed', ...common, value: f.speed, details });
  };
  for (const [roadId, f] of traffic.road) {
    const road = input.roads.get(roadId);
    const mid = road?.coordinates?.[Math.floor(road.coordinates.length / 2)];
    const district = road?.district ?? readings.find((r) => r.roadId === roadId)?.district;
    trafficValues({ scope: 'road', scopeId: shortId(roadId), ...(district ? { district } : {}) }, f, mid ? { type: 'Point', coordinates: mid } : undefined, {
      road: roadId,
      roadName: road?.name,
      roadClass: road?.roadClass,
    });
  }
  const detectorsByDistrict = new Map<string, SensorHour[]>();
  for (const s of detectors) {
    const d = input.roads.get(s.refRoadSegment as string)?.district ?? s.district;
    if (d) detectorsByDistrict.set(d, [...(detectorsByDistrict.get(d) ?? []), s]);
  }
  for (const [district, f] of traffic.district) trafficValues({ scope: 'district', scopeId: district, district }, f, place(detectorsByDistrict.get(district) ?? []).location);
  if (traffic.city) trafficValues({ scope: 'city', scopeId: tenant }, traffic.city, place(detectors).location);

  // Air: AQI per station from its hourly means (HJ 633 hourly report); district and city from the mean
  // concentrations of their stations, as the standard computes a city's AQI.
  const stations = (byType.get('AirQualityObserved') ?? []).filter((s) => POLLUTANTS.some((p) => s.means[p] !== undefined));
  const meanConcentrations = (list: SensorHour[]) => {
    const c: Record<string, number> = {};
    for (const p of POLLUTANTS) {
      const vs = list.flatMap((s) => (s.means[p] === undefined ? [] : [s.means[p] as number]));
      if (vs.length > 0) c[p] = round(vs.reduce((a, b) => a + b, 0) / vs.length, 3);
    }
    return c;
  };
  const aqiValue = (concentrations: Record<string, number>, extra: Record<string, unknown> = {}) => {
    const r = hourlyAqi(concentrations);
    return { value: r.aqi, level: r.level, primaryPollutant: r.primary, details: { iaqi: r.iaqi, category: r.category, concentrations, ...extra } };
  };
  for (const s of stations) {
    push({
      indicator: 'aqi',
      ...where({ scope: 'station', scopeId: shortId(s.id), ...(s.district ? { district: s.district } : {}) }),
      ...aqiValue(meanConcentrations([s])),
      ...(s.location ? { location: s.location } : {}),
    });
  }
  for (const g of byDistrictAndCity(stations, tenant)) push({ indicator: 'aqi', ...where(g), ...aqiValue(meanConcentrations(g.items), { stations: g.items.length }), ...place(g.items) });

  // Noise: is each meter's hourly LAeq over the GB 3096 limit of its zone (day 06–22 / night)? Per meter (0 or 1), and
  // the share of meters over it per district and city.
  const meters = (byType.get('NoiseLevelObserved') ?? []).filter((s) => s.means.LAeq !== undefined);
  const mainRoads = [...input.roads.values()].flatMap((r) => (r.coordinates && r.roadClass ? [{ roadClass: r.roadClass, coordinates: r.coordinates }] : []));
  const over = new Map<string, boolean>();
  for (const m of meters) {
    const zone = isZone(m.zoneClass) ? m.zoneClass : m.location ? noiseZoneOf({ location: m.location.coordinates }, mainRoads, 'urban') : '2';
    const limit = noiseLimit(zone, hourStart);
    over.set(m.id, (m.means.LAeq as number) > limit);
    push({
      indicator: 'noiseExceedance',
      ...where({ scope: 'station', scopeId: shortId(m.id), ...(m.district ? { district: m.district } : {}) }),
      value: over.get(m.id) ? 1 : 0,
      ...(m.location ? { location: m.location } : {}),
      details: { laeq: round(m.means.LAeq as number, 1), zone, limit },
    });
  }
  for (const g of byDistrictAndCity(meters, tenant)) {
    const n = g.items.filter((m) => over.get(m.id)).length;
    push({ indicator: 'noiseExceedance', ...where(g), value: round(n / g.items.length, 3), ...place(g.items), details: { meters: g.items.length, over: n } });
  }

  // Parking: spots taken over spots; the public car parks (commercial areas) alongside.
  const parks = (byType.get('OffStreetParking') ?? []).flatMap((s) => {
    const total = s.totalSpotNumber ?? 0;
    const available = s.means.availableSpotNumber ?? (s.means.occupancyRate !== undefined ? total * (1 - s.means.occupancyRate) : undefined);
    return total > 0 && available !== undefined ? [{ ...s, park: { totalSpotNumber: total, availableSpotNumber: available } }] : [];
  });
  for (const g of byDistrictAndCity(parks, tenant)) {
    const value = parkingOccupancy(g.items.map((p) => p.park));
    if (value === null) continue;
    const publicParks = parkingOccupancy(g.items.filter((p) => p.category?.includes('public')).map((p) => p.park));
    push({ indicator: 'parkingOccupancy', ...where(g), value, ...place(g.items), details: { carParks: g.items.length, publicOccupancy: publicParks } });
  }

  // Hospitals: beds taken over beds, emergency load alongside.
  const hospitals = (byType.get('Hospital') ?? []).flatMap((s) =>
    s.totalBeds && s.means.availableBeds !== undefined
      ? [
          {
            ...s,
            figures: {
              totalBeds: s.totalBeds,
              availableBeds: s.means.availableBeds,
              ...(s.means.emergencyLoad !== undefined ? { emergencyLoad: s.means.emergencyLoad } : {}),
              ...(s.means.emergencyWaiting !== undefined ? { emergencyWaiting: s.means.emergencyWaiting } : {}),
            },
          },
        ]
      : [],
  );
  for (const g of byDistrictAndCity(hospitals, tenant)) {
    const f = hospitalLoad(g.items.map((h) => h.figures));
    if (!f) continue;
    push({ indicator: 'hospitalLoad', ...where(g), value: f.bedOccupancy, ...place(g.items), details: { hospitals: g.items.length, emergencyLoad: f.emergencyLoad, emergencyWaiting: round(f.emergencyWaiting, 1) } });
  }

  // Public opinion: posts of the hour and their lexicon sentiment per topic, district and city (a quiet hour: 0 posts).
  const opinion = (scope: IndicatorScope, figures: Map<string, { volume: number; sentiment: number; negative: number; positive: number }>) => {
    for (const [key, f] of figures) {
      if (key === '') continue;
      const g = scope === 'district' ? { scope, scopeId: key, district: key } : { scope, scopeId: key };
      push({ indicator: 'opinionVolume', ...where(g), value: f.volume, details: { negative: f.negative, positive: f.positive } });
      push({ indicator: 'opinionSentiment', ...where(g), value: f.sentiment, details: { posts: f.volume, negative: f.negative, positive: f.positive } });
    }
  };
  opinion('topic', opinionBy(input.posts, 'topic'));
  opinion('district', opinionBy(input.posts, 'district'));
  const city = opinionBy(
    input.posts.map((p) => ({ text: p.text })),
    'topic',
  ).get('');
  push({ indicator: 'opinionVolume', ...where({ scope: 'city', scopeId: tenant }), value: city?.volume ?? 0 });
  if (city) push({ indicator: 'opinionSentiment', ...where({ scope: 'city', scopeId: tenant }), value: city.sentiment, details: { posts: city.volume, negative: city.negative, positive: city.positive } });

  // Service requests: filed in the hour (the count complaint surges are found on), and response, resolution and
  // satisfaction rates as of the hour's end.
  for (const g of byDistrictAndCity(input.requests, tenant)) {
    push({ indicator: 'requestVolume', ...where(g), value: requestsFiled(g.items, hourStart, at) });
    const r = requestRates(g.items, at);
    const details = { ...r.counts };
    if (r.response !== null) push({ indicator: 'requestResponse', ...where(g), value: r.response, details });
    if (r.resolution !== null) push({ indicator: 'requestResolution', ...where(g), value: r.resolution, details });
    if (r.satisfaction !== null) push({ indicator: 'requestSatisfaction', ...where(g), value: r.satisfaction, details });
  }
  return out;
}
