/** The NGSI-LD Query Language (`q`, clause 4.9): its syntax tree and parser (q-sql.ts translates the tree to SQL). */
import { BooleanParser, type BooleanSyntax } from './boolean-parser.ts';
import {
  checkQueryText,
  isUnstorable,
  QUERY_LIMITS,
} from './model.ts';
import { regexProblem } from './regex.ts';

/** Comparison operators (the `Operator` rule and `equal` / `unequal`). */
export type QOperator = '==' | '!=' | '>' | '>=' | '<' | '<=';

/** One literal of a query term. Temporal values are normalised (see each kind). */
export type QScalar =
  | { kind: 'number'; value: number; /** The literal as written (JSON number syntax), so PostgreSQL compares it exactly. */ text: string }
  | { kind: 'string'; value: string }
  | { kind: 'boolean'; value: boolean }
  /** UTC with milliseconds, `YYYY-MM-DDTHH:MM:SS.sssZ` (how the hub stores times). */
  | { kind: 'dateTime'; value: string }
  /** `YYYY-MM-DD`. */
  | { kind: 'date'; value: string }
  /** `HH:MM:SS.sss` (a trailing Z, if any, dropped). */
  | { kind: 'time'; value: string }
  /** An unquoted URI, e.g. urn:ngsi-ld:Building:1. */
  | { kind: 'uri'; value: string }
  /** An unquoted term, e.g. Male in `gender==Male` (compared as written and, for a VocabProperty, expanded). */
  | { kind: 'name'; value: string };

export type QValue = QScalar | { kind: 'list'; items: QScalar[] } | { kind: 'range'; min: QScalar; max: QScalar };

/** Members of an attribute instance that a dotted path may end on instead of a sub-attribute. */
export const Q_MEMBERS = ['observedAt', 'createdAt', 'modifiedAt', 'unitCode', 'datasetId'] as const;
export type QMember = (typeof Q_MEMBERS)[number];

/** An attribute path: `attribute(.sub)*(.member)?([json.path])?`, names as written (terms of the request's @context). */
export interface QPath {
  attribute: string;
  /** Sub-attribute names after the attribute, in order. */
  subAttributes: string[];
  /** Set when the path ends on an instance member (`temperature.observedAt`). */
  member?: QMember;
  /** The trailing `[a.b]`: member names inside the value (or the language of a LanguageProperty; `*` = any). */
  valuePath?: string[];
  /** The path as written. */
  text: string;
}

export type QTerm =
  /** `attr` (exists) or `!attr` (does not exist). */
  | { kind: 'exists'; path: QPath; negated: boolean }
  | { kind: 'compare'; path: QPath; op: QOperator; value: QValue }
  /** `attr~=regex` or, negated, `attr!~=regex`. */
  | { kind: 'match'; path: QPath; negated: boolean; pattern: string };

export type QExpression = { kind: 'and'; operands: QExpression[] } | { kind: 'or'; operands: QExpression[] } | QTerm;

// ---------------------------------------------------------------------------------------------------------------------
// Parsing

const NAME = /[\p{L}][\p{L}\p{N}_]*(?::[\p{L}\p{N}_]+)?/uy;
const VALUE_PATH_SEGMENT = /(?:\*|[\p{L}\p{N}_][\p{L}\p{N}_-]*)/uy;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?(\d+))?/y;
const DATE_TIME = /(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?/y;
const DATE = /(\d{4})-(\d{2})-(\d{2})/y;
const TIME = /(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z?/y;
const BOOLEAN = /(?:true|false)(?![\p{L}\p{N}_:.-])/uy;
const URI = /[A-Za-z][A-Za-z0-9+.-]*:[^\s;|,()"]+/y;
const BARE_NAME = /[\p{L}][\p{L}\p{N}_]*(?![\p{L}\p{N}_:])/uy;
const VALUE_END = /[\s;|)]|\.\.|,|$/y;

const OPERATORS = ['!~=', '~=', '==', '!=', '>=', '<=', '>', '<'] as const;
const VALUE_HELP =
  'a value: a number, a "quoted string", true or false, a date-time like 2024-01-31T08:00:00Z, a date, a time, or a URI';

function matchAt(re: RegExp, text: string, index: number): RegExpExecArray | null {
  re.lastIndex = index;
  return re.exec(text);
}

/** Zero-pads a number (dates and times in normalised query values). */
export function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Temporal strings in a member that always holds date-times (observedAt, createdAt, modifiedAt): a quoted date-time or a date counts as one. */
export function asMemberValue(value: QValue): QValue {
  const convert = (s: QScalar): QScalar => {
    if (s.kind === 'date') return { kind: 'dateTime', value: `${s.value}T00:00:00.000Z` };
    if (s.kind === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(s.value)) {
      const time = Date.parse(s.value);
      if (!Number.isNaN(time)) return { kind: 'dateTime', value: new Date(time).toISOString() };
    }
    return s;
  };
  if (value.kind === 'list') return { kind: 'list', items: value.items.map(convert) };
  if (value.kind === 'range') return { kind: 'range', min: convert(value.min), max: convert(value.max) };
  return convert(value);
}

/**
 * A dateTime (UTC, milliseconds) rounded to whole seconds, down or up: stored times compare at the precision the
 * hub keeps, the SQL translation and the in-memory evaluator round the same way.
 */
export function secondsOf(iso: string, round: 'floor' | 'ceil'): string {
  const millis = Date.parse(iso);
  const seconds = round === 'floor' ? Math.floor(millis / 1000) : Math.ceil(millis / 1000);
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}Z`;
}

/** A time `HH:MM:SS.sss` rounded to whole seconds, down or up (`24:00:00` past the last second of a day). */
export function timeSeconds(value: string, round: 'floor' | 'ceil'): string {
  const [h, m, s] = value.slice(0, 8).split(':').map(Number) as [number, number, number];
  let total = h * 3600 + m * 60 + s + (round === 'ceil' && value.slice(9) !== '000' ? 1 : 0);
  total = Math.min(total, 86399 + (round === 'ceil' ? 1 : 0));
  if (total === 86400) return '24:00:00';
  return `${pad(Math.floor(total / 3600))}:${pad(Math.floor(total / 60) % 60)}:${pad(total % 60)}`;
}

const Q_SYNTAX: BooleanSyntax = {
  parameter: 'q',
  or: '|',
  and: ';',
  space: ' \t',
  separators: '";" (and), "|" (or)',
  end: 'the end of the query',
};

class QParser extends BooleanParser<QTerm> {
  private terms = 0;

  constructor(text: string) {
    super(text, Q_SYNTAX);
  }

  protected atom(): QTerm {
    if (++this.terms > QUERY_LIMITS.terms) this.fail(`at most ${QUERY_LIMITS.terms} query terms`);
    let negated = false;
    if (this.text[this.i] === '!') {
      negated = true;
      this.i++;
    }
    const path = this.path();
    this.space();
    if (negated) {
      if (!this.atTermEnd()) {
        this.fail(`";", "|", ")" or the end: "!${path.text}" only tests that the attribute is absent (to compare, write ${path.text}!=value)`);
      }
      return { kind: 'exists', path, negated: true };
    }
    if (this.atTermEnd()) return { kind: 'exists', path, negated: false };
    const op = OPERATORS.find((o) => this.text.startsWith(o, this.i));
    if (!op) this.fail(`an operator after "${path.text}" (== != > >= < <= ~= !~=), or ";", "|", ")" or the end`);
    this.i += op.length;
    this.space();
    if (op === '~=' || op === '!~=') {
      return { kind: 'match', path, negated: op === '!~=', pattern: this.pattern(op) };
    }
    const value = this.value(op);
    this.space();
    if (!this.atTermEnd()) this.fail(`";" (and), "|" (or), ")" or the end of the query after the value of ${path.text}${op}…`);
    return { kind: 'compare', path, op, value };
  }

  private atTermEnd(): boolean {
    const c = this.text[this.i];
    return c === undefined || c === ';' || c === '|' || c === ')';
  }

  private name(what: string): string {
    const m = matchAt(NAME, this.text, this.i);
    if (!m) this.fail(what);
    this.i += m[0].length;
    return m[0];
  }

  private path(): QPath {
    const start = this.i;
    const attribute = this.name('an attribute name (a letter, then letters, digits or "_"), "!" or "("');
    const subAttributes: string[] = [];
    let member: QMember | undefined;
    while (this.text[this.i] === '.' && this.text[this.i + 1] !== '.') {
      this.i++;
      const at = this.i;
      const name = this.name(`a sub-attribute or member name after "."`);
      if (member) this.fail(`nothing after ".${member}" (it is a member of the attribute, not a sub-attribute)`, at - 1);
      if ((Q_MEMBERS as readonly string[]).includes(name)) member = name as QMember;
      else subAttributes.push(name);
    }
    if (this.text[this.i] === '{') {
      this.fail('an operator: linked-entity queries (attribute{…}) are not supported by this broker');
    }
    let valuePath: string[] | undefined;
    if (this.text[this.i] === '[') {
      if (member) this.fail(`an operator: "[…]" selects inside a value, and ".${member}" has none`);
      this.i++;
      valuePath = [];
      do {
        if (valuePath.length > 0) this.i++;
        const m = matchAt(VALUE_PATH_SEGMENT, this.text, this.i);
        if (!m) this.fail('a member name inside "[…]" (letters, digits, "_" or "-"), or "*"');
        valuePath.push(m[0]);
        this.i += m[0].length;
      } while (this.text[this.i] === '.');
      if (this.text[this.i] !== ']') this.fail('"." or "]" to close the value path');
      this.i++;
      if (valuePath.length > 1 && valuePath.includes('*')) this.fail('"[*]" alone: "*" (any language) cannot be part of a longer path', start);
    }
    return { attribute, subAttributes, member, valuePath, text: this.text.slice(start, this.i) };
  }

  /** The regular expression after ~= or !~=: a "JSON string", or raw up to a ";", "|" or ")" that is not inside (…) or […]. */
  private pattern(op: string): string {
    const start = this.i;
    let pattern: string;
    if (this.text[this.i] === '"') {
      pattern = this.quoted();
    } else {
      let depth = 0;
      let bracket = false;
      while (this.i < this.text.length) {
        const c = this.text[this.i];
        if (c === '\\') {
          this.i += 2;
          continue;
        }
        if (bracket) {
          if (c === ']') bracket = false;
        } else if (c === '[') {
          bracket = true;
          if (this.text[this.i + 1] === '^') this.i++;
          if (this.text[this.i + 1] === ']') this.i++;
        } else if (c === '(') depth++;
        else if (c === ')') {
          if (depth === 0) break;
          depth--;
        } else if ((c === ';' || c === '|') && depth === 0) break;
        this.i++;
      }
      this.i = Math.min(this.i, this.text.length);
      pattern = this.text.slice(start, this.i).trimEnd();
      if (pattern.length === 0) this.fail(`a regular expression after "${op}"`, start);
    }
    const problem = regexProblem(pattern);
    if (problem) {
      const quoted = this.text[start] === '"';
      this.fail(`a supported regular expression; ${problem.message}`, quoted ? start : start + problem.index);
    }
    return pattern;
  }

  /** A JSON string starting at this.i. */
  private quoted(): string {
    const start = this.i;
    let j = this.i + 1;
    while (j < this.text.length && this.text[j] !== '"') j += this.text[j] === '\\' ? 2 : 1;
    if (j >= this.text.length) this.fail('a closing " for the string', start);
    let value: string;
    try {
      value = JSON.parse(this.text.slice(start, j + 1)) as string;
    } catch {
      this.fail('a valid JSON string (escapes: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)', start);
    }
    if (isUnstorable(value)) this.fail('a string without \\u0000 or unpaired surrogate escapes', start);
    this.i = j + 1;
    return value;
  }

  private value(op: QOperator): QValue {
    const equality = op === '==' || op === '!=';
    const start = this.i;
    const first = this.scalar(op, equality);
    if (this.text.startsWith('..', this.i)) {
      if (!equality) this.fail(`no range after "${op}": ranges (a==1..5) go with == and != only`);
      const dots = this.i;
      this.i += 2;
      const second = this.scalar(op, false);
      if (!isOrdered(first) || !isOrdered(second)) {
        this.fail('a range of numbers, strings, date-times, dates or times (e.g. 10..20)', dots);
      }
      if (first.kind !== second.kind) this.fail(`both ends of the range to be of one kind; got a ${first.kind} and a ${second.kind}`, dots);
      return { kind: 'range', min: first, max: second };
    }
    if (this.text[this.i] === ',') {
      if (!equality) this.fail(`no list after "${op}": value lists (a==1,2,3) go with == and != only`);
      const items = [first];
      while (this.text[this.i] === ',') {
        this.i++;
        if (items.length >= QUERY_LIMITS.listValues) this.fail(`at most ${QUERY_LIMITS.listValues} values in a list`);
        items.push(this.scalar(op, true));
      }
      return { kind: 'list', items };
    }
    if (!equality && !isOrdered(first)) {
      this.fail(`a number, string, date-time, date or time after "${op}": ${first.kind === 'boolean' ? 'true and false' : 'URIs and bare names'} compare with == and != only`, start);
    }
    return first;
  }

  private scalar(op: string, allowUri: boolean): QScalar {
    const start = this.i;
    const text = this.text;
    if (text[start] === '"') return { kind: 'string', value: this.quoted() };
    const end = (length: number): boolean => matchAt(VALUE_END, text, start + length) !== null;
    let m = matchAt(DATE_TIME, text, start);
    if (m && end(m[0].length)) {
      this.i += m[0].length;
      return { kind: 'dateTime', value: this.dateTime(m, start) };
    }
    m = matchAt(DATE, text, start);
    if (m && end(m[0].length)) {
      this.i += m[0].length;
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      if (!isRealDate(y, mo, d)) this.fail('a real calendar date (YYYY-MM-DD)', start);
      return { kind: 'date', value: m[0] };
    }
    m = matchAt(TIME, text, start);
    if (m && end(m[0].length)) {
      this.i += m[0].length;
      const [h, mi, s] = [Number(m[1]), Number(m[2]), Number(m[3])];
      if (h > 23 || mi > 59 || s > 59) this.fail('a real time of day (HH:MM:SS, hours up to 23)', start);
      return { kind: 'time', value: `${m[1]}:${m[2]}:${m[3]}.${(m[4] ?? '').padEnd(3, '0').slice(0, 3)}` };
    }
    m = matchAt(NUMBER, text, start);
    if (m && end(m[0].length)) {
      const value = Number(m[0]);
      if (!Number.isFinite(value) || (m[1] !== undefined && Number(m[1]) > 400)) {
        this.fail('a number within ±1.7976931348623157e308 and an exponent of at most 400', start);
      }
      this.i += m[0].length;
      return { kind: 'number', value, text: m[0] };
    }
    m = matchAt(BOOLEAN, text, start);
    if (m) {
      this.i += m[0].length;
      return { kind: 'boolean', value: m[0] === 'true' };
    }
    if (allowUri) {
      m = matchAt(URI, text, start);
      if (m) {
        this.i += m[0].length;
        return { kind: 'uri', value: m[0] };
      }
      m = matchAt(BARE_NAME, text, start);
      if (m) {
        this.i += m[0].length;
        return { kind: 'name', value: m[0] };
      }
    }
    return this.fail(`${VALUE_HELP} after "${op}"${allowUri ? '' : ' (URIs and bare names only with == and !=)'}`, start);
  }

  private dateTime(m: RegExpExecArray, start: number): string {
    const [y, mo, d, h, mi] = [1, 2, 3, 4, 5].map((k) => Number(m[k]));
    const s = Number(m[6] ?? 0);
    if (!isRealDate(y as number, mo as number, d as number) || (h as number) > 23 || (mi as number) > 59 || s > 59) {
      this.fail('a real date-time (month 01-12, day valid for the month, hours up to 23)', start);
    }
    const zone = m[8] ?? 'Z';
    const fraction = (m[7] ?? '').padEnd(3, '0').slice(0, 3);
    const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${pad(s)}.${fraction}${zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`}`;
    const time = Date.parse(iso);
    if (Number.isNaN(time)) this.fail('a date-time with a valid time zone (Z or ±HH:MM)', start);
    return new Date(time).toISOString();
  }
}

function isOrdered(value: QScalar): boolean {
  return value.kind === 'number' || value.kind === 'string' || value.kind === 'dateTime' || value.kind === 'date' || value.kind === 'time';
}

function isRealDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/**
 * Parses an NGSI-LD `q` (clause 4.9). `;` (and) binds tighter than `|` (or); parentheses group; both are associative.
 * Throws AppError BAD_REQUEST_DATA naming the character and what was expected there.
 * @example parseQ('(temperature>=20;temperature<=25)|capacity<=10')
 * @example parseQ('isParked=="urn:ngsi-ld:OffStreetParking:Downtown1";!broken')
 */
export function parseQ(text: string): QExpression {
  return new QParser(checkQueryText('q', text)).parse();
}
