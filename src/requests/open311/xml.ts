/** A small XML writer for Open311 documents: schemaless, no namespace, every text escaped, lists by the Spark convention. */

/**
 * A value the writer renders: text, numbers and booleans as element text, `null`/`undefined` as an
 * empty element, objects as child elements in key order, and a `XmlList` as repeated child elements.
 */
export type XmlValue = string | number | boolean | null | undefined | XmlObject | XmlList;
export interface XmlObject {
  readonly [name: string]: XmlValue;
}

/** A list: in XML, one `<item>` element per entry inside the list's element; in JSON, an array (the Spark convention). */
export class XmlList {
  constructor(
    readonly item: string,
    readonly entries: readonly XmlValue[],
  ) {}
}

/** `list('request', rows)` → `<request>…</request><request>…</request>` in XML, `[…]` in JSON. */
export function list(item: string, entries: readonly XmlValue[]): XmlList {
  return new XmlList(item, entries);
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';

// Characters XML 1.0 cannot carry at all (C0 controls other than tab, LF and CR, lone surrogates,
// U+FFFE/U+FFFF): they are dropped so the document always parses.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these control characters are exactly what must be removed
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for element content and attribute values: & < > " ' become entities, characters XML forbids are dropped. */
export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '').replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function assertName(name: string): void {
  // Element names come from our own code, never from input; a bad one is a bug, not a client error.
  if (!NAME.test(name)) throw new Error(`"${name}" is not a valid XML element name`);
}

function textOf(value: string | number | boolean): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('a number written to XML must be finite');
    return String(value);
  }
  return escapeXml(String(value));
}

function write(name: string, value: XmlValue, out: string[]): void {
  assertName(name);
  if (value === null || value === undefined) {
    out.push(`<${name}/>`);
  } else if (value instanceof XmlList) {
    out.push(`<${name}>`);
    for (const entry of value.entries) write(value.item, entry, out);
    out.push(`</${name}>`);
  } else if (typeof value === 'object') {
    out.push(`<${name}>`);
    for (const [child, childValue] of Object.entries(value)) write(child, childValue, out);
    out.push(`</${name}>`);
  } else {
    const text = textOf(value);
    out.push(text === '' ? `<${name}/>` : `<${name}>${text}</${name}>`);
  }
}

/**
 * The whole document: the XML declaration, then `root` holding `value`.
 * @example toXml('errors', list('error', [{ code: 404, description: 'No such service' }]))
 */
export function toXml(root: string, value: XmlValue): string {
  const out = [XML_DECLARATION, '\n'];
  write(root, value, out);
  out.push('\n');
  return out.join('');
}

/** The JSON form of the same value by the Spark convention: lists become arrays, empty values `null`. */
export function toSpark(value: XmlValue): unknown {
  if (value === undefined || value === null) return null;
  if (value instanceof XmlList) return value.entries.map(toSpark);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [name, child] of Object.entries(value)) out[name] = toSpark(child);
    return out;
  }
  if (value === '') return null;
  return value;
}
