/** The deterministic stream: for each tick, every sensor's reading, entity updates, citizen reports and the ground truth. */
import { dayTypeOfDay, type DayType, LOCAL_OFFSET_MS, localDayNumber } from './calendar.ts';
import { DISTRICT_PLANS } from './city/names.ts';
import {
  type Accident,
  type BuildingIncident,
  type DayEvents,
  type Dispatch,
  dayEvents,
  locationOfRoad,
  type PollutionEpisode,
  type PowerOutage,
  type SecurityTrigger,
  type SensorFault,
} from './events/schedule.ts';
import { EVERYDAY_POSTS, fill, INCIDENT_POSTS, REPORT_TEXTS, TOPICS } from './events/texts.ts';
import type { City, NgsiEntity, Observation, ObservationValue, Sensor, Tick, TruthRecord } from './model.ts';
import { hash, normal, P, poisson, unit } from './random.ts';
import { airReading, backgroundPm25, noiseReading } from './rhythms/environment.ts';
import { hospitalReading } from './rhythms/hospital.ts';
import { type DaySchedule, daySchedule, occupancyState } from './rhythms/occupancy.ts';
import { parkingOccupancy } from './rhythms/parking.ts';
import { DEMAND_PROFILE, rainEffect, tidalShift, trafficReading } from './rhythms/traffic.ts';
import { cityWeather, stationWeather, type Weather } from './rhythms/weather.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const DISTRICT_NAME = new Map(DISTRICT_PLANS.map((p) => [p.id, p.name]));
const PLAN = new Map(DISTRICT_PLANS.map((p) => [p.id, p]));

/** What the readings at one instant depend on, computed once per tick. */
interface Moment {
  ms: number;
  key: number;
  day: number;
  dayType: DayType;
  minuteOfDay: number;
  localHour: number;
  profile: number;
  tidal: number;
  weather: Weather;
  rain: { capacity: number; speed: number; demand: number };
  pm25: number;
  /** per road: [capacity factor, extra delay] while an accident or its queue lasts */
  roadEffects: Map<number, [number, number]>;
  nightConstruction: Set<number>;
}

/** Per-city derived lookups (built once). */
interface Derived {
  meterSite: Int32Array;
  heartbeatGroups: number[][];
  hospitalOfBuilding: Int32Array;
  hospitalOfRoad: Int32Array;
  periodic: Sensor[];
}

const derivedCache = new WeakMap<City, Derived>();

function near(a: [number, number], b: [number, number]): number {
  const dx = (a[0] - b[0]) * 96.5;
  const dy = (a[1] - b[1]) * 111.3;
  return Math.sqrt(dx * dx + dy * dy);
}

function nearestIndex(points: [number, number][], at: [number, number]): number {
  let best = -1;
  let bestD = Number.POSITIVE_INFINITY;
  for (let i = 0; i < points.length; i++) {
    const d = near(points[i]!, at);
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

function derive(city: City): Derived {
  const hit = derivedCache.get(city);
  if (hit) return hit;
  const sites = city.constructionSites.map((s) => s.location);
  const hospitals = city.hospitals.map((h) => h.location);
  const meterSite = Int32Array.from(city.noiseMeters, (m) => {
    const i = nearestIndex(sites, m.location);
    return i >= 0 && near(sites[i]!, m.location) < 1.5 ? i : -1;
  });
  const heartbeatGroups: number[][] = Array.from({ length: 60 }, () => []);
  for (const s of city.securitySensors) heartbeatGroups[s.index % 60]!.push(s.index);
  const derived: Derived = {
    meterSite,
    heartbeatGroups,
    hospitalOfBuilding: Int32Array.from(city.buildings, (b) => nearestIndex(hospitals, b.location)),
    hospitalOfRoad: Int32Array.from(city.roads, (r) => nearestIndex(hospitals, r.coordinates[0]!)),
    periodic: city.sensors.filter((s) => s.kind !== 'security'),
  };
  derivedCache.set(city, derived);
  return derived;
}

/** The events that can touch a local day: those starting up to four days before it (episodes last up to three). */
interface Window {
  day: number;
  accidents: Accident[];
  incidents: BuildingIncident[];
  episodes: PollutionEpisode[];
  faults: SensorFault[];
  outages: PowerOutage[];
  triggers: SecurityTrigger[];
  dispatches: Dispatch[];
  dispatchesOfUnit: Map<number, Dispatch[]>;
  schedules: DaySchedule[];
  yesterdaySchedules: DaySchedule[];
}

function windowOf(city: City, day: number): Window {
  const days: DayEvents[] = [];
  for (let d = day - 4; d <= day + 1; d++) days.push(dayEvents(city, d));
  const window: Window = {
    day,
    accidents: days.flatMap((d) => d.accidents),
    incidents: days.flatMap((d) => d.incidents),
    episodes: days.flatMap((d) => d.episodes),
    faults: days.flatMap((d) => d.faults),
    outages: days.flatMap((d) => d.outages),
    triggers: days.flatMap((d) => d.triggers),
    dispatches: days.flatMap((d) => d.dispatches),
    dispatchesOfUnit: new Map(),
    schedules: city.buildings.map((b) => daySchedule(city.seed, b, day, dayTypeOfDay(day))),
    yesterdaySchedules: city.buildings.map((b) => daySchedule(city.seed, b, day - 1, dayTypeOfDay(day - 1))),
  };
  for (const d of window.dispatches) {
    const list = window.dispatchesOfUnit.get(d.unit) ?? [];
    list.push(d);
    window.dispatchesOfUnit.set(d.unit, list);
  }
  return window;
}

function episodeFactor(episodes: PollutionEpisode[], ms: number): number {
  let factor = 1;
  for (const e of episodes) {
    if (ms < e.start || ms >= e.end) continue;
    const ramp = 12 * HOUR;
    const shape = Math.min(1, (ms - e.start) / ramp, (e.end - ms) / ramp);
    factor = Math.max(factor, 1 + (e.peakFactor - 1) * shape);
  }
  return factor;
}

function moment(city: City, w: Window, ms: number): Moment {
  const local = ms + LOCAL_OFFSET_MS;
  const day = localDayNumber(ms);
  const dayType = dayTypeOfDay(day);
  const minuteOfDay = Math.floor((local % 86_400_000) / MINUTE);
  const localHour = (local % 86_400_000) / HOUR;
  const weather = cityWeather(city.seed, ms, day);
  const roadEffects = new Map<number, [number, number]>();
  for (const a of w.accidents) {
    if (ms < a.start || ms >= a.recovered) continue;
    const active = ms < a.end;
    const recovery = active ? 0 : (ms - a.end) / (a.recovered - a.end);
    const capacity = active ? a.capacityFactor : a.capacityFactor + (1 - a.capacityFactor) * recovery;
    // a lane closed: traffic crawls past the scene whatever the volume; the queue grows over 20 minutes
    const queue = active ? Math.min(1, (ms - a.start) / (20 * MINUTE)) : 1 - recovery;
    const own = roadEffects.get(a.road);
    roadEffects.set(a.road, [Math.min(own?.[0] ?? 1, capacity), Math.max(own?.[1] ?? 0, 0.9 * queue)]);
    a.queue.forEach((up, k) => {
      const delay = queue * (k === 0 ? 1.6 : 0.7);
      const prev = roadEffects.get(up);
      roadEffects.set(up, [prev?.[0] ?? 1, Math.max(prev?.[1] ?? 0, delay)]);
    });
  }
  const nightConstruction = new Set<number>();
  if (minuteOfDay >= 1320 || minuteOfDay < 120) {
    const nightOf = minuteOfDay < 120 ? day - 1 : day;
    for (const site of city.constructionSites) if (unit(city.seed, P.noise, site.index, nightOf) < 0.15) nightConstruction.add(site.index);
  }
  return {
    ms,
    key: Math.floor(ms / 1000),
    day,
    dayType,
    minuteOfDay,
    localHour,
    profile: DEMAND_PROFILE[dayType][minuteOfDay] ?? 1,
    tidal: tidalShift(dayType, minuteOfDay),
    weather,
    rain: rainEffect(weather.precipitation),
    pm25: backgroundPm25(city.seed, ms, day, localHour, weather, episodeFactor(w.episodes, ms)),
    roadEffects,
    nightConstruction,
  };
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** A periodic sensor's values at a moment (pure). */
function reading(city: City, d: Derived, sensor: Sensor, m: Moment): Record<string, ObservationValue> {
  const seed = city.seed;
  switch (sensor.kind) {
    case 'traffic': {
      const road = city.roads[sensor.ref]!;
      const dayFactor = 1 + 0.1 * (unit(seed, P.trafficDay, road.index, m.day) - 0.5);
      const demand = road.baseDemand * m.profile * (1 + road.tidal * m.tidal) * m.rain.demand * dayFactor * (1 + 0.07 * normal(seed, P.trafficMinute, road.index, m.key));
      const effect = m.roadEffects.get(road.index);
      const r = trafficReading(road, Math.max(0, demand), m.rain.capacity * (effect?.[0] ?? 1), m.rain.speed, effect?.[1] ?? 0);
      return { intensity: r.intensity, averageVehicleSpeed: r.averageVehicleSpeed, occupancy: r.occupancy, congestionIndex: r.congestionIndex, congested: r.congested };
    }
    case 'air': {
      const station = city.airStations[sensor.ref]!;
      const w = stationWeather(seed, station.index, station.level, m.weather, m.ms);
      const a = airReading(seed, station.index, station.level, m.key, m.pm25, m.profile, m.localHour, m.day, w);
      return { pm25: a.pm25, pm10: a.pm10, no2: a.no2, o3: a.o3, so2: a.so2, co: a.co, temperature: round1(w.temperature), relativeHumidity: Math.round(w.relativeHumidity * 100) / 100 };
    }
    case 'noise': {
      const meter = city.noiseMeters[sensor.ref]!;
      const site = d.meterSite[meter.index]!;
      const dayWork = m.dayType !== 'holiday' && m.minuteOfDay >= 420 && m.minuteOfDay < 1200 ? 1 : 0;
      const construction = site < 0 ? 0 : m.nightConstruction.has(site) ? 1.2 : dayWork;
      return noiseReading(seed, meter.index, meter.level, m.key, m.profile, construction);
    }
    case 'parking': {
      const park = city.carParks[sensor.ref]!;
      const occupancy = parkingOccupancy(seed, park, m.dayType, m.localHour, m.ms);
      const taken = Math.round(park.totalSpots * occupancy);
      return { availableSpotNumber: park.totalSpots - taken, occupancyRate: Math.round((taken / park.totalSpots) * 1000) / 1000 };
    }
    case 'weather': {
      const station = city.weatherStations[sensor.ref]!;
      const w = stationWeather(seed, station.index, station.level, m.weather, m.ms);
      return {
        temperature: round1(w.temperature),
        relativeHumidity: Math.round(w.relativeHumidity * 100) / 100,
        precipitation: round1(w.precipitation),
        windSpeed: round1(w.windSpeed),
        windDirection: Math.round(w.windDirection),
      };
    }
    default:
      return {};
  }
}

/** A spike: the sensor's main values multiplied (or, for decibels, raised). */
function spiked(values: Record<string, ObservationValue>, factor: number): Record<string, ObservationValue> {
  const out: Record<string, ObservationValue> = {};
  for (const [k, v] of Object.entries(values)) {
    if (typeof v !== 'number') out[k] = v;
    else if (k === 'LAeq' || k === 'LAmax') out[k] = round1(v + 10 * Math.log10(factor) + 20);
    else if (k === 'occupancyRate' || k === 'occupancy' || k === 'relativeHumidity') out[k] = v;
    else out[k] = Math.round(v * factor * 10) / 10;
  }
  return out;
}

type UnitStatus = 'available' | 'dispatched' | 'enRoute' | 'onScene' | 'returning';

function unitAt(w: Window, unitIndex: number, ms: number): { status: UnitStatus; dispatch: Dispatch | null } {
  let current: Dispatch | null = null;
  for (const d of w.dispatchesOfUnit.get(unitIndex) ?? []) {
    if (d.dispatched <= ms && ms < d.back && (!current || d.dispatched > current.dispatched)) current = d;
  }
  if (!current) return { status: 'available', dispatch: null };
  const status: UnitStatus = ms < current.dispatched + MINUTE ? 'dispatched' : ms < current.arrive ? 'enRoute' : ms < current.leave ? 'onScene' : 'returning';
  return { status, dispatch: current };
}

function lerp(a: [number, number], b: [number, number], f: number): [number, number] {
  const g = Math.max(0, Math.min(1, f));
  return [Math.round((a[0] + (b[0] - a[0]) * g) * 1e6) / 1e6, Math.round((a[1] + (b[1] - a[1]) * g) * 1e6) / 1e6];
}

/**
 * The stream from `from` (inclusive) to `to` (exclusive), one tick per `city.stepSeconds`. Pure: no I/O, no clock;
 * any range can be generated on its own, and two adjacent ranges give exactly the ticks of their union.
 */
export function* simulate(city: City, from: string, to: string): Iterable<Tick> {
  const step = city.stepSeconds * 1000;
  const fromMs = Date.parse(from);
  const toMs = Date.parse(to);
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) throw new RangeError(`simulate: from and to must be ISO instants (got ${from}, ${to})`);
  const d = derive(city);
  let w: Window | null = null;
  for (let t = fromMs; t < toMs; t += step) {
    const day = localDayNumber(t);
    if (!w || w.day !== day) w = windowOf(city, day);
    yield tick(city, d, w, t, step);
  }
}

function tick(city: City, d: Derived, w: Window, t: number, step: number): Tick {
  const seed = city.seed;
  const end = t + step;
  const at = iso(t);
  const m = moment(city, w, t);
  const observations: Observation[] = [];
  const truth: TruthRecord[] = [];
  const inTick = (ms: number) => ms >= t && ms < end;

  // ---- ground truth of what starts in this tick -----------------------------------------------------
  const unitIds = (eventId: string) => w.dispatches.filter((x) => x.eventId === eventId).map((x) => city.units[x.unit]!.id);
  for (const a of w.accidents) {
    if (!inTick(a.start)) continue;
    const road = city.roads[a.road]!;
    truth.push({
      at: iso(a.start),
      kind: 'accident',
      id: a.id,
      real: true,
      roadSegment: road.id,
      district: road.district,
      location: locationOfRoad(road),
      start: iso(a.start),
      end: iso(a.end),
      recoveredAt: iso(a.recovered),
      capacityFactor: a.capacityFactor,
      queueSegments: a.queue.map((q) => city.roads[q]!.id),
      injuries: a.injuries,
      units: unitIds(a.id),
    });
  }
  for (const inc of w.incidents) {
    if (!inTick(inc.start)) continue;
    const building = city.buildings[inc.building]!;
    const triggers = w.triggers.filter((x) => x.eventId === inc.id);
    truth.push({
      at: iso(inc.start),
      kind: inc.kind,
      id: inc.id,
      real: true,
      building: building.id,
      district: building.district,
      location: building.location,
      start: iso(inc.start),
      end: iso(inc.end),
      occupancyState: occupancyState(building, scheduleAt(city, w, inc.building, inc.start), minuteOf(inc.start)),
      triggers: triggers.map((x) => ({ deviceId: city.sensors[city.securitySensors[x.sensor]!.sensor]!.deviceId, at: iso(x.at) })),
      casualties: inc.casualties,
      units: unitIds(inc.id),
    });
  }
  for (const e of w.episodes) {
    if (!inTick(e.start)) continue;
    truth.push({ at: iso(e.start), kind: 'pollutionEpisode', id: e.id, real: true, start: iso(e.start), end: iso(e.end), peakFactor: e.peakFactor, districts: 'all' });
  }
  const faultOf = new Map<number, SensorFault>();
  for (const f of w.faults) {
    if (inTick(f.start)) {
      const sensor = city.sensors[f.sensor]!;
      truth.push({ at: iso(f.start), kind: 'sensorFault', id: f.id, real: true, mode: f.mode, deviceId: sensor.deviceId, entityId: sensor.entityId, start: iso(f.start), end: iso(f.end) });
    }
    if (f.start <= t && t < f.end) faultOf.set(f.sensor, f);
  }
  const unpowered = new Set<number>();
  for (const o of w.outages) {
    if (inTick(o.start)) {
      truth.push({
        at: iso(o.start),
        kind: 'powerOutage',
        id: o.id,
        real: true,
        district: o.district,
        location: o.centre,
        radius: o.radius,
        start: iso(o.start),
        end: iso(o.end),
        reportedAt: iso(o.reportedAt),
        deviceIds: o.sensors.map((s) => city.sensors[s]!.deviceId),
      });
    }
    if (o.start <= t && t < o.end) for (const s of o.sensors) unpowered.add(s);
  }

  // ---- sensors that report every tick ------------------------------------------------------------------
  for (const sensor of d.periodic) {
    // mains-powered: nothing from inside a power outage (security sensors run on batteries and go on below)
    if (unpowered.has(sensor.index)) continue;
    const fault = faultOf.get(sensor.index);
    let values: Record<string, ObservationValue>;
    if (!fault) values = reading(city, d, sensor, m);
    else if (fault.mode === 'missing') continue;
    else if (fault.mode === 'stuck') values = reading(city, d, sensor, moment(city, w, fault.start));
    else values = spiked(reading(city, d, sensor, m), fault.factor);
    observations.push({ channel: 'device', deviceId: sensor.deviceId, values, observedAt: at });
  }

  // ---- security sensors: triggers, resets, hourly heartbeats -------------------------------------------
  const busy = new Set<number>();
  for (const x of w.triggers) {
    if (x.at <= t && t < x.resetAt) busy.add(x.sensor);
    const sensor = city.sensors[city.securitySensors[x.sensor]!.sensor]!;
    if (inTick(x.at)) {
      observations.push({ channel: 'device', deviceId: sensor.deviceId, values: { state: 'triggered', triggeredAt: iso(x.at), value: x.value }, observedAt: iso(x.at) });
      if (!x.real) {
        const spec = city.securitySensors[x.sensor]!;
        const building = city.buildings[spec.building]!;
        truth.push({
          at: iso(x.at),
          kind: 'noiseTrigger',
          id: x.id,
          real: false,
          cause: x.cause,
          deviceId: sensor.deviceId,
          sensorKind: spec.sensorKind,
          building: building.id,
          district: building.district,
          occupancyState: occupancyState(building, scheduleAt(city, w, spec.building, x.at), minuteOf(x.at)),
          windSpeed: round1(cityWeather(seed, x.at, localDayNumber(x.at)).windSpeed),
        });
      }
    }
    if (inTick(x.resetAt)) {
      observations.push({ channel: 'device', deviceId: sensor.deviceId, values: { state: 'idle', triggeredAt: iso(x.at), value: 0 }, observedAt: iso(x.resetAt) });
    }
  }
  const minuteOfHour = Math.floor((t % HOUR) / MINUTE);
  const stepMinutes = Math.max(1, Math.round(step / MINUTE));
  for (let k = 0; k < Math.min(60, stepMinutes); k++) {
    for (const s of d.heartbeatGroups[(minuteOfHour + k) % 60]!) {
      if (busy.has(s)) continue;
      const spec = city.securitySensors[s]!;
      const sensor = city.sensors[spec.sensor]!;
      const background = spec.sensorKind === 'gas' ? Math.round(2 + 6 * unit(seed, P.noiseTrigger, s, m.key)) : spec.sensorKind === 'smoke' ? round1(unit(seed, P.noiseTrigger, s, m.key)) : 0;
      observations.push({ channel: 'device', deviceId: sensor.deviceId, values: { state: 'idle', value: background }, observedAt: iso(t + k * MINUTE) });
    }
  }

  // ---- entities: accidents, hospitals, buildings, emergency vehicles ------------------------------------
  for (const a of w.accidents) {
    const started = inTick(a.start);
    if (!started && !inTick(a.end)) continue;
    const road = city.roads[a.road]!;
    observations.push({
      channel: 'entity',
      entity: {
        id: a.id,
        type: 'RoadAccident',
        location: { type: 'GeoProperty', value: { type: 'Point', coordinates: locationOfRoad(road) } },
        refRoadSegment: { type: 'Relationship', object: road.id },
        status: { type: 'Property', value: started ? 'active' : 'cleared', observedAt: iso(started ? a.start : a.end) },
        accidentDate: { type: 'Property', value: iso(a.start) },
        district: { type: 'Property', value: road.district },
      },
    });
  }
  // the grid company's reports: a few minutes after the power went, and when it is back
  for (const o of w.outages) {
    if (inTick(o.reportedAt)) observations.push({ channel: 'entity', entity: outageEntity(o, 'active') });
    if (inTick(o.end)) observations.push({ channel: 'entity', entity: outageEntity(o, 'restored') });
  }
  for (let k = 0; k < stepMinutes; k++) {
    const minute = Math.floor((t + k * MINUTE) / MINUTE);
    if (minute % 15 !== 0) continue;
    const ms = minute * MINUTE;
    for (const h of city.hospitals) observations.push({ channel: 'entity', entity: hospitalEntity(city, d, w, h.index, ms) });
  }
  for (const b of city.buildings) {
    const now = occupancyState(b, scheduleAt(city, w, b.index, t), m.minuteOfDay);
    const before = occupancyState(b, scheduleAt(city, w, b.index, t - step), minuteOf(t - step));
    if (now !== before) {
      observations.push({ channel: 'entity', entity: { id: b.id, type: 'Building', occupancyState: { type: 'Property', value: now, observedAt: at } } });
    }
  }
  for (const u of city.units) {
    const now = unitAt(w, u.index, t);
    const before = unitAt(w, u.index, t - step);
    const moving = now.status === 'enRoute' || now.status === 'returning';
    if (now.status === before.status && !(moving && Math.floor(t / MINUTE) % 2 === 0)) continue;
    let location = u.location;
    const dsp = now.dispatch;
    if (dsp) {
      if (now.status === 'enRoute') location = lerp(u.location, dsp.scene, (t - dsp.dispatched - MINUTE) / (dsp.arrive - dsp.dispatched - MINUTE));
      else if (now.status === 'onScene') location = dsp.scene;
      else if (now.status === 'returning') location = lerp(dsp.scene, u.location, (t - dsp.leave) / (dsp.back - dsp.leave));
    }
    const entity: NgsiEntity = {
      id: u.id,
      type: 'EmergencyVehicle',
      status: { type: 'Property', value: now.status, observedAt: at },
      location: { type: 'GeoProperty', value: { type: 'Point', coordinates: location }, observedAt: at },
    };
    if (dsp) entity['refIncident'] = { type: 'Property', value: dsp.eventId, observedAt: at };
    observations.push({ channel: 'entity', entity });
  }

  // ---- citizens: Open311 reports and public-opinion posts ----------------------------------------------
  reports(city, m, t, step, observations, truth);
  posts(city, w, m, t, step, observations, truth);

  truth.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return { at, observations, truth };
}

function outageEntity(o: PowerOutage, status: 'active' | 'restored'): NgsiEntity {
  const entity: NgsiEntity = {
    id: o.id,
    type: 'PowerOutage',
    status: { type: 'Property', value: status, observedAt: iso(status === 'active' ? o.reportedAt : o.end) },
    location: { type: 'GeoProperty', value: { type: 'Point', coordinates: o.centre } },
    radius: { type: 'Property', value: o.radius, unitCode: 'MTR' },
    district: { type: 'Property', value: o.district },
    startedAt: { type: 'Property', value: iso(o.start) },
    affectedDevices: { type: 'Property', value: o.sensors.length },
  };
  if (status === 'restored') entity['restoredAt'] = { type: 'Property', value: iso(o.end) };
  return entity;
}

function minuteOf(ms: number): number {
  return Math.floor(((ms + LOCAL_OFFSET_MS) % 86_400_000) / MINUTE);
}

function scheduleAt(city: City, w: Window, building: number, ms: number): DaySchedule {
  const day = localDayNumber(ms);
  if (day === w.day) return w.schedules[building]!;
  if (day === w.day - 1) return w.yesterdaySchedules[building]!;
  return daySchedule(city.seed, city.buildings[building]!, day, dayTypeOfDay(day));
}

function hospitalEntity(city: City, d: Derived, w: Window, index: number, ms: number): NgsiEntity {
  const h = city.hospitals[index]!;
  let patients = 0;
  const since = ms - 3 * HOUR;
  for (const a of w.accidents) {
    if (a.injuries > 0 && a.start > since && a.start <= ms && d.hospitalOfRoad[a.road] === index) patients += a.injuries * 3 * (1 - (ms - a.start) / (3 * HOUR));
  }
  for (const inc of w.incidents) {
    if (inc.casualties > 0 && inc.start > since && inc.start <= ms && d.hospitalOfBuilding[inc.building] === index) patients += inc.casualties * 3 * (1 - (ms - inc.start) / (3 * HOUR));
  }
  const day = localDayNumber(ms);
  const localHour = (((ms + LOCAL_OFFSET_MS) % 86_400_000) / HOUR);
  const r = hospitalReading(city.seed, h, day, localHour, ms, Math.round(patients));
  const observedAt = iso(ms);
  return {
    id: h.id,
    type: 'Hospital',
    availableBeds: { type: 'Property', value: r.availableBeds, observedAt },
    bedOccupancy: { type: 'Property', value: r.bedOccupancy, observedAt },
    emergencyWaiting: { type: 'Property', value: r.emergencyWaiting, observedAt },
    emergencyLoad: { type: 'Property', value: r.emergencyLoad, observedAt },
  };
}

const REPORT_RATE: Record<City['size'], number> = { tiny: 0.5, small: 1, city: 3 };
const POST_RATE: Record<City['size'], number> = { tiny: 2, small: 6, city: 15 };
const LANES = ['motorway', 'motorway', 'bike', 'sidewalk'];
const NOISE_SOURCES = ['entertainment', 'traffic', 'other'];

function reports(city: City, m: Moment, t: number, step: number, observations: Observation[], truth: TruthRecord[]): void {
  const seed = city.seed;
  const hours = step / HOUR;
  const scale = REPORT_RATE[city.size];
  const night = m.localHour >= 22 || m.localHour < 6;
  const awake = m.localHour >= 7 && m.localHour < 23 ? 1 : 0.15;
  const rainBoost = 1 + 3 * Math.min(1, m.weather.rainLast24h / 3);
  const rates: [string, number][] = [
    ['pothole', 0.12 * rainBoost * awake],
    ['streetlight', night || m.localHour >= 18 ? 0.12 : 0.03],
    ['garbage', 0.1 * awake],
    ['noise', night ? 0.08 + 0.6 * m.nightConstruction.size : 0.02],
  ];
  rates.forEach(([code, rate], c) => {
    const n = poisson(seed, P.report, rate * scale * hours, m.key, c);
    for (let k = 0; k < n; k++) {
      const r = (salt: number) => unit(seed, P.report, m.key, c * 16 + k, salt);
      let district = city.districts[hash(seed, P.report, m.key, c * 16 + k, 1) % city.districts.length]!.id;
      let location: [number, number];
      let cause = code === 'pothole' && m.weather.rainLast24h > 0.5 ? 'rain' : 'wear';
      const attributes: Record<string, string> = {};
      if (code === 'noise' && m.nightConstruction.size > 0 && r(2) < 0.75) {
        const sites = [...m.nightConstruction];
        const site = city.constructionSites[sites[Math.floor(r(3) * sites.length)]!]!;
        district = site.district;
        location = [site.location[0] + (r(4) - 0.5) * 0.006, site.location[1] + (r(5) - 0.5) * 0.006];
        attributes['source'] = 'construction';
        cause = 'nightConstruction';
      } else {
        const plan = PLAN.get(district)!;
        location = [plan.centre[0] + (r(4) - 0.5) * 0.05, plan.centre[1] + (r(5) - 0.5) * 0.045];
        if (code === 'noise') {
          attributes['source'] = NOISE_SOURCES[Math.floor(r(6) * NOISE_SOURCES.length)]!;
          cause = attributes['source'];
        }
      }
      if (code === 'pothole') {
        attributes['depth_cm'] = String(Math.round(3 + 12 * r(7)));
        attributes['lane'] = LANES[Math.floor(r(8) * LANES.length)]!;
      }
      if (code === 'streetlight') attributes['pole_number'] = `HZ-LD-${10000 + Math.floor(r(9) * 89999)}`;
      const plan = PLAN.get(district)!;
      const place = code === 'noise' && attributes['source'] === 'construction' ? '地铁施工工地' : plan.landmarks[Math.floor(r(10) * plan.landmarks.length)]!;
      const templates = REPORT_TEXTS[code]!;
      const description = fill(templates[Math.floor(r(11) * templates.length)]!, plan.name, place);
      const lat = Math.round(location[1] * 1e6) / 1e6;
      const long = Math.round(location[0] * 1e6) / 1e6;
      const report: Observation = { channel: 'report', serviceCode: code, lat, long, description };
      if (Object.keys(attributes).length > 0) report.attributes = attributes;
      observations.push(report);
      truth.push({ at: iso(t), kind: 'citizenReport', id: `hz-report-${m.key}-${c}-${k}`, real: true, serviceCode: code, district, cause, lat, long });
    }
  });
}

function posts(city: City, w: Window, m: Moment, t: number, step: number, observations: Observation[], truth: TruthRecord[]): void {
  const seed = city.seed;
  const hours = step / HOUR;
  const awake = m.localHour >= 7 && m.localHour < 24 ? 1 : 0.2;
  // incidents of the last three hours make people post, and post angrily
  const recent: { kind: string; district: string; place: string; id: string }[] = [];
  for (const a of w.accidents) {
    if (a.start <= t && t - a.start < 3 * HOUR) {
      const road = city.roads[a.road]!;
      recent.push({ kind: 'accident', district: road.district, place: road.name.split('（')[0]!, id: a.id });
    }
  }
  for (const inc of w.incidents) {
    if (inc.start <= t && t - inc.start < 3 * HOUR && inc.kind !== 'breakIn') {
      const b = city.buildings[inc.building]!;
      recent.push({ kind: inc.kind, district: b.district, place: b.name.replace(/\d.*$/, ''), id: inc.id });
    }
    if (inc.kind === 'breakIn' && inc.start <= t && t - inc.start < 6 * HOUR) {
      const b = city.buildings[inc.building]!;
      recent.push({ kind: 'breakIn', district: b.district, place: b.name.replace(/\d.*$/, ''), id: inc.id });
    }
  }
  for (const e of w.episodes) {
    if (e.start + 6 * HOUR <= t && t < e.end) recent.push({ kind: 'pollutionEpisode', district: city.districts[Math.floor(t / HOUR) % city.districts.length]!.id, place: '', id: e.id });
  }
  const boost = 1.2 * Math.min(recent.length, 8);
  const rate = POST_RATE[city.size] * awake + boost;
  const n = poisson(seed, P.post, rate * hours, m.key);
  for (let k = 0; k < n; k++) {
    const r = (salt: number) => unit(seed, P.post, m.key, k, salt);
    const about = recent.length > 0 && r(1) < boost / rate ? recent[Math.floor(r(2) * recent.length)]! : null;
    let text: string;
    let topic: string;
    let district: string;
    let sentiment: number;
    if (about) {
      const spec = INCIDENT_POSTS[about.kind]!;
      topic = spec.topic;
      district = about.district;
      text = fill(spec.texts[Math.floor(r(3) * spec.texts.length)]!, DISTRICT_NAME.get(about.district as never) ?? '', about.place);
      sentiment = -0.4 - 0.55 * r(4);
    } else {
      topic = TOPICS[Math.floor(r(5) * TOPICS.length)]!;
      const plan = DISTRICT_PLANS[Math.floor(r(6) * DISTRICT_PLANS.length)]!;
      district = plan.id;
      const tone = r(7) < 0.35 ? 0 : r(7) < 0.7 ? 1 : 2;
      const list = EVERYDAY_POSTS[topic as keyof typeof EVERYDAY_POSTS][tone]!;
      text = fill(list[Math.floor(r(8) * list.length)]!, plan.name, plan.landmarks[Math.floor(r(9) * plan.landmarks.length)]!);
      sentiment = tone === 0 ? 0.3 + 0.6 * r(10) : tone === 1 ? -0.2 + 0.4 * r(10) : -0.3 - 0.5 * r(10);
    }
    const publishedAt = iso(t + Math.floor(r(11) * (step / 1000)) * 1000);
    const id = `urn:ngsi-ld:PublicOpinionPost:hz-post-${m.key}${String(k).padStart(2, '0')}`;
    observations.push({
      channel: 'entity',
      entity: {
        id,
        type: 'PublicOpinionPost',
        text: { type: 'Property', value: text },
        topic: { type: 'Property', value: topic },
        district: { type: 'Property', value: district },
        sentiment: { type: 'Property', value: Math.round(sentiment * 100) / 100 },
        publishedAt: { type: 'Property', value: publishedAt },
      },
    });
    if (about) truth.push({ at: publishedAt, kind: 'post', id, real: true, about: about.id, topic, district });
  }
}
