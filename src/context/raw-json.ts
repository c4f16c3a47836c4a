/**
 * Pre-rendered JSON text spliced into an answer at serialisation. Node 20 has no `JSON.rawJSON`; a large part
 * built directly as text (e.g. 48,000 aggregated values) skips the objects, arrays and garbage a
 * JSON.stringify of the same structure would make.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

/** The JSON number of `value` as JSON.stringify writes it (null for NaN and ±Infinity). */
export const jsonNumber = (value: number): string => (Number.isFinite(value) ? String(value) : 'null');

function objectText(item: unknown): string {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return JSON.stringify(item);
  const plain: Record<string, unknown> = {};
  const raw: string[] = [];
  for (const [key, value] of Object.entries(item)) {
    if (value instanceof RawJson) raw.push(`${JSON.stringify(key)}:${value.text}`);
    else plain[key] = value;
  }
  if (raw.length === 0) return JSON.stringify(item);
  const head = JSON.stringify(plain);
  return head === '{}' ? `{${raw.join(',')}}` : `${head.slice(0, -1)},${raw.join(',')}}`;
}

/** Whether an object, or an object in an array, has a RawJson member (only members at that level are spliced). */
export function hasRawMembers(value: unknown): boolean {
  const items = Array.isArray(value) ? value : [value];
  return items.some((item) => typeof item === 'object' && item !== null && Object.values(item).some((v) => v instanceof RawJson));
}

/**
 * JSON text of an object or an array of objects whose members may be RawJson (written as their text, after the
 * other members). Deeper RawJson values are not looked for.
 * @example stringifyWithRawMembers([{ id: 'a', n: new RawJson('[1,2]') }]) // '[{"id":"a","n":[1,2]}]'
 */
export function stringifyWithRawMembers(value: unknown): string {
  return Array.isArray(value) ? `[${value.map(objectText).join(',')}]` : objectText(value);
}
