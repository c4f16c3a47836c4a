/**
 * What-if (CONTRACT.md `POST /insight/what-if`): the simulated city's local day run twice in-process — as it is, and
 * under a scenario — and the hourly city indicators of both. No hub writes, no I/O.
 *
 * - `heavyRainEvening`: 12 mm/h of rain city-wide 17:00–22:00 local time (大雨; ramps in and out over 30 minutes), on
 *   top of the day's own weather. The simulator's rain model does the rest: road capacity −15 % and free-flow speed
 *   −12 % at full strength, a few trips stay at home, rain washes PM out of the air.
 * - `holiday`: the day run as a public holiday (the holiday demand profile, car parks and building rhythms).
 * - `normal`: the scenario is the baseline (both the same; a control).
 * The scenario keeps the baseline's events (accidents, incidents, episodes): the simulator schedules them per day
 * and caches them, and the scenario run is made to reuse the cached day so the comparison shows the rhythm change
 * alone (rain in the simulator would also add accidents; the what-if does not claim to forecast those).
 * Readings every 5 minutes (hourly means are what is compared): a `small` day twice takes about 1.5 s.
 */
import { withDayTypes } from '../sim/calendar.ts';
import { dayEvents } from '../sim/events/schedule.ts';
import { buildCity, simulate } from '../sim/index.ts';
import type { City } from '../sim/model.ts';
import { withRain } from '../sim/rhythms/weather.ts';
import { AppError } from '../platform/errors/app-error.ts';
import { hourlyIndicators } from './eval/sim-hourly.ts';

export type Scenario = 'heavyRainEvening' | 'holiday' | 'normal';
export const SCENARIOS: readonly Scenario[] = ['heavyRainEvening', 'holiday', 'normal'];

export interface Series {
  indicator: 'congestion' | 'speed' | 'aqi' | 'parkingOccupancy' | 'hospitalLoad' | 'emergencyLoad';
  scope: 'city';
  scopeId: 'city';
  unit: string;
  /** `at`: the end of the hour (epoch ms), as `CityIndicator.value.observedAt`. */
  points: { at: number; value: number | null }[];
}

export interface WhatIfInput {
  scenario: Scenario;
  /** Local date YYYY-MM-DD (Asia/Shanghai). */
  date: string;
  size?: 'tiny' | 'small';
  /** Default 42 (the demo city's seed). */
  seed?: number;
}

export interface WhatIfResult {
  /** The scenario run (the request's `scenario`). */
  name: Scenario;
  date: string;
  size: 'tiny' | 'small';
  description: { zh: string; en: string };
  baseline: Series[];
  scenario: Series[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const LOCAL = 8 * HOUR;
const both = (zh: string, en: string) => `${en} / ${zh}`;

export const SCENARIO_TEXT: Record<Scenario, { zh: string; en: string }> = {
  heavyRainEvening: { zh: '傍晚 17–22 时全市大雨（12 毫米/小时）', en: 'Heavy rain city-wide 17:00–22:00 (12 mm/h)' },
  holiday: { zh: '当天按法定节假日出行', en: 'The day as a public holiday' },
  normal: { zh: '不作改变（对照）', en: 'No change (control)' },
};

/** Checks a what-if request (cheap: the caller runs it before handing the run to a worker). */
export function validateWhatIf(input: WhatIfInput): { dayStart: number; size: 'tiny' | 'small'; seed: number } {
  if (!SCENARIOS.includes(input.scenario)) {
    throw new AppError('INVALID_REQUEST', both(`scenario 须为 ${SCENARIOS.join('、')} 之一`, `scenario must be one of ${SCENARIOS.join(', ')}`));
  }
  if (typeof input.date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(input.date) || Number.isNaN(Date.parse(`${input.date}T00:00:00Z`))) {
    throw new AppError('INVALID_REQUEST', both('date 须为本地日期 YYYY-MM-DD', 'date must be a local date YYYY-MM-DD, e.g. 2026-11-20'));
  }
  const dayStart = Date.parse(`${input.date}T00:00:00Z`) - LOCAL;
  if (new Date(dayStart + LOCAL).toISOString().slice(0, 10) !== input.date) {
    throw new AppError('INVALID_REQUEST', both('date 不是有效日期', `date ${input.date} is not a calendar date: it must be a real day, e.g. 2026-11-20`));
  }
  const year = Number(input.date.slice(0, 4));
  if (year < 2024 || year > 2027) {
    throw new AppError('INVALID_REQUEST', both('date 须在 2024–2027 年之间（模拟城市的节假日表范围）', 'date must be in 2024–2027 (the simulated city’s holiday calendar)'));
  }
  const size = input.size ?? 'small';
  if (size !== 'tiny' && size !== 'small') throw new AppError('INVALID_REQUEST', both('size 须为 tiny 或 small', 'size must be tiny or small'));
  const seed = input.seed ?? 42;
  if (!Number.isInteger(seed)) throw new AppError('INVALID_REQUEST', both('seed 须为整数', 'seed must be a whole number'));
  return { dayStart, size, seed };
}

function series(city: City, from: number, to: number): Series[] {
  const h = hourlyIndicators(city, simulate(city, new Date(from).toISOString(), new Date(to).toISOString()), from, to);
  const at = h.hours.map((x) => x + HOUR);
  const pts = (values: (number | null)[] | undefined) => at.map((a, i) => ({ at: a, value: values?.[i] ?? null }));
  const s = (indicator: Series['indicator'], unit: string, values: (number | null)[] | undefined): Series => ({ indicator, scope: 'city', scopeId: 'city', unit, points: pts(values) });
  return [
    s('congestion', '', h.congestion.get('city')),
    s('speed', 'KMH', h.speed.get('city')),
    s('aqi', '', h.aqi.get('city')),
    s('parkingOccupancy', 'C62', h.parkingOccupancy),
    s('hospitalLoad', 'C62', h.hospitalLoad),
    s('emergencyLoad', 'C62', h.emergencyLoad),
  ];
}

/** Makes sure the simulator's event cache holds the days a run of `day` reads, so a scenario run reuses them. */
function holdEvents(city: City, day: number): void {
  for (let attempt = 0; attempt < 3; attempt++) {
    const kept = [];
    for (let d = day - 4; d <= day + 1; d++) kept.push(dayEvents(city, d));
    // the cache empties itself when full: all six must still be the same objects
    let stable = true;
    for (let d = day - 4; d <= day + 1; d++) if (dayEvents(city, d) !== kept[d - day + 4]) stable = false;
    if (stable) return;
  }
}

/** @throws AppError INVALID_REQUEST on a bad scenario, date, size or seed. */
export function whatIf(input: WhatIfInput): WhatIfResult {
  const { dayStart, size, seed } = validateWhatIf(input);
  const dayEnd = dayStart + DAY;
  // 5-minute readings: hourly means are what is compared, and a small day twice stays near a second
  const city = buildCity({ seed, size, start: new Date(dayStart).toISOString(), stepSeconds: 300 });
  const baseline = series(city, dayStart, dayEnd);
  const day = Math.floor((dayStart + LOCAL) / DAY);
  holdEvents(city, day);
  const run = () => series(city, dayStart, dayEnd);
  const scenario =
    input.scenario === 'heavyRainEvening'
      ? withRain([{ from: dayStart + 17 * HOUR, to: dayStart + 22 * HOUR, mmPerHour: 12 }], run)
      : input.scenario === 'holiday'
        ? withDayTypes({ [input.date]: 'holiday' }, run)
        : baseline;
  return { name: input.scenario, date: input.date, size, description: SCENARIO_TEXT[input.scenario], baseline, scenario };
}
