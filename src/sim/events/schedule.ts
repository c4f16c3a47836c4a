/** The event schedule of one local day, pure in (seed, day): accidents, fires, gas leaks, break-ins, pollution episodes, sensor faults, power outages, harmless security triggers. */
import { dayTypeOfDay, isHeatingSeason, LOCAL_OFFSET_MS } from '../calendar.ts';
import type { Building, City, RoadSegment, SecurityKind, VehicleKind } from '../model.ts';
import { distanceMetres } from '../city/build.ts';
import { hash, P, poisson, unit } from '../random.ts';
import { daySchedule, occupancyState } from '../rhythms/occupancy.ts';
import { DEMAND_PROFILE } from '../rhythms/traffic.ts';
import { cityWeather } from '../rhythms/weather.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

export interface Accident {
  id: string;
  road: number;
  start: number;
  /** cleared from the road */
  end: number;
  /** capacity back to normal */
  recovered: number;
  capacityFactor: number;
  /** upstream segments the queue reaches, nearest first */
  queue: number[];
  injuries: number;
}

export interface BuildingIncident {
  kind: 'fire' | 'gasLeak' | 'breakIn';
  id: string;
  building: number;
  start: number;
  end: number;
  casualties: number;
}

export interface PollutionEpisode {
  id: string;
  start: number;
  end: number;
  peakFactor: number;
}

export type FaultMode = 'missing' | 'stuck' | 'spike';

export interface SensorFault {
  id: string;
  sensor: number;
  mode: FaultMode;
  start: number;
  end: number;
  /** spike multiplier */
  factor: number;
}

/** A power cut over an area: the periodic sensors inside it (mains-powered) send nothing while it lasts. */
export interface PowerOutage {
  id: string;
  district: string;
  /** [lon, lat] of the area's centre */
  centre: [number, number];
  /** metres */
  radius: number;
  start: number;
  /** power back */
  end: number;
  /** when the grid company's report of it arrives (2–5 min after the start) */
  reportedAt: number;
  /** indices in `City.sensors` of the periodic sensors inside the area */
  sensors: number[];
}

/** A raw security-sensor trigger: a real event's or a harmless one (`cause`). */
export interface SecurityTrigger {
  id: string;
  at: number;
  /** index in `City.securitySensors` */
  sensor: number;
  value: number;
  /** back to idle */
  resetAt: number;
  real: boolean;
  cause: string;
  /** the real event it belongs to */
  eventId: string | null;
}

export interface Dispatch {
  unit: number;
  eventId: string;
  scene: [number, number];
  dispatched: number;
  arrive: number;
  leave: number;
  back: number;
}

export interface DayEvents {
  accidents: Accident[];
  incidents: BuildingIncident[];
  episodes: PollutionEpisode[];
  faults: SensorFault[];
  outages: PowerOutage[];
  triggers: SecurityTrigger[];
  dispatches: Dispatch[];
}

const MAX_PROFILE = Math.max(...DEMAND_PROFILE.workday);

/** Rates (per object per day). */
export const RATES = {
  accidentPerRoad: 0.05,
  breakInPerBuilding: 0.006,
  firePerBuilding: 0.001,
  gasLeakPerHome: 0.0015,
  faultPerSensor: 0.004,
  outagePerDistrict: 0.02,
} as const;

function sensorOf(city: City, building: Building, kind: SecurityKind): number {
  for (let s = building.firstSensor; s < building.firstSensor + building.sensorCount; s++) {
    if (city.securitySensors[s]?.sensorKind === kind) return s;
  }
  return -1;
}

function locationOfRoad(road: RoadSegment): [number, number] {
  const [a, b] = road.coordinates as [[number, number], [number, number]];
  return [Math.round(((a[0] + b[0]) / 2) * 1e6) / 1e6, Math.round(((a[1] + b[1]) / 2) * 1e6) / 1e6];
}

export { locationOfRoad };

function distanceKm(a: [number, number], b: [number, number]): number {
  const dx = (a[0] - b[0]) * 96.5;
  const dy = (a[1] - b[1]) * 111.3;
  return Math.sqrt(dx * dx + dy * dy);
}

/** The unit of a kind sent to a scene: one of the two nearest, chosen by the event's hash (no running state). */
function dispatch(city: City, kind: VehicleKind, eventId: string, eventKey: number, scene: [number, number], detected: number, sceneEnd: number): Dispatch | null {
  const candidates = city.units
    .filter((u) => u.kind === kind)
    .map((u) => ({ u, d: distanceKm(u.location, scene) }))
    .sort((a, b) => a.d - b.d || a.u.index - b.u.index);
  if (candidates.length === 0) return null;
  const pick = candidates[candidates.length > 1 && unit(city.seed, P.dispatch, eventKey, 1) < 0.25 ? 1 : 0]!;
  const travel = Math.round(Math.min(40, 2 + (pick.d / 35) * 60)) * MINUTE;
  const dispatched = detected + MINUTE;
  const arrive = dispatched + MINUTE + travel;
  const leave = Math.max(arrive + 10 * MINUTE, sceneEnd);
  return { unit: pick.u.index, eventId, scene, dispatched, arrive, leave, back: leave + travel };
}

const cache = new Map<string, DayEvents>();

/** Everything that starts on local day `day`. */
export function dayEvents(city: City, day: number): DayEvents {
  const key = `${city.seed}:${city.size}:${day}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const events = generate(city, day);
  if (cache.size > 64) cache.clear();
  cache.set(key, events);
  return events;
}

function generate(city: City, day: number): DayEvents {
  const seed = city.seed;
  const dayStart = day * DAY - LOCAL_OFFSET_MS;
  const dayType = dayTypeOfDay(day);
  const profile = DEMAND_PROFILE[dayType];
  const u = (purpose: number, a: number, b = 0) => unit(seed, purpose, day, a, b);
  const dispatches: Dispatch[] = [];

  // accidents: more at busy times and in the rain, more on main roads
  const accidents: Accident[] = [];
  const candidates = poisson(seed, P.accident, city.roads.length * RATES.accidentPerRoad * 2.2, day);
  for (let k = 0; k < candidates; k++) {
    const minute = Math.floor(u(P.accident, k, 1) * 1440);
    const start = dayStart + minute * MINUTE + Math.floor(u(P.accident, k, 2) * 60) * 1000;
    const raining = cityWeather(seed, start, day).precipitation > 0.5;
    const accept = (0.25 + 0.75 * ((profile[minute] ?? 0) / MAX_PROFILE)) * (raining ? 1 : 0.6);
    if (u(P.accident, k, 3) >= accept) continue;
    let road = city.roads[hash(seed, P.accident, day, k, 4) % city.roads.length]!;
    if (road.roadClass === 'local' && u(P.accident, k, 5) < 0.5) road = city.roads[hash(seed, P.accident, day, k, 6) % city.roads.length]!;
    const duration = Math.round(25 + 95 * u(P.accident, k, 7) ** 1.5) * MINUTE;
    const queue: number[] = [];
    let up = road.upstream;
    const reach = duration > 45 * MINUTE ? 2 : 1;
    while (up >= 0 && queue.length < reach) {
      queue.push(up);
      up = city.roads[up]!.upstream;
    }
    const id = `urn:ngsi-ld:RoadAccident:hz-accident-${day}${String(k).padStart(3, '0')}`;
    const accident: Accident = {
      id,
      road: road.index,
      start,
      end: start + duration,
      recovered: start + duration + 15 * MINUTE,
      capacityFactor: Math.round((0.25 + 0.3 * u(P.accident, k, 8)) * 100) / 100,
      queue,
      injuries: u(P.accident, k, 9) < 0.35 ? 1 + Math.floor(u(P.accident, k, 10) * 3) : 0,
    };
    accidents.push(accident);
    const scene = locationOfRoad(road);
    const police = dispatch(city, 'policeCar', id, day * 1000 + k, scene, start + 2 * MINUTE, accident.end);
    if (police) dispatches.push(police);
    if (accident.injuries > 0) {
      const ambulance = dispatch(city, 'ambulance', id, day * 1000 + k + 500, scene, start + 2 * MINUTE, start + 2 * MINUTE + 25 * MINUTE);
      if (ambulance) dispatches.push(ambulance);
    }
  }

  // building incidents and harmless triggers
  const incidents: BuildingIncident[] = [];
  const triggers: SecurityTrigger[] = [];
  const trigger = (building: Building, kind: SecurityKind, at: number, value: number, resetAt: number, real: boolean, cause: string, eventId: string | null) => {
    const sensor = sensorOf(city, building, kind);
    if (sensor < 0 || at < dayStart - DAY) return;
    triggers.push({ id: `hz-trigger-${day}-${sensor}-${triggers.length}`, at, sensor, value, resetAt, real, cause, eventId });
  };
  const at = (minuteOfDay: number, k: number, building: number, salt: number) =>
    dayStart + Math.floor(minuteOfDay) * MINUTE + Math.floor(unit(seed, P.noiseTrigger, day, building * 64 + salt, k + 1000) * 60) * 1000;

  for (const building of city.buildings) {
    const b = building.index;
    const schedule = daySchedule(seed, building, day, dayType);
    const r = (salt: number, k = 0) => unit(seed, P.noiseTrigger, day, b * 64 + salt, k);
    const stateAt = (minute: number) => occupancyState(building, schedule, minute);
    const residential = building.category === 'residential';

    // real: break-in (door or window, then motion within minutes), mostly while away or at night
    if (unit(seed, P.breakIn, day, b) < RATES.breakInPerBuilding) {
      const daytime = unit(seed, P.breakIn, day, b, 1) < 0.7;
      const minute = daytime ? 600 + unit(seed, P.breakIn, day, b, 2) * 360 : 60 + unit(seed, P.breakIn, day, b, 2) * 180;
      const start = dayStart + Math.floor(minute) * MINUTE;
      const id = `hz-breakin-${day}-${b}`;
      const entry: SecurityKind = residential && unit(seed, P.breakIn, day, b, 3) < 0.3 ? 'window' : 'door';
      const inside = start + (1 + Math.floor(unit(seed, P.breakIn, day, b, 4) * 4)) * MINUTE;
      incidents.push({ kind: 'breakIn', id, building: b, start, end: inside + 10 * MINUTE, casualties: 0 });
      trigger(building, entry, start, 1, start + 2 * MINUTE, true, 'intruder', id);
      trigger(building, 'motion', inside, 1, inside + 2 * MINUTE, true, 'intruder', id);
      const police = dispatch(city, 'policeCar', id, day * 100_000 + b, building.location, inside + 2 * MINUTE, inside + 30 * MINUTE);
      if (police) dispatches.push(police);
    }
    // real: fire (smoke), more in the heating season and at cooking times
    if (unit(seed, P.fire, day, b) < RATES.firePerBuilding * (isHeatingSeason(day) ? 1.5 : 1)) {
      const minute = unit(seed, P.fire, day, b, 1) < 0.5 ? 1020 + unit(seed, P.fire, day, b, 2) * 180 : unit(seed, P.fire, day, b, 2) * 1440;
      const start = dayStart + Math.floor(minute) * MINUTE;
      const id = `hz-fire-${day}-${b}`;
      const end = start + Math.round(30 + 90 * unit(seed, P.fire, day, b, 3)) * MINUTE;
      const casualties = unit(seed, P.fire, day, b, 4) < 0.3 ? 1 + Math.floor(unit(seed, P.fire, day, b, 5) * 3) : 0;
      incidents.push({ kind: 'fire', id, building: b, start, end, casualties });
      const detected = start + 3 * MINUTE;
      trigger(building, 'smoke', detected, Math.round(18 + 25 * unit(seed, P.fire, day, b, 6)), end, true, 'fire', id);
      const engine = dispatch(city, 'fireEngine', id, day * 100_000 + b + 50_000, building.location, detected, end);
      if (engine) dispatches.push(engine);
      if (casualties > 0) {
        const ambulance = dispatch(city, 'ambulance', id, day * 100_000 + b + 60_000, building.location, detected, detected + 40 * MINUTE);
        if (ambulance) dispatches.push(ambulance);
      }
    }
    // real: gas leak (homes)
    if (residential && unit(seed, P.gasLeak, day, b) < RATES.gasLeakPerHome) {
      const start = dayStart + Math.floor(unit(seed, P.gasLeak, day, b, 1) * 1440) * MINUTE;
      const id = `hz-gasleak-${day}-${b}`;
      const detected = start + Math.round(3 + 7 * unit(seed, P.gasLeak, day, b, 2)) * MINUTE;
      const end = detected + Math.round(40 + 60 * unit(seed, P.gasLeak, day, b, 3)) * MINUTE;
      incidents.push({ kind: 'gasLeak', id, building: b, start, end, casualties: 0 });
      trigger(building, 'gas', detected, Math.round(250 + 650 * unit(seed, P.gasLeak, day, b, 4)), end, true, 'gasLeak', id);
      const engine = dispatch(city, 'fireEngine', id, day * 100_000 + b + 70_000, building.location, detected, end);
      if (engine) dispatches.push(engine);
    }

    // noise: the harmless triggers that make up almost all raw security triggers
    if (residential) {
      const windows = poisson(seed, P.noiseTrigger, 4, day, b * 64 + 1);
      for (let k = 0; k < windows; k++) {
        const minute = r(2, k) * 1440;
        const t = at(minute, k, b, 2);
        if (cityWeather(seed, t, day).windSpeed > 5 && r(3, k) < 0.7) trigger(building, 'window', t, 1, t + 2 * MINUTE, false, 'wind', null);
      }
      if (building.pet) {
        const n = poisson(seed, P.noiseTrigger, 1.5, day, b * 64 + 4);
        for (let k = 0; k < n; k++) {
          const minute = r(5, k) * 1440;
          const state = stateAt(Math.floor(minute));
          if (state !== 'home') trigger(building, 'motion', at(minute, k, b, 5), 1, at(minute, k, b, 5) + 2 * MINUTE, false, 'pet', null);
        }
      }
      const sun = poisson(seed, P.noiseTrigger, 0.8, day, b * 64 + 6);
      for (let k = 0; k < sun; k++) {
        const minute = 600 + r(7, k) * 360;
        const t = at(minute, k, b, 7);
        if (cityWeather(seed, t, day).precipitation < 0.1) trigger(building, 'motion', t, 1, t + 2 * MINUTE, false, 'sunlight', null);
      }
      if (!schedule.stayIn && r(8) < 0.45) {
        const t = dayStart + schedule.back * MINUTE + Math.floor(r(9) * 50) * 1000;
        trigger(building, 'door', t, 1, t + 2 * MINUTE, false, 'residentReturning', null);
        trigger(building, 'motion', t + 70_000, 1, t + 190_000, false, 'residentReturning', null);
      }
      const cooking = poisson(seed, P.noiseTrigger, 0.08, day, b * 64 + 10);
      for (let k = 0; k < cooking; k++) {
        const minute = r(11, k) < 0.4 ? 690 + r(12, k) * 60 : 1050 + r(12, k) * 90;
        const t = at(minute, k, b, 12);
        trigger(building, 'smoke', t, Math.round(6 + 6 * r(13, k)), t + 3 * MINUTE, false, 'cooking', null);
      }
      if (poisson(seed, P.noiseTrigger, 0.02, day, b * 64 + 14) > 0) {
        const t = at(r(15) * 1440, 0, b, 15);
        trigger(building, 'gas', t, Math.round(55 + 40 * r(16)), t + 2 * MINUTE, false, 'sensorDrift', null);
      }
    } else {
      if (dayType === 'workday' && r(17) < 0.4) {
        const t = at(500 + r(18) * 40, 0, b, 18);
        trigger(building, 'door', t, 1, t + 2 * MINUTE, false, 'staffArriving', null);
      }
      if (r(19) < 0.35) {
        const t = at(1140 + r(20) * 120, 0, b, 20);
        trigger(building, 'motion', t, 1, t + 2 * MINUTE, false, 'cleaner', null);
      }
      const sun = poisson(seed, P.noiseTrigger, 0.5, day, b * 64 + 21);
      for (let k = 0; k < sun; k++) {
        const t = at(600 + r(22, k) * 360, k, b, 22);
        if (cityWeather(seed, t, day).precipitation < 0.1) trigger(building, 'motion', t, 1, t + 2 * MINUTE, false, 'sunlight', null);
      }
    }
  }
  triggers.sort((a, b) => a.at - b.at || a.sensor - b.sensor);

  // pollution episodes: stagnant air, mostly in the heating season
  const episodes: PollutionEpisode[] = [];
  if (unit(seed, P.pollution, day) < (isHeatingSeason(day) ? 0.1 : 0.025)) {
    const start = dayStart + Math.floor(unit(seed, P.pollution, day, 1) * 24) * HOUR;
    episodes.push({
      id: `hz-episode-${day}`,
      start,
      end: start + Math.round(24 + 48 * unit(seed, P.pollution, day, 2)) * HOUR,
      peakFactor: Math.round((1.6 + unit(seed, P.pollution, day, 3)) * 100) / 100,
    });
  }

  // sensor faults on the sensors that report every minute
  const faults: SensorFault[] = [];
  const periodic = city.sensors.filter((s) => s.kind !== 'security');
  const nFaults = poisson(seed, P.fault, periodic.length * RATES.faultPerSensor, day);
  for (let k = 0; k < nFaults; k++) {
    const sensor = periodic[hash(seed, P.fault, day, k, 1) % periodic.length]!;
    const x = unit(seed, P.fault, day, k, 2);
    const mode: FaultMode = x < 0.4 ? 'missing' : x < 0.75 ? 'stuck' : 'spike';
    const start = dayStart + Math.floor(unit(seed, P.fault, day, k, 3) * 1440) * MINUTE;
    const minutes = mode === 'missing' ? 20 + 220 * unit(seed, P.fault, day, k, 4) : mode === 'stuck' ? 60 + 420 * unit(seed, P.fault, day, k, 4) : 1 + 2 * unit(seed, P.fault, day, k, 4);
    faults.push({
      id: `hz-fault-${day}-${k}`,
      sensor: sensor.index,
      mode,
      start,
      end: start + Math.round(minutes) * MINUTE,
      factor: Math.round((4 + 6 * unit(seed, P.fault, day, k, 5)) * 10) / 10,
    });
  }

  accidents.sort((a, b) => a.start - b.start);
  incidents.sort((a, b) => a.start - b.start);
  faults.sort((a, b) => a.start - b.start || a.sensor - b.sensor);
  dispatches.sort((a, b) => a.dispatched - b.dispatched || a.unit - b.unit);
  return { accidents, incidents, episodes, faults, outages: powerOutages(city, day, dayStart, periodic), triggers, dispatches };
}

/**
 * Power outages (区域停电): about 0.02 per district per day (a week of the city has one or two), 20–120 min, over a
 * circle of 1–3 km around a point of the district's urban area. Their own PRNG stream (`P.outage`), so adding them
 * moved no other draw; the only change to the rest of the stream is the readings they silence.
 */
function powerOutages(city: City, day: number, dayStart: number, periodic: City['sensors']): PowerOutage[] {
  const seed = city.seed;
  const outages: PowerOutage[] = [];
  city.districts.forEach((district, di) => {
    const n = poisson(seed, P.outage, RATES.outagePerDistrict, day, di);
    for (let k = 0; k < n; k++) {
      const u = (salt: number) => unit(seed, P.outage, day, di * 16 + k, salt);
      const start = dayStart + Math.floor(u(1) * 1440) * MINUTE;
      const centre: [number, number] = [Math.round((district.centre[0] + (u(2) - 0.5) * 0.04) * 1e6) / 1e6, Math.round((district.centre[1] + (u(3) - 0.5) * 0.036) * 1e6) / 1e6];
      const radius = Math.round((1000 + 2000 * u(4)) / 10) * 10;
      const sensors = periodic.filter((s) => distanceMetres(s.location, centre) <= radius).map((s) => s.index);
      outages.push({
        id: '',
        district: district.id,
        centre,
        radius,
        start,
        end: start + Math.round(20 + 100 * u(5)) * MINUTE,
        reportedAt: start + Math.round(2 + 3 * u(6)) * MINUTE,
        sensors,
      });
    }
  });
  outages.sort((a, b) => a.start - b.start || (a.district < b.district ? -1 : 1));
  outages.forEach((o, n) => {
    o.id = `urn:ngsi-ld:PowerOutage:hz-outage-${day}-${n}`;
  });
  return outages;
}
