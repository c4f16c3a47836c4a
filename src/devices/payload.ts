/** Reads device payloads — JSON and UltraLight 2.0 — into measurements, refusing what is malformed. */
import { IngestRejected, type Measurement, type PayloadFormat } from './model.ts';

/** Most measurements one message may carry (UltraLight `#` groups or a JSON array). */
export const MAX_MEASUREMENTS = 100;
/** Most values one measurement may carry. */
export const MAX_VALUES = 100;
/** Members of a JSON measurement that give its time rather than a value (FIWARE's `TimeInstant`, or `observedAt`). */
const TIME_KEYS = new Set(['TimeInstant', 'observedAt']);
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
/** Names that would reach object prototypes rather than be values. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function checkKey(key: string): void {
  if (UNSAFE_KEYS.has(key)) throw bad(`"${key}" cannot be a measurement name`);
}

function bad(message: string): IngestRejected {
  return new IngestRejected('bad_payload', message);
}

/** An ISO 8601 date-time with an offset, as UTC ISO text. */
export function readTimestamp(raw: unknown): string {
  if (typeof raw !== 'string' || !DATE_TIME.test(raw) || Number.isNaN(Date.parse(raw))) {
    throw bad(`The timestamp "${String(raw).slice(0, 40)}" is not an ISO 8601 date-time with a time zone, e.g. 2025-05-01T08:00:00Z`);
  }
  return new Date(raw).toISOString();
}

function text(payload: Buffer): string {
  try {
    return strictUtf8.decode(payload);
  } catch {
    throw bad('The payload is not valid UTF-8 text');
  }
}

function jsonMeasurement(raw: unknown): Measurement {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw bad('A JSON measurement is an object of values, e.g. {"t": 21.5, "h": 40}');
  }
  const values: Record<string, unknown> = {};
  let observedAt: string | undefined;
  let count = 0;
  for (const [key, value] of Object.entries(raw)) {
    if (TIME_KEYS.has(key)) {
      observedAt = readTimestamp(value);
      continue;
    }
    checkKey(key);
    if (value === null) throw bad(`The value of "${key.slice(0, 40)}" is null; leave it out instead`);
    if (++count > MAX_VALUES) throw bad(`A measurement may carry at most ${MAX_VALUES} values`);
    values[key] = value;
  }
  if (count === 0) throw bad('The measurement has no values');
  return observedAt === undefined ? { values } : { observedAt, values };
}

/** `{"t": 21.5, "h": 40}` (optionally with `TimeInstant`), or an array of such objects. */
export function parseJsonPayload(payload: Buffer): Measurement[] {
  let parsed: unknown;
  try {
    // JSON.parse never builds prototypes from "__proto__" keys: it makes plain own properties.
    parsed = JSON.parse(text(payload));
  } catch (error) {
    if (error instanceof IngestRejected) throw error;
    throw bad(`The payload is not valid JSON: ${error instanceof Error ? error.message.slice(0, 120) : 'syntax error'}`);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length === 0) throw bad('The payload is an empty array; send at least one measurement');
  if (list.length > MAX_MEASUREMENTS) throw bad(`A message may carry at most ${MAX_MEASUREMENTS} measurements`);
  return list.map(jsonMeasurement);
}

/**
 * UltraLight 2.0: `t|21.5|h|40`; an optional leading timestamp (`2025-05-01T08:00:00Z|t|21.5`);
 * several measurements separated by `#`. Values stay text here; the attribute mapping types them.
 */
export function parseUltraLight(payload: Buffer): Measurement[] {
  const body = text(payload).trim();
  if (body.length === 0) throw bad('The payload is empty; send e.g. t|21.5|h|40');
  const groups = body.split('#').map((g) => g.trim()).filter((g) => g.length > 0);
  if (groups.length > MAX_MEASUREMENTS) throw bad(`A message may carry at most ${MAX_MEASUREMENTS} measurements`);
  return groups.map((group) => {
    const fields = group.split('|').map((f) => f.trim());
    let observedAt: string | undefined;
    if (fields.length % 2 === 1) {
      if (fields.length === 1) throw bad(`"${group.slice(0, 40)}" is not UltraLight 2.0: send key|value pairs, e.g. t|21.5|h|40`);
      observedAt = readTimestamp(fields.shift());
    }
    if (fields.length / 2 > MAX_VALUES) throw bad(`A measurement may carry at most ${MAX_VALUES} values`);
    const values: Record<string, unknown> = {};
    for (let i = 0; i < fields.length; i += 2) {
      const key = fields[i] as string;
      if (key.length === 0) throw bad(`"${group.slice(0, 40)}" has an empty key; send key|value pairs, e.g. t|21.5`);
      checkKey(key);
      values[key] = fields[i + 1] as string;
    }
    return observedAt === undefined ? { values } : { observedAt, values };
  });
}

export function parsePayload(format: PayloadFormat, payload: Buffer): Measurement[] {
  return format === 'json' ? parseJsonPayload(payload) : parseUltraLight(payload);
}

/** The value of an UltraLight text field: by the mapping's type, else a number where the text is one. */
export function typedValue(raw: unknown, valueType: 'number' | 'text' | 'boolean' | undefined): unknown {
  if (typeof raw !== 'string') {
    if (valueType === 'number' && typeof raw !== 'number') throw bad(`Expected a number, got ${JSON.stringify(raw).slice(0, 40)}`);
    return raw;
  }
  if (valueType === 'text') return raw;
  if (valueType === 'boolean') {
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw bad(`Expected true or false, got "${raw.slice(0, 40)}"`);
  }
  if (NUMBER.test(raw)) return Number(raw);
  if (valueType === 'number') throw bad(`Expected a number, got "${raw.slice(0, 40)}"`);
  return raw;
}
