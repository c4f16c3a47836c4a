/**
 * Faster text parsers for the two column types every entity row carries: `timestamptz` (created/modified) and `text[]`
 * (types, scopes). pg's own (postgres-date, postgres-array) run regular expressions or a character state machine on
 * every value; these take the common shapes PostgreSQL prints by position and hand everything else to pg's parser,
 * so the result is the same value for every input. A geo-query page of 24 rows has 48 of each: they were 9 % of the
 * server's CPU in the query benchmark.
 */

const DIGIT_0 = 48;

/** The number of the ASCII digits at [from, to) of `s`, or -1 if one is not a digit. */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - DIGIT_0;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * `timestamptz` as PostgreSQL prints it with DateStyle ISO: `2026-11-24 12:23:33.636+00`, an optional fraction of up
 * to 6 digits and a `+HH`, `-HH` or `±HH:MM` offset. Years of four digits only (BC, infinity and the rest: `fallback`).
 */
export function fastTimestamptzParser(fallback: (value: string) => unknown): (value: string) => unknown {
  return (s: string) => {
    const n = s.length;
    if (n < 22 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 32 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return fallback(s);
    const year = digits(s, 0, 4);
    const month = digits(s, 5, 7);
    const day = digits(s, 8, 10);
    const hour = digits(s, 11, 13);
    const minute = digits(s, 14, 16);
    const second = digits(s, 17, 19);
    if (year < 1000 || month < 1 || day < 1 || hour < 0 || minute < 0 || second < 0) return fallback(s);
    let i = 19;
    let ms = 0;
    if (s.charCodeAt(i) === 46) {
      // milliseconds: the first three digits of the fraction (what Date keeps of pg's 1000 * parseFloat(fraction))
      const start = ++i;
      while (i < n && s.charCodeAt(i) >= DIGIT_0 && s.charCodeAt(i) <= DIGIT_0 + 9) i++;
      if (i === start || i - start > 6) return fallback(s);
      for (let k = start; k < start + 3; k++) ms = ms * 10 + (k < i ? s.charCodeAt(k) - DIGIT_0 : 0);
    }
    const sign = s.charCodeAt(i);
    if (sign !== 43 && sign !== 45) return fallback(s);
    let offset: number;
    if (n === i + 3) offset = digits(s, i + 1, i + 3) * 60;
    else if (n === i + 6 && s.charCodeAt(i + 3) === 58) {
      const h = digits(s, i + 1, i + 3);
      const m = digits(s, i + 4, i + 6);
      offset = h < 0 || m < 0 ? -1 : h * 60 + m;
    } else return fallback(s);
    if (offset < 0) return fallback(s);
    return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - (sign === 45 ? -offset : offset) * 60_000);
  };
}

/**
 * A one-dimensional `text[]` without quoted elements — `{a,b,c}`, `{}` — split at its commas (PostgreSQL quotes every
 * element holding a comma, brace, quote, backslash or space, and an element that is the string NULL; an unquoted NULL
 * is a null). Anything else: `fallback`.
 */
export function fastTextArrayParser(fallback: (value: string) => unknown): (value: string) => unknown {
  return (s: string) => {
    const n = s.length;
    if (n < 2 || s.charCodeAt(0) !== 123 || s.charCodeAt(n - 1) !== 125 || s.includes('"') || s.includes('\\') || s.charCodeAt(1) === 123) return fallback(s);
    if (n === 2) return [];
    const items: Array<string | null> = s.slice(1, -1).split(',');
    for (let k = 0; k < items.length; k++) if (items[k] === 'NULL') items[k] = null;
    return items;
  };
}
