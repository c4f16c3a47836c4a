/** Chinese public holidays and make-up working days (调休) 2024–2027, and the day type of a local date in Hangzhou. */

/**
 * One year's arrangement as published by the General Office of the State Council (国务院办公厅关于…年部分节假日安排的通知).
 * `off`: days off (statutory holidays and the days moved next to them); `work`: weekend days that are working days.
 */
interface YearArrangement {
  source: string;
  off: string[];
  work: string[];
}

const range = (from: string, to: string): string[] => {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
};

export const HOLIDAY_ARRANGEMENTS: Record<number, YearArrangement> = {
  2024: {
    source: '国务院办公厅关于2024年部分节假日安排的通知（国办发明电〔2023〕7号，2023-10-25）',
    off: [
      '2024-01-01',
      ...range('2024-02-10', '2024-02-17'),
      ...range('2024-04-04', '2024-04-06'),
      ...range('2024-05-01', '2024-05-05'),
      ...range('2024-06-08', '2024-06-10'),
      ...range('2024-09-15', '2024-09-17'),
      ...range('2024-10-01', '2024-10-07'),
    ],
    work: ['2024-02-04', '2024-02-18', '2024-04-07', '2024-04-28', '2024-05-11', '2024-09-14', '2024-09-29', '2024-10-12'],
  },
  2025: {
    source: '国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号，2024-11-12）',
    off: [
      '2025-01-01',
      ...range('2025-01-28', '2025-02-04'),
      ...range('2025-04-04', '2025-04-06'),
      ...range('2025-05-01', '2025-05-05'),
      ...range('2025-05-31', '2025-06-02'),
      ...range('2025-10-01', '2025-10-08'),
    ],
    work: ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11'],
  },
  2026: {
    source: '国务院办公厅关于2026年部分节假日安排的通知（2025-11-04，新华社发布）',
    off: [
      ...range('2026-01-01', '2026-01-03'),
      ...range('2026-02-15', '2026-02-23'),
      ...range('2026-04-04', '2026-04-06'),
      ...range('2026-05-01', '2026-05-05'),
      ...range('2026-06-19', '2026-06-21'),
      ...range('2026-09-25', '2026-09-27'),
      ...range('2026-10-01', '2026-10-07'),
    ],
    work: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
  },
  2027: {
    // No 2027 notice was available when this table was written: these are only the statutory days of
    // 全国年节及纪念日放假办法 (2024 revision) on their 2027 dates (lunar dates converted); no make-up days.
    source: 'PROJECTED from 全国年节及纪念日放假办法（2024年修订）statutory days; replace with the 2027 State Council notice',
    off: [
      '2027-01-01',
      ...range('2027-02-05', '2027-02-08'),
      '2027-04-05',
      ...range('2027-05-01', '2027-05-02'),
      '2027-06-09',
      '2027-09-15',
      ...range('2027-10-01', '2027-10-03'),
    ],
    work: [],
  },
};

const OFF = new Set(Object.values(HOLIDAY_ARRANGEMENTS).flatMap((y) => y.off));
const WORK = new Set(Object.values(HOLIDAY_ARRANGEMENTS).flatMap((y) => y.work));

export type DayType = 'workday' | 'weekend' | 'holiday';

/** Hangzhou is UTC+8 all year (no daylight saving). */
export const LOCAL_OFFSET_MS = 8 * 3_600_000;

/** The day type of a local calendar date `YYYY-MM-DD`: holidays are days off, make-up days are workdays. */
export function dayTypeOfDate(date: string): DayType {
  if (OFF.has(date)) return 'holiday';
  if (WORK.has(date)) return 'workday';
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return weekday === 0 || weekday === 6 ? 'weekend' : 'workday';
}

/** Whether a local date is a make-up working day (a weekend day worked in exchange for a holiday). */
export function isMakeUpWorkday(date: string): boolean {
  return WORK.has(date);
}

/** Local day number (days since 1970-01-01 in Asia/Shanghai) of a UTC instant in ms. */
export function localDayNumber(ms: number): number {
  return Math.floor((ms + LOCAL_OFFSET_MS) / 86_400_000);
}

/** Local date `YYYY-MM-DD` of a local day number. */
export function dateOfDayNumber(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

const dayTypeCache = new Map<number, DayType>();

/** What-if runs (`src/insight/scenario.ts`): day types imposed on local day numbers while `withDayTypes` runs. */
let dayTypeOverride: ReadonlyMap<number, DayType> | null = null;

/**
 * Runs `run` (synchronously) with the given local dates (`YYYY-MM-DD`) treated as the given day types, e.g. a
 * workday as a holiday. The override is never cached and is gone when `run` returns or throws.
 */
export function withDayTypes<T>(overrides: Record<string, DayType>, run: () => T): T {
  const previous = dayTypeOverride;
  dayTypeOverride = new Map(Object.entries(overrides).map(([date, type]) => [Math.floor(Date.parse(`${date}T00:00:00Z`) / 86_400_000), type]));
  try {
    return run();
  } finally {
    dayTypeOverride = previous;
  }
}

/** The day type of a local day number (cached: the stream asks once per tick). */
export function dayTypeOfDay(day: number): DayType {
  const imposed = dayTypeOverride?.get(day);
  if (imposed) return imposed;
  let type = dayTypeCache.get(day);
  if (type === undefined) {
    type = dayTypeOfDate(dateOfDayNumber(day));
    dayTypeCache.set(day, type);
  }
  return type;
}

/** Day of year (0-based) of a local day number, for seasons. */
export function dayOfYear(day: number): number {
  const date = new Date(day * 86_400_000);
  return Math.floor((day * 86_400_000 - Date.UTC(date.getUTCFullYear(), 0, 1)) / 86_400_000);
}

/** The heating season north of the Huai is by law; Hangzhou's winter smog season runs about mid-November to mid-March. */
export function isHeatingSeason(day: number): boolean {
  const d = dayOfYear(day);
  return d >= 318 || d < 74;
}
