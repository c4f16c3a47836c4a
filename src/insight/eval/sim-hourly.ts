/**
 * Hourly indicators of a simulated city, computed in-process from its stream (`simulate`) with the pure indicator
 * functions: AQI per station and city, congestion and speed per road, district and city, car-park occupancy and
 * hospital load for the city. Used by `npm run eval:anomaly` and the what-if scenario; no hub, no database.
 */
import type { City, Tick } from '../../sim/model.ts';
import { hourlyAqi } from '../indicators/aqi.ts';
import { hospitalLoad } from '../indicators/services.ts';
import { type RoadReading, trafficFigure } from '../indicators/traffic.ts';

const HOUR = 3_600_000;
const POLLUTANTS = ['pm25', 'pm10', 'so2', 'no2', 'co', 'o3'] as const;

/** One series per scope id; `values[i]` covers the hour starting at `hours[i]` (null: no reading). */
export interface HourlyCity {
  hours: number[];
  aqi: Map<string, (number | null)[]>;
  congestion: Map<string, (number | null)[]>;
  speed: Map<string, (number | null)[]>;
  parkingOccupancy: (number | null)[];
  hospitalLoad: (number | null)[];
  emergencyLoad: (number | null)[];
  /** district of each station/road scope id */
  districtOf: Map<string, string>;
}

interface Acc {
  air: Map<number, Float64Array>; // station → sums of the pollutants, count last
  road: Map<number, Float64Array>; // road → congestion, speed, intensity, count
  park: Map<number, Float64Array>; // car park → occupied spots, count
  hospital: Map<number, Float64Array>; // hospital → available beds, emergency load, waiting, count
}

const newAcc = (): Acc => ({ air: new Map(), road: new Map(), park: new Map(), hospital: new Map() });
const add = (m: Map<number, Float64Array>, k: number, size: number, values: number[]) => {
  let a = m.get(k);
  if (!a) {
    a = new Float64Array(size + 1);
    m.set(k, a);
  }
  for (let i = 0; i < size; i++) a[i]! += values[i]!;
  a[size]! += 1;
};

/** Options: `roads: true` also keeps a series per road (356 at `small`). */
export function hourlyIndicators(city: City, ticks: Iterable<Tick>, from: number, to: number, options: { roads?: boolean } = {}): HourlyCity {
  const sensorOf = new Map(city.sensors.map((s) => [s.deviceId, s]));
  const hospitalIndex = new Map(city.hospitals.map((h) => [h.id, h.index]));
  const hours: number[] = [];
  for (let h = Math.floor(from / HOUR) * HOUR; h < to; h += HOUR) hours.push(h);
  const acc = hours.map(newAcc);
  for (const tick of ticks) {
    const t = Date.parse(tick.at);
    const i = Math.floor((t - hours[0]!) / HOUR);
    const a = acc[i];
    if (!a) continue;
    for (const o of tick.observations) {
      if (o.channel === 'device') {
        const s = sensorOf.get(o.deviceId);
        if (!s) continue;
        const v = o.values as Record<string, number>;
        if (s.kind === 'air') add(a.air, s.ref, 6, POLLUTANTS.map((p) => v[p] ?? 0));
        else if (s.kind === 'traffic') add(a.road, s.ref, 3, [v.congestionIndex ?? 1, v.averageVehicleSpeed ?? 0, v.intensity ?? 0]);
        else if (s.kind === 'parking') {
          const park = city.carParks[s.ref]!;
          add(a.park, s.ref, 1, [park.totalSpots - (v.availableSpotNumber ?? 0)]);
        }
      } else if (o.channel === 'entity' && o.entity.type === 'Hospital') {
        const h = hospitalIndex.get(o.entity.id);
        if (h === undefined) continue;
        const p = (k: string) => Number((o.entity[k] as { value?: unknown } | undefined)?.value ?? 0);
        add(a.hospital, h, 3, [p('availableBeds'), p('emergencyLoad'), p('emergencyWaiting')]);
      }
    }
  }
  const out: HourlyCity = {
    hours,
    aqi: new Map(),
    congestion: new Map(),
    speed: new Map(),
    parkingOccupancy: [],
    hospitalLoad: [],
    emergencyLoad: [],
    districtOf: new Map(),
  };
  const series = (m: Map<string, (number | null)[]>, k: string) => {
    let s = m.get(k);
    if (!s) {
      s = new Array(hours.length).fill(null);
      m.set(k, s);
    }
    return s;
  };
  for (const st of city.airStations) out.districtOf.set(`station-${st.index}`, st.district);
  for (const r of city.roads) out.districtOf.set(r.id, r.district);
  acc.forEach((a, i) => {
    // AQI: per station from its hourly mean concentrations; the city from the mean over stations
    const cityMean = new Float64Array(6);
    let stations = 0;
    for (const [k, sums] of a.air) {
      const n = sums[6]!;
      const c = Object.fromEntries(POLLUTANTS.map((p, j) => [p, sums[j]! / n]));
      series(out.aqi, `station-${k}`)[i] = hourlyAqi(c).aqi;
      POLLUTANTS.forEach((_, j) => {
        cityMean[j]! += sums[j]! / n;
      });
      stations++;
    }
    if (stations > 0) series(out.aqi, 'city')[i] = hourlyAqi(Object.fromEntries(POLLUTANTS.map((p, j) => [p, cityMean[j]! / stations]))).aqi;
    // traffic: hourly mean per road, then flow×length-weighted per district and city
    const readings: RoadReading[] = [];
    for (const [k, sums] of a.road) {
      const road = city.roads[k]!;
      const n = sums[3]!;
      const r: RoadReading = { roadId: road.id, district: road.district, congestionIndex: sums[0]! / n, speed: sums[1]! / n, intensity: sums[2]! / n, length: road.length };
      readings.push(r);
      if (options.roads) {
        series(out.congestion, road.id)[i] = Math.round(r.congestionIndex * 1000) / 1000;
        series(out.speed, road.id)[i] = Math.round(r.speed * 10) / 10;
      }
    }
    const byDistrict = new Map<string, RoadReading[]>();
    for (const r of readings) byDistrict.set(r.district!, [...(byDistrict.get(r.district!) ?? []), r]);
    for (const [d, rs] of byDistrict) {
      const f = trafficFigure(rs);
      if (!f) continue;
      series(out.congestion, d)[i] = f.congestion;
      series(out.speed, d)[i] = f.speed;
    }
    const cityTraffic = trafficFigure(readings);
    if (cityTraffic) {
      series(out.congestion, 'city')[i] = cityTraffic.congestion;
      series(out.speed, 'city')[i] = cityTraffic.speed;
    }
    // car parks and hospitals: the city
    let spots = 0;
    let taken = 0;
    for (const [k, sums] of a.park) {
      spots += city.carParks[k]!.totalSpots;
      taken += sums[0]! / sums[1]!;
    }
    out.parkingOccupancy[i] = spots > 0 ? Math.round((taken / spots) * 1000) / 1000 : null;
    const hs = [...a.hospital].map(([k, sums]) => ({
      totalBeds: city.hospitals[k]!.totalBeds,
      availableBeds: sums[0]! / sums[3]!,
      emergencyLoad: sums[1]! / sums[3]!,
      emergencyWaiting: sums[2]! / sums[3]!,
    }));
    const load = hospitalLoad(hs);
    out.hospitalLoad[i] = load?.bedOccupancy ?? null;
    out.emergencyLoad[i] = load?.emergencyLoad ?? null;
  });
  return out;
}
