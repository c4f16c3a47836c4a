/** Hangzhou's weather as a pure function of (seed, time): seasonal temperature, rain spells, wind fronts. */
import { dayOfYear, LOCAL_OFFSET_MS } from '../calendar.ts';
import { hash, P, smoothNoise, unit } from '../random.ts';

/** Monthly chance that a day has a rain spell (Hangzhou climate: plum rains in June, dry autumn). */
const RAIN_CHANCE = [0.35, 0.4, 0.45, 0.45, 0.45, 0.55, 0.4, 0.4, 0.35, 0.25, 0.3, 0.3];

export interface Spell {
  start: number;
  end: number;
  /** mm/h for rain, m/s for wind */
  strength: number;
}

const spellCache = new Map<string, { rain: Spell[]; wind: Spell[] }>();

/** The rain spells and wind fronts that start on a local day (pure in (seed, day)). */
export function spellsOfDay(seed: number, day: number): { rain: Spell[]; wind: Spell[] } {
  const key = `${seed}:${day}`;
  const cached = spellCache.get(key);
  if (cached) return cached;
  const month = new Date(day * 86_400_000).getUTCMonth();
  const dayStart = day * 86_400_000 - LOCAL_OFFSET_MS;
  const rain: Spell[] = [];
  const wind: Spell[] = [];
  const rainChance = RAIN_CHANCE[month] ?? 0.35;
  for (let k = 0; k < 2; k++) {
    if (unit(seed, P.rain, day, k) >= (k === 0 ? rainChance : rainChance * 0.4)) continue;
    const start = dayStart + Math.floor(unit(seed, P.rain, day, k, 1) * 24) * 3_600_000;
    const hours = 2 + unit(seed, P.rain, day, k, 2) * 9;
    const u = unit(seed, P.rain, day, k, 3);
    rain.push({ start, end: start + hours * 3_600_000, strength: 0.4 + 9 * u * u * u });
  }
  const winter = month <= 2 || month >= 10;
  if (unit(seed, P.wind, day, 0) < (winter ? 0.22 : 0.12)) {
    const start = dayStart + Math.floor(unit(seed, P.wind, day, 1) * 24) * 3_600_000;
    const hours = 6 + unit(seed, P.wind, day, 2) * 14;
    wind.push({ start, end: start + hours * 3_600_000, strength: 6 + unit(seed, P.wind, day, 3) * 6 });
  }
  if (spellCache.size > 4000) spellCache.clear();
  const spells = { rain, wind };
  spellCache.set(key, spells);
  return spells;
}

/** A spell's profile: ramps up over its first hour and down over its last. */
function spellShape(spell: Spell, ms: number): number {
  if (ms < spell.start || ms >= spell.end) return 0;
  const ramp = 3_600_000;
  return Math.min(1, (ms - spell.start) / ramp + 0.2, (spell.end - ms) / ramp + 0.2);
}

export interface Weather {
  temperature: number;
  relativeHumidity: number;
  precipitation: number;
  windSpeed: number;
  windDirection: number;
  /** the most rain (mm/h) in the last 24 hours, for potholes */
  rainLast24h: number;
}

/** What-if runs (`src/insight/scenario.ts`): rain imposed over spans while `withRain` runs. */
let rainOverride: readonly RainSpan[] | null = null;

export interface RainSpan {
  /** epoch ms */
  from: number;
  to: number;
  /** mm/h at full strength (reached 30 minutes after `from`, kept until 30 minutes before `to`) */
  mmPerHour: number;
}

function imposedRain(ms: number): number {
  let most = 0;
  for (const s of rainOverride ?? []) {
    if (ms < s.from || ms >= s.to) continue;
    most = Math.max(most, s.mmPerHour * Math.min(1, (ms - s.from) / 1_800_000, (s.to - ms) / 1_800_000));
  }
  return most;
}

/** Runs `run` (synchronously) with at least this rain city-wide over the spans; gone when `run` returns or throws. */
export function withRain<T>(spans: readonly RainSpan[], run: () => T): T {
  const previous = rainOverride;
  rainOverride = spans;
  try {
    return run();
  } finally {
    rainOverride = previous;
  }
}

/** City-wide weather at `ms`; `day` is its local day number. Stations add their own small offsets. */
export function cityWeather(seed: number, ms: number, day: number): Weather {
  let precipitation = 0;
  let front = 0;
  let rainLast24h = 0;
  for (let d = day - 2; d <= day; d++) {
    const spells = spellsOfDay(seed, d);
    for (const s of spells.rain) {
      precipitation += s.strength * spellShape(s, ms);
      if (s.start < ms && s.end > ms - 86_400_000) rainLast24h = Math.max(rainLast24h, s.strength);
    }
    for (const s of spells.wind) front = Math.max(front, s.strength * spellShape(s, ms));
  }
  const hours = ms / 3_600_000;
  if (precipitation > 0) precipitation *= 0.75 + 0.5 * (0.5 + 0.5 * smoothNoise(seed, P.rain, 9, hours, 0.5));
  if (rainOverride) precipitation = Math.max(precipitation, imposedRain(ms));
  const doy = dayOfYear(day);
  const localHour = (((ms + LOCAL_OFFSET_MS) / 3_600_000) % 24 + 24) % 24;
  const seasonal = 17 - 12.5 * Math.cos((2 * Math.PI * (doy - 20)) / 365);
  const diurnal = (precipitation > 0.2 ? 1.5 : 4) * Math.cos((2 * Math.PI * (localHour - 14.5)) / 24);
  const temperature = seasonal + diurnal + 2.5 * smoothNoise(seed, P.weather, 1, hours, 40) - (front > 0 ? 2 : 0);
  const relativeHumidity = Math.min(0.99, precipitation > 0.1 ? 0.9 + 0.08 * Math.min(1, precipitation / 4) : 0.7 - 0.15 * Math.cos((2 * Math.PI * (localHour - 4)) / 24) + 0.08 * smoothNoise(seed, P.weather, 2, hours, 30));
  const calm = 2.2 + 1.3 * smoothNoise(seed, P.wind, 3, hours, 10) + 0.6 * Math.sin((2 * Math.PI * (localHour - 9)) / 24);
  const windSpeed = Math.max(0.2, Math.max(calm, front) + 0.6 * smoothNoise(seed, P.wind, 4, hours, 0.4));
  const month = new Date(day * 86_400_000).getUTCMonth();
  const prevailing = month <= 2 || month >= 9 ? 340 : 135;
  const windDirection = (prevailing + 60 * smoothNoise(seed, P.wind, 5, hours, 8) + 360) % 360;
  return { temperature, relativeHumidity, precipitation, windSpeed, windDirection, rainLast24h };
}

/** A station's own reading of the city weather: small local offsets and gusts. */
export function stationWeather(seed: number, station: number, level: number, w: Weather, ms: number): Weather {
  const minute = Math.floor(ms / 60_000);
  const jitter = (hash(seed, P.weather, station, minute) / 4294967296 - 0.5) * 0.4;
  const localRain = w.precipitation * (0.8 + 0.4 * (0.5 + 0.5 * smoothNoise(seed, P.rain, 100 + station, ms / 3_600_000, 2)));
  return {
    temperature: w.temperature + level * 0.8 + jitter,
    relativeHumidity: Math.min(1, Math.max(0.2, w.relativeHumidity + level * 0.02)),
    precipitation: localRain,
    windSpeed: Math.max(0, w.windSpeed * (1 + level * 0.1) + jitter * 2),
    windDirection: (w.windDirection + level * 10 + 360) % 360,
    rainLast24h: w.rainLast24h,
  };
}
