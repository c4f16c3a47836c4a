/** The temporal API's fast path: which instances of a body are plain readings, packed as they are (rows.ts PlainHistory). */
import { isUnstorable } from '../context/query/model.ts';
import { CANONICAL_TIME } from './rows.ts';

/** What plainReading remembers within one body: observedAt strings already checked (their time, or NaN when not canonical), unitCodes as `common` JSON; and its answer. */
export interface PlainReadingMemo {
  times: Map<string, number>;
  commons: Map<string, string>;
  at: number;
  common: string | null;
}

/**
 * Whether a temporal instance is a plain reading that can be packed as it is: {"type": "Property", "value": a finite
 * number (not -0), a boolean or a storable string, "observedAt": a date-time in canonical form (what normalizeDateTime
 * would make of it), optionally "unitCode": a code} and nothing else. Sets `memo.at` and `memo.common`. Anything else
 * (another kind, sub-attributes, datasetId, a time to normalize…) is read in full by readInstance, errors included.
 */
export function plainReading(item: unknown, memo: PlainReadingMemo): boolean {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return false;
  const r = item as Record<string, unknown>;
  if (r.type !== 'Property') return false;
  let members = 0;
  for (const _ in r) members++;
  const unit = r.unitCode;
  if (members !== (unit === undefined ? 3 : 4)) return false;
  const value = r.value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || Object.is(value, -0)) return false;
  } else if (typeof value === 'string') {
    if (isUnstorable(value)) return false;
  } else if (typeof value !== 'boolean') return false;
  const observedAt = r.observedAt;
  if (typeof observedAt !== 'string') return false;
  let at = memo.times.get(observedAt);
  if (at === undefined) {
    const t = CANONICAL_TIME.test(observedAt) ? Date.parse(observedAt) : Number.NaN;
    at = Number.isFinite(t) && new Date(t).toISOString() === observedAt ? t : Number.NaN;
    memo.times.set(observedAt, at);
  }
  if (Number.isNaN(at)) return false;
  memo.at = at;
  if (unit === undefined) {
    memo.common = null;
    return true;
  }
  if (typeof unit !== 'string' || unit.length === 0 || unit.length > 64 || isUnstorable(unit)) return false;
  let common = memo.commons.get(unit);
  if (common === undefined) {
    common = JSON.stringify({ unitCode: unit });
    memo.commons.set(unit, common);
  }
  memo.common = common;
  return true;
}
