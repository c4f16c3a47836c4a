/** Air quality and noise: seasonal PM2.5 with wind flushes and rain washout, traffic NO2, summer O3, noise following traffic. */
import { dayOfYear, isHeatingSeason } from '../calendar.ts';
import { normal, P, smoothNoise } from '../random.ts';
import type { Weather } from './weather.ts';

export interface AirReading {
  pm25: number;
  pm10: number;
  no2: number;
  o3: number;
  so2: number;
  co: number;
}

/** City background PM2.5 (µg/m³) before a station's own level: season × daily cycle × wind × rain × episodes. */
export function backgroundPm25(seed: number, ms: number, day: number, localHour: number, w: Weather, episodeFactor: number): number {
  const doy = dayOfYear(day);
  // Hangzhou: ~55 µg/m³ in the heating season, ~22 in summer, smooth in between
  const seasonal = isHeatingSeason(day) ? 52 : 36 + 14 * Math.cos((2 * Math.PI * (doy - 15)) / 365);
  const diurnal = 1 + 0.15 * Math.cos((2 * Math.PI * (localHour - 8)) / 24) + 0.1 * Math.cos((2 * Math.PI * (localHour - 21)) / 12);
  const flush = Math.exp(-0.13 * Math.max(0, w.windSpeed - 2));
  const washout = 1 - 0.35 * Math.min(1, w.precipitation / 5);
  const drift = Math.exp(0.3 * smoothNoise(seed, P.air, 0, ms / 3_600_000, 30));
  return seasonal * diurnal * flush * washout * drift * episodeFactor;
}

export function airReading(
  seed: number,
  station: number,
  level: number,
  minuteKey: number,
  background: number,
  trafficLevel: number,
  localHour: number,
  day: number,
  w: Weather,
): AirReading {
  const pm25 = Math.max(2, background * level * (1 + 0.06 * normal(seed, P.airMinute, station, minuteKey)));
  const summer = Math.max(0, Math.cos((2 * Math.PI * (dayOfYear(day) - 196)) / 365));
  const sun = Math.max(0, Math.sin((Math.PI * (localHour - 6)) / 13)) * (w.precipitation > 0.2 ? 0.3 : 1);
  const no2 = 18 + 28 * trafficLevel * level * Math.exp(-0.08 * Math.max(0, w.windSpeed - 2));
  const o3 = 25 + 110 * summer * sun + 20 * sun;
  const heating = isHeatingSeason(day) ? 1 : 0;
  return {
    pm25: Math.round(pm25),
    pm10: Math.round(pm25 * (1.55 + 0.1 * normal(seed, P.airMinute, station, minuteKey, 1))),
    no2: Math.round(no2 * (1 + 0.05 * normal(seed, P.airMinute, station, minuteKey, 2))),
    o3: Math.round(o3 * (1 + 0.05 * normal(seed, P.airMinute, station, minuteKey, 3))),
    so2: Math.round((5 + 3 * heating) * level),
    co: Math.round((0.45 + 0.5 * (pm25 / 75)) * 100) / 100,
  };
}

/** Noise at a meter: road traffic noise rising ~10 dB per tenfold traffic, plus construction by day. */
export function noiseReading(seed: number, meter: number, level: number, minuteKey: number, trafficLevel: number, construction: number): { LAeq: number; LAmax: number } {
  const traffic = 58 + level + 10 * Math.log10(0.08 + trafficLevel);
  const laeq = 10 * Math.log10(10 ** (traffic / 10) + (construction > 0 ? 10 ** ((60 + 8 * construction) / 10) : 0)) + 0.8 * normal(seed, P.noise, meter, minuteKey);
  const lamax = laeq + 9 + 3 * Math.abs(normal(seed, P.noise, meter, minuteKey, 1));
  return { LAeq: Math.round(laeq * 10) / 10, LAmax: Math.round(lamax * 10) / 10 };
}
