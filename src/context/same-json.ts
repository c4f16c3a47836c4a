/**
 * Whether two JSON-like values are equal as JSON (what `JSON.stringify(a) === JSON.stringify(b)` asked, without
 * building either text, and stopping at the first difference): the hub's change detection compares every written
 * attribute with its previous state, on the hot write path, for the history and for every subscription.
 * Members whose value is undefined count as absent (as JSON.stringify drops them); member order does not matter.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return asNull(a) && asNull(b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i] ?? null, b[i] ?? null)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let defined = 0;
  for (const key in x) {
    const value = x[key];
    if (value === undefined) continue;
    defined++;
    if (!sameJson(value, y[key])) return false;
  }
  for (const key in y) if (y[key] !== undefined) defined--;
  return defined === 0;
}

/** null, and the numbers JSON writes as null (NaN, ±Infinity). */
const asNull = (v: unknown) => v === null || (typeof v === 'number' && !Number.isFinite(v));
