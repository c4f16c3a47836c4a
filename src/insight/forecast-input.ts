/** Checks a forecast request from the API (POST /insight/forecast) and turns it into a ForecastInput; errors say what to fix. */
import { AppError } from '../platform/errors/app-error.ts';
import type { ForecastInput } from './model.ts';

export interface ForecastRequest {
  timestamps: Array<string | number>;
  values: Array<number | null>;
  horizon: number;
  period?: number;
  levels?: number[];
}

export const MAX_POINTS = 50_000;
export const MAX_HORIZON = 720;
const DAY = 86_400_000;

function bad(message: string, details?: Record<string, unknown>): AppError {
  return new AppError('BAD_REQUEST_DATA', message, details ? { details } : {});
}

/** Validates equal lengths, size, parseable and regular timestamps, horizon and period (at least two periods of data). */
export function checkForecastInput(body: ForecastRequest): ForecastInput {
  const { timestamps, values, horizon } = body;
  if (timestamps.length !== values.length) {
    throw bad(`timestamps 有 ${timestamps.length} 个、values 有 ${values.length} 个：每个时间点给一个值（缺失为 null） / timestamps has ${timestamps.length} entries and values ${values.length}: send one value (or null for a missing one) per timestamp`);
  }
  if (timestamps.length > MAX_POINTS) throw bad(`每次最多 ${MAX_POINTS} 个点，请只发送最近的 ${MAX_POINTS} 个 / At most ${MAX_POINTS} points per forecast; send the most recent ${MAX_POINTS}`);
  if (!Number.isInteger(horizon) || horizon < 1 || horizon > MAX_HORIZON) throw bad(`horizon 须为 1–${MAX_HORIZON} 的整数步数 / horizon must be a whole number of steps from 1 to ${MAX_HORIZON}, not ${horizon}`);
  const ms = timestamps.map((t, i) => {
    const v = typeof t === 'number' ? t : Date.parse(t);
    if (!Number.isFinite(v)) throw bad(`timestamps[${i}] 不是时间，请用毫秒时间戳或 ISO 8601 / timestamps[${i}] (${JSON.stringify(t)}) is not a time: use epoch milliseconds or ISO 8601 such as 2026-01-01T00:00:00Z`, { index: i });
    return v;
  });
  if (ms.length < 2) throw bad('至少需要两个周期的数据（小时数据默认 48 点） / Send at least two periods of data (48 hourly points by default)');
  const step = (ms[1] as number) - (ms[0] as number);
  if (step <= 0) throw bad('timestamps 必须递增 / timestamps must ascend: timestamps[1] is not after timestamps[0]', { index: 1 });
  for (let i = 2; i < ms.length; i++) {
    const d = (ms[i] as number) - (ms[i - 1] as number);
    if (d !== step) {
      throw bad(
        `步长必须一致：缺失的时间点请保留并在 values 中填 null / The step must be regular: timestamps[${i - 1}] → timestamps[${i}] is ${d / 1000} s, the first step is ${step / 1000} s. Put null in values for missing times instead of leaving them out`,
        { index: i },
      );
    }
  }
  const period = body.period ?? (step <= DAY && DAY % step === 0 ? DAY / step : 1);
  if (!Number.isInteger(period) || period < 1 || period > MAX_POINTS) throw bad(`period 须为整数步数（小时数据的日周期为 24） / period must be a whole number of steps (24 for hourly data with a daily season), not ${body.period}`);
  if (ms.length < 2 * period) {
    throw bad(`数据点太少：给了 ${ms.length} 个，周期 ${period} 至少需要 ${2 * period} 个（两个周期） / Too few points: ${ms.length} given, a period of ${period} steps needs at least ${2 * period} (two periods) to forecast against the seasonal naive`);
  }
  const known = values.filter((v) => v !== null).length;
  if (known < period) throw bad(`只有 ${known} 个已知值，至少需要一个周期（${period}） / Only ${known} of ${values.length} values are present; at least one period (${period}) must be known`);
  for (const [i, v] of values.entries()) {
    if (v !== null && !Number.isFinite(v)) throw bad(`values[${i}] 不是数字，缺失请用 null / values[${i}] is not a number; use null for a missing value`, { index: i });
  }
  return { timestamps: ms, values, horizon, period, ...(body.levels ? { levels: body.levels } : {}) };
}
