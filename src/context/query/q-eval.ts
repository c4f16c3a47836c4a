/**
 * The query languages evaluated in memory on one StoredEntity (`q`, `scopeQ`, `type`): for subscriptions and live
 * views, which test each change as it is written. Each rule mirrors the SQL translation (q-sql.ts, scope.ts,
 * type-selection.ts) — including PostgreSQL's lax jsonpath semantics — so a subscription matches exactly the
 * entities the query endpoint returns (test/ngsi-ld-subscriptions/q-agreement.test.ts compares both).
 */
import type { StoredEntity } from '../model.ts';
import type { TermExpander } from './model.ts';
import { type QExpression, type QMember, type QOperator, type QScalar, type QTerm, type QValue, asMemberValue, secondsOf, timeSeconds } from './q.ts';
import type { ScopePattern, ScopeQuery } from './scope.ts';
import type { TypeSelection } from './type-selection.ts';

type Json = unknown;

/** One step of a jsonpath accessor chain: `.name`, `.*` or `[*]`. */
type Step = { kind: 'key'; name: string } | { kind: 'any' } | { kind: 'elements' };

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Applies accessors in lax mode: member accessors unwrap one level of arrays; missing members yield nothing. */
function walk(items: Json[], steps: readonly Step[]): Json[] {
  let current = items;
  for (const step of steps) {
    const next: Json[] = [];
    for (const item of current) {
      if (step.kind === 'elements') {
        if (Array.isArray(item)) next.push(...item);
        else next.push(item);
        continue;
      }
      const targets = Array.isArray(item) ? item : [item];
      for (const target of targets) {
        if (!isObject(target)) continue;
        if (step.kind === 'any') next.push(...Object.values(target));
        else if (Object.hasOwn(target, step.name)) next.push(target[step.name]);
      }
    }
    current = next;
  }
  return current;
}

// ---- comparisons as jsonpath makes them (numeric exactly, strings by code point, other type pairs unknown) ----

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** Compares two JSON number texts exactly, as PostgreSQL's numeric does. */
export function compareDecimal(a: string, b: string): number {
  const x = DECIMAL.exec(a);
  const y = DECIMAL.exec(b);
  if (!x || !y) return Math.sign(Number(a) - Number(b));
  const parse = (m: RegExpExecArray) => {
    const frac = m[3] ?? '';
    const digits = `${m[2]}${frac}`.replace(/^0+/, '');
    const mantissa = BigInt(digits || '0') * (m[1] ? -1n : 1n);
    return { mantissa, exponent: Number(m[4] ?? 0) - frac.length };
  };
  const p = parse(x);
  const q = parse(y);
  const low = Math.min(p.exponent, q.exponent);
  const left = p.mantissa * 10n ** BigInt(p.exponent - low);
  const right = q.mantissa * 10n ** BigInt(q.exponent - low);
  return left < right ? -1 : left > right ? 1 : 0;
}

function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** A query-side operand: a JSON scalar, numbers kept as their text. */
type Operand = { t: 'number'; text: string; value: number } | { t: 'string'; value: string } | { t: 'boolean'; value: boolean };

function operandOf(s: QScalar): Operand {
  if (s.kind === 'number') return { t: 'number', text: s.text, value: s.value };
  if (s.kind === 'boolean') return { t: 'boolean', value: s.value };
  return { t: 'string', value: s.value };
}

const exact = new Map<string, boolean>();
function isShortest(text: string): boolean {
  let known = exact.get(text);
  if (known === undefined) {
    known = String(Number(text)) === text;
    if (exact.size < 10_000) exact.set(text, known);
  }
  return known;
}

/** `item op operand` on one (unwrapped) item: true, or false when false or unknown. */
function compareOne(item: Json, op: QOperator, b: Operand): boolean {
  let cmp: number;
  if (typeof item === 'number' && b.t === 'number') {
    cmp = isShortest(b.text) ? Math.sign(item - b.value) : compareDecimal(JSON.stringify(item), b.text);
  } else if (typeof item === 'string' && b.t === 'string') {
    if (op === '==') return item === b.value;
    cmp = compareCodePoints(item, b.value);
  } else if (typeof item === 'boolean' && b.t === 'boolean') {
    cmp = item === b.value ? 0 : item ? 1 : -1;
  } else {
    return false;
  }
  switch (op) {
    case '==':
      return cmp === 0;
    case '>':
      return cmp > 0;
    case '>=':
      return cmp >= 0;
    case '<':
      return cmp < 0;
    case '<=':
      return cmp <= 0;
    default:
      return false;
  }
}

/** Lax comparison: an array operand is unwrapped one level. */
function compare(item: Json, op: QOperator, b: Operand): boolean {
  if (Array.isArray(item)) return item.some((el) => !Array.isArray(el) && compareOne(el, op, b));
  return compareOne(item, op, b);
}

function likeRegex(item: Json, regex: RegExp): boolean {
  if (Array.isArray(item)) return item.some((el) => typeof el === 'string' && regex.test(el));
  return typeof item === 'string' && regex.test(item);
}

const regexCache = new Map<string, RegExp>();
function regexOf(pattern: string): RegExp {
  let regex = regexCache.get(pattern);
  if (!regex) {
    regex = new RegExp(pattern);
    if (regexCache.size < 1000) regexCache.set(pattern, regex);
  }
  return regex;
}

type Predicate = (item: Json) => boolean;

// ---- temporal formats (as q-sql.ts TEMPORAL_FORMATS) ----

interface TemporalFormat {
  test: Predicate;
  render(value: QScalar, round: 'floor' | 'ceil'): string;
  exact(value: QScalar): boolean;
}

const YMD = '[0-9]{4}-[0-9]{2}-[0-9]{2}';
const HMS = '[0-9]{2}:[0-9]{2}:[0-9]{2}';
const like = (source: string): Predicate => {
  const regex = new RegExp(source);
  return (item) => likeRegex(item, regex);
};


const MEMBER_LOW: Operand = { t: 'string', value: '0000-01-01T00:00:00.000Z' };
const MEMBER_HIGH: Operand = { t: 'string', value: '9999-12-31T23:59:59.999Z' };

const TEMPORAL_FORMATS: Record<'dateTime' | 'date' | 'time' | 'member', TemporalFormat[]> = {
  dateTime: [
    { test: like(`^${YMD}T${HMS}\\.[0-9]{3}Z$`), render: (v) => v.value as string, exact: () => true },
    { test: like(`^${YMD}T${HMS}Z$`), render: (v, round) => secondsOf(v.value as string, round), exact: (v) => (v.value as string).endsWith('.000Z') },
  ],
  date: [{ test: like(`^${YMD}$`), render: (v) => v.value as string, exact: () => true }],
  time: ['', 'Z'].flatMap((zone): TemporalFormat[] => [
    {
      test: like(`^${HMS}${zone}$`),
      render: (v, round) => `${timeSeconds(v.value as string, round)}${zone}`,
      exact: (v) => (v.value as string).endsWith('.000'),
    },
    { test: like(`^${HMS}\\.[0-9]{3}${zone}$`), render: (v) => `${v.value as string}${zone}`, exact: () => true },
  ]),
  member: [{ test: (item) => compare(item, '>=', MEMBER_LOW) && compare(item, '<=', MEMBER_HIGH), render: (v) => v.value as string, exact: () => true }],
};

type Temporal = Extract<QScalar, { kind: 'dateTime' | 'date' | 'time' }>;
const isTemporal = (v: QScalar): v is Temporal => v.kind === 'dateTime' || v.kind === 'date' || v.kind === 'time';
const formatsOf = (value: Temporal, member: boolean) => TEMPORAL_FORMATS[member && value.kind === 'dateTime' ? 'member' : value.kind];
const str = (value: string): Operand => ({ t: 'string', value });

function temporalPredicate(op: QOperator, value: Temporal, member: boolean): Predicate | undefined {
  const parts: Predicate[] = [];
  for (const format of formatsOf(value, member)) {
    let condition: Predicate | undefined;
    if (format.exact(value)) {
      const b = str(format.render(value, 'floor'));
      condition = (item) => compare(item, op, b);
    } else if (op === '>' || op === '>=') {
      const b = str(format.render(value, 'ceil'));
      condition = (item) => compare(item, '>=', b);
    } else if (op === '<' || op === '<=') {
      const b = str(format.render(value, 'floor'));
      condition = (item) => compare(item, '<=', b);
    }
    if (condition) {
      const test = format.test;
      const c = condition;
      parts.push((item) => test(item) && c(item));
    }
  }
  return parts.length === 0 ? undefined : (item) => parts.some((p) => p(item));
}

function rangePredicate(min: QScalar, max: QScalar, member: boolean): Predicate {
  if (isTemporal(min) && isTemporal(max)) {
    const parts = formatsOf(min, member).map((format) => {
      const low = str(format.render(min, 'ceil'));
      const high = str(format.render(max, 'floor'));
      return (item: Json) => format.test(item) && compare(item, '>=', low) && compare(item, '<=', high);
    });
    return (item) => parts.some((p) => p(item));
  }
  const low = operandOf(min);
  const high = operandOf(max);
  return (item) => compare(item, '>=', low) && compare(item, '<=', high);
}

function itemPredicate(op: QOperator, value: QValue, variants: (s: QScalar) => QScalar[], member: boolean): Predicate | undefined {
  const eqOp: QOperator = op === '!=' ? '==' : op;
  if (value.kind === 'range') return rangePredicate(value.min, value.max, member);
  const items = value.kind === 'list' ? value.items : [value];
  const parts: Predicate[] = [];
  const plain: Operand[] = [];
  for (const item of items) {
    if (isTemporal(item)) {
      const p = temporalPredicate(eqOp, item, member);
      if (p) parts.push(p);
    } else {
      for (const v of variants(item)) plain.push(operandOf(v));
    }
  }
  if (plain.length === 1) {
    const b = plain[0] as Operand;
    parts.push((item) => compare(item, eqOp, b));
  } else if (plain.length > 1) {
    parts.push((item) => plain.some((b) => compare(item, '==', b)));
  }
  return parts.length === 0 ? undefined : (item) => parts.some((p) => p(item));
}


// ---- terms ----

/** A condition on one attribute instance. */
type InstanceTest = (instance: Json) => boolean;

const INSTANCE_KINDS = {
  value: ['Property', 'GeoProperty'],
  json: ['JsonProperty'],
  list: ['ListProperty'],
  language: ['LanguageProperty'],
  vocab: ['VocabProperty'],
  object: ['Relationship'],
  objectList: ['ListRelationship'],
} as const;

const TEMPORAL_MEMBERS = new Set<QMember>(['observedAt', 'createdAt', 'modifiedAt']);

interface Target {
  kinds: readonly string[];
  contents: Step[][];
  equalityOnly: boolean;
  vocab: boolean;
  stringsOnly: boolean;
}

const key = (name: string): Step => ({ kind: 'key', name });

function targets(valuePath: string[] | undefined, temporal: boolean): Target[] {
  const tail = (valuePath ?? []).map(key);
  const language = valuePath && valuePath.length === 1 ? valuePath[0] : undefined;
  const value: Step[][] = valuePath ? [[key('value'), ...tail]] : temporal ? [[key('value')], [key('value'), key('@value')]] : [[key('value')]];
  const list: Target[] = [
    { kinds: INSTANCE_KINDS.value, contents: value, equalityOnly: false, vocab: false, stringsOnly: false },
    { kinds: INSTANCE_KINDS.json, contents: [[key('json'), ...tail]], equalityOnly: false, vocab: false, stringsOnly: false },
    { kinds: INSTANCE_KINDS.list, contents: [[key('valueList'), { kind: 'elements' }, ...tail]], equalityOnly: false, vocab: false, stringsOnly: false },
  ];
  if (!valuePath || language !== undefined) {
    const member: Step = language === undefined || language === '*' ? { kind: 'any' } : key(language);
    list.push({ kinds: INSTANCE_KINDS.language, contents: [[key('languageMap'), member]], equalityOnly: false, vocab: false, stringsOnly: true });
  }
  if (!valuePath) {
    list.push(
      { kinds: INSTANCE_KINDS.vocab, contents: [[key('vocab')]], equalityOnly: false, vocab: true, stringsOnly: true },
      { kinds: INSTANCE_KINDS.object, contents: [[key('object')]], equalityOnly: true, vocab: false, stringsOnly: true },
      { kinds: INSTANCE_KINDS.objectList, contents: [[key('objectList')]], equalityOnly: true, vocab: false, stringsOnly: true },
    );
  }
  return list;
}

const scalarsOf = (value: QValue): QScalar[] => (value.kind === 'list' ? value.items : value.kind === 'range' ? [value.min, value.max] : [value]);

function existsAny(contents: Step[][]): InstanceTest {
  return (instance) => contents.some((c) => walk([instance], c).length > 0);
}

/** `exists(c[*] ? (pred))` over any of the contents. */
function anyItem(contents: Step[][], pred: Predicate): InstanceTest {
  return (instance) => contents.some((c) => walk(walk([instance], c), [{ kind: 'elements' }]).some(pred));
}

function contentCondition(term: QTerm, contents: Step[][], variants: (s: QScalar) => QScalar[], timeMember = false): InstanceTest | undefined {
  const exists = existsAny(contents);
  if (term.kind === 'exists') return exists;
  if (term.kind === 'match') {
    const regex = regexOf(term.pattern);
    const matches = anyItem(contents, (item) => likeRegex(item, regex));
    if (!term.negated) return matches;
    const strings = anyItem(contents, (item) => typeof item === 'string');
    return (instance) => strings(instance) && !matches(instance);
  }
  const predicate = itemPredicate(term.op, term.value, variants, timeMember);
  const hit = predicate === undefined ? undefined : anyItem(contents, predicate);
  if (term.op !== '!=') return hit;
  if (hit === undefined) return exists;
  return (instance) => exists(instance) && !hit(instance);
}

function typeGuard(kinds: readonly string[]): InstanceTest {
  return (instance) => walk([instance], [key('type')]).some((t) => kinds.some((k) => compare(t, '==', str(k))));
}

function safeExpand(terms: TermExpander, term: string): string {
  try {
    return terms.expand(term);
  } catch {
    return term;
  }
}

/** A compiled q: true when the entity's attributes match. */
export type AttrsTest = (attrs: Record<string, unknown>) => boolean;

function compileTerm(term: QTerm, terms: TermExpander): AttrsTest {
  const p = term.path;
  const attribute = terms.expand(p.attribute);
  if (term.kind === 'exists' && !p.member && !p.valuePath && p.subAttributes.length === 0) {
    return term.negated ? (attrs) => !Object.hasOwn(attrs, attribute) : (attrs) => Object.hasOwn(attrs, attribute);
  }
  const instancePath: Step[] = [key(attribute), { kind: 'elements' }];
  for (const sub of p.subAttributes) instancePath.push(key('sub'), key(terms.expand(sub)));
  const instancesOf = (attrs: Record<string, unknown>) => walk([attrs], instancePath);
  const raw = (s: QScalar): QScalar[] => [s];
  const expandVariants = (s: QScalar): QScalar[] =>
    s.kind === 'string' || s.kind === 'uri' || s.kind === 'name' ? [s, { kind: 'string', value: safeExpand(terms, s.value) }] : [s];

  let test: InstanceTest | undefined;
  if (p.member) {
    const timeMember = TEMPORAL_MEMBERS.has(p.member);
    const value = term.kind === 'compare' && timeMember ? { ...term, value: asMemberValue(term.value) } : term;
    test = contentCondition(value, [[key(p.member)]], p.member === 'datasetId' ? expandVariants : raw, timeMember);
  } else if (term.kind === 'exists' && !p.valuePath) {
    test = () => true;
  } else {
    const scalars = term.kind === 'compare' ? scalarsOf(term.value) : [];
    const temporal = scalars.some(isTemporal);
    const noStrings = term.kind === 'compare' && term.op !== '!=' && scalars.every((v) => v.kind === 'number' || v.kind === 'boolean');
    const branches: InstanceTest[] = [];
    for (const target of targets(p.valuePath, temporal)) {
      if (target.equalityOnly && (term.kind === 'match' || (term.kind === 'compare' && term.op !== '==' && term.op !== '!='))) continue;
      if (target.stringsOnly && noStrings) continue;
      const condition = contentCondition(term, target.contents, target.vocab ? expandVariants : raw);
      if (condition !== undefined) {
        const guard = typeGuard(target.kinds);
        branches.push((instance) => guard(instance) && condition(instance));
      }
    }
    if (branches.length > 0) test = (instance) => branches.some((b) => b(instance));
  }
  if (!test) {
    const constant = term.kind === 'exists' && term.negated;
    return () => constant;
  }
  const found = test;
  const hit = (attrs: Record<string, unknown>) => instancesOf(attrs).some(found);
  return term.kind === 'exists' && term.negated ? (attrs) => !hit(attrs) : hit;
}

/**
 * Compiles a parsed `q` into a test on an entity's stored attributes, with the meaning of qToSql (q-sql.ts).
 * @example const test = compileQ(parseQ('temperature>20'), terms); test(entity.attrs)
 */
export function compileQ(expr: QExpression, terms: TermExpander): AttrsTest {
  if (expr.kind === 'and') {
    const parts = expr.operands.map((o) => compileQ(o, terms));
    return (attrs) => parts.every((p) => p(attrs));
  }
  if (expr.kind === 'or') {
    const parts = expr.operands.map((o) => compileQ(o, terms));
    return (attrs) => parts.some((p) => p(attrs));
  }
  return compileTerm(expr, terms);
}

/** Does the entity match `q`? (Compile once with compileQ when testing many entities.) */
export function matchesQ(expr: QExpression, terms: TermExpander, entity: Pick<StoredEntity, 'attrs'>): boolean {
  return compileQ(expr, terms)(entity.attrs as Record<string, unknown>);
}

// ---- scopeQ (scope.ts) ----

function scopeMatches(pattern: ScopePattern, scope: string): boolean {
  const path = `/${pattern.levels.join('/')}`;
  if (!pattern.levels.includes('+')) {
    if (!pattern.descendants) return scope === path;
    return scope === path || scope.startsWith(`${path}/`);
  }
  if (!scope.startsWith('/')) return false;
  const segments = scope.slice(1).split('/');
  if (pattern.descendants ? segments.length < pattern.levels.length : segments.length !== pattern.levels.length) return false;
  return pattern.levels.every((level, i) => (level === '+' ? (segments[i] as string).length > 0 : segments[i] === level));
}

/**
 * Does an entity with `scopes` match the parsed `scopeQ`? Same meaning as scopeQToSql.
 * @example matchesScopeQ(parseScopeQ('/Hangzhou/#'), ['/Hangzhou/Xihu']) // true
 */
export function matchesScopeQ(query: ScopeQuery, scopes: readonly string[]): boolean {
  if (query.kind === 'and') return query.operands.every((o) => matchesScopeQ(o, scopes));
  if (query.kind === 'or') return query.operands.some((o) => matchesScopeQ(o, scopes));
  if (query.levels.length === 0) return scopes.length > 0;
  return scopes.some((s) => scopeMatches(query, s));
}

// ---- type selection (type-selection.ts) ----

/**
 * Does an entity with the expanded `types` match the selection? Same meaning as typeSelectionToSql.
 * @example matchesTypeSelection(parseTypeSelection('Building,House'), terms, entity.types)
 */
export function matchesTypeSelection(selection: TypeSelection, terms: TermExpander, types: readonly string[]): boolean {
  switch (selection.kind) {
    case 'all':
      return true;
    case 'type':
      return types.includes(terms.expand(selection.name));
    case 'and':
      return selection.operands.every((o) => matchesTypeSelection(o, terms, types));
    case 'or':
      return selection.operands.some((o) => matchesTypeSelection(o, terms, types));
  }
}
