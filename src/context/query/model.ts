/** The query side of the hub: parsed NGSI-LD query languages and how they become SQL over `ngsi_entities`. */
import { AppError } from '../../platform/errors/app-error.ts';

/**
 * Collects the parameters of one SQL statement: `add(value)` returns its placeholder ("$3").
 * Every value that comes from a request goes through here; nothing from a request is spliced into SQL text.
 */
export class SqlParams {
  readonly values: unknown[] = [];
  constructor(first: readonly unknown[] = []) {
    this.values.push(...first);
  }
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Expands terms of the request's @context (see ld/model.ts TermMap). */
export interface TermExpander {
  expand(term: string): string;
}

/** Bounds on what one request may ask of the query languages; each breach is a 400 that names the bound. */
export const QUERY_LIMITS = {
  /** Bytes (UTF-8) of one `q`, `type`, `scopeQ` or `georel` text. */
  textBytes: 8192,
  /** Nesting of parentheses. */
  depth: 32,
  /** Query terms in one `q`; also entity types in one `type`, scopes in one `scopeQ`. */
  terms: 200,
  /** Values in one value list (`a==1,2,3`). */
  listValues: 100,
};

/**
 * The index of the first character PostgreSQL text cannot hold or a query should not contain, else -1:
 * NUL, unpaired UTF-16 surrogates and, unless `controlAllowed`, any other control character (U+0001–U+001F, U+007F).
 * @example firstForbiddenCharacter('a\nb') // 1
 */
export function firstForbiddenCharacter(text: string, controlAllowed = false): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0 || (!controlAllowed && (c < 0x20 || c === 0x7f))) return i;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return i;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return i;
  }
  return -1;
}

/**
 * A short, printable excerpt of `text` from `index`, for error messages.
 * @example excerpt('speed>>5', 6) // '">5"'
 */
export function excerpt(text: string, index: number, length = 24): string {
  if (index >= text.length) return 'the end of the text';
  const part = text.slice(index, index + length);
  return `"${part}${index + length < text.length ? '…' : ''}"`;
}

/**
 * Throws the 400 of a query language: which parameter, which character (1-based), what was expected, what was found.
 * @example syntaxError('q', 'speed>>5', 6, 'a value after ">"') // "Invalid q at character 7: expected a value after ">", found ">5"…"
 */
export function syntaxError(parameter: string, text: string, index: number, expected: string): never {
  const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  throw new AppError(
    'BAD_REQUEST_DATA',
    `Invalid ${parameter} at character ${index + 1}: expected ${expected}, found ${excerpt(text, index)}. The ${parameter} was: ${shown}`,
    { details: { parameter, position: index + 1 } },
  );
}

/**
 * Throws a 400 about `parameter` as a whole (a limit, an inconsistency) rather than about one character.
 * @example queryError('geo-query', 'georel, geometry and coordinates go together; missing: geometry')
 */
export function queryError(parameter: string, message: string): never {
  throw new AppError('BAD_REQUEST_DATA', `Invalid ${parameter}: ${message}`, { details: { parameter } });
}

/**
 * The checks every query text gets before parsing: a string, not empty, at most QUERY_LIMITS.textBytes,
 * no control characters or unpaired surrogates.
 * @example checkQueryText('scopeQ', '/Hangzhou/#')
 */
export function checkQueryText(parameter: string, text: unknown): string {
  if (typeof text !== 'string') queryError(parameter, 'it must be a string');
  if (text.length === 0) queryError(parameter, 'it is empty');
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > QUERY_LIMITS.textBytes) {
    queryError(parameter, `it is ${bytes} bytes long; the limit is ${QUERY_LIMITS.textBytes} bytes`);
  }
  const bad = firstForbiddenCharacter(text);
  if (bad >= 0) {
    syntaxError(parameter, text, bad, 'printable characters (control characters and unpaired surrogates are not allowed)');
  }
  return text;
}

/**
 * True when a value decoded from escapes (e.g. "\u0000") could not reach PostgreSQL as text or jsonb.
 * @example isUnstorable('\ud800') // true
 */
export function isUnstorable(text: string): boolean {
  return firstForbiddenCharacter(text, true) >= 0;
}
