/** The NGSI-LD Query Language (`q`, clause 4.9) as SQL: one jsonb_path_exists per term over `ngsi_entities.attrs`; the jsonpath and its variables travel as parameters. */
import { queryError, type SqlParams, type TermExpander } from './model.ts';
import { type QExpression, type QMember, type QOperator, type QScalar, type QTerm, type QValue, asMemberValue, secondsOf, timeSeconds } from './q.ts';

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

/** A jsonpath string literal (also for member names: `."https://…"`). */
function literal(text: string): string {
  return JSON.stringify(text);
}

function key(name: string): string {
  return `.${literal(name)}`;
}

/** The jsonpath of one term, with its variables. */
class TermPath {
  private readonly vars = new Map<string, string>();

  constructor(private readonly terms: TermExpander) {}

  /** The jsonpath variable holding `json` (one variable per distinct value). */
  variable(json: string): string {
    let name = this.vars.get(json);
    if (name === undefined) {
      name = `v${this.vars.size}`;
      this.vars.set(json, name);
    }
    return `$${name}`;
  }

  scalarJson(value: QScalar): string {
    return value.kind === 'number' ? value.text : value.kind === 'boolean' ? String(value.value) : literal(value.value);
  }

  varsJson(): string {
    return `{${[...this.vars].map(([json, name]) => `${literal(name)}:${json}`).join(',')}}`;
  }

  expand(term: string): string {
    try {
      return this.terms.expand(term);
    } catch {
      return term;
    }
  }
}

/** Formats a temporal target may be stored in, each compared as text against the query value rendered the same way. */
interface TemporalFormat {
  /** The jsonpath condition on `@` that picks strings in this format. */
  test: string;
  /** The query value in this format, rounded down or up; `exact` when no rounding happened. */
  render(value: QScalar, round: 'floor' | 'ceil'): string;
  exact(value: QScalar): boolean;
}

const DIGITS = (n: number): string => `[0-9]{${n}}`;
const YMD = `${DIGITS(4)}-${DIGITS(2)}-${DIGITS(2)}`;
const HMS = `${DIGITS(2)}:${DIGITS(2)}:${DIGITS(2)}`;
const like = (regex: string): string => `@ like_regex ${literal(regex)}`;


const TEMPORAL_FORMATS: Record<'dateTime' | 'date' | 'time' | 'member', TemporalFormat[]> = {
  dateTime: [
    { test: like(`^${YMD}T${HMS}\\.${DIGITS(3)}Z$`), render: (v) => v.value as string, exact: () => true },
    {
      test: like(`^${YMD}T${HMS}Z$`),
      render: (v, round) => secondsOf(v.value as string, round),
      exact: (v) => (v.value as string).endsWith('.000Z'),
    },
  ],
  date: [{ test: like(`^${YMD}$`), render: (v) => v.value as string, exact: () => true }],
  time: ['', 'Z'].flatMap((zone): TemporalFormat[] => [
    {
      test: like(`^${HMS}${zone}$`),
      render: (v, round) => `${timeSeconds(v.value as string, round)}${zone}`,
      exact: (v) => (v.value as string).endsWith('.000'),
    },
    { test: like(`^${HMS}\\.${DIGITS(3)}${zone}$`), render: (v) => `${v.value as string}${zone}`, exact: () => true },
  ]),
  // observedAt / createdAt / modifiedAt: the hub stores them as UTC with milliseconds, so a cheap range check
  // (instead of a regular expression, three times slower) keeps out anything that is not such a time.
  member: [
    {
      test: '@ >= "0000-01-01T00:00:00.000Z" && @ <= "9999-12-31T23:59:59.999Z"',
      render: (v) => v.value as string,
      exact: () => true,
    },
  ],
};

type Temporal = Extract<QScalar, { kind: 'dateTime' | 'date' | 'time' }>;

function isTemporal(value: QScalar): value is Temporal {
  return value.kind === 'dateTime' || value.kind === 'date' || value.kind === 'time';
}

/** The predicate on `@` (one target item) for a comparison; undefined when it can never hold. */
function itemPredicate(op: QOperator, value: QValue, path: TermPath, variants: (s: QScalar) => QScalar[], member: boolean): string | undefined {
  const eqOp = op === '!=' ? '==' : op;
  if (value.kind === 'range') return rangePredicate(value.min, value.max, path, member);
  const items = value.kind === 'list' ? value.items : [value];
  const parts: string[] = [];
  const plain: string[] = [];
  for (const item of items) {
    if (isTemporal(item)) {
      const p = temporalPredicate(eqOp, item, path, member);
      if (p) parts.push(p);
    } else {
      for (const v of variants(item)) plain.push(path.scalarJson(v));
    }
  }
  if (plain.length === 1) parts.push(`@ ${eqOp} ${path.variable(plain[0] as string)}`);
  else if (plain.length > 1) parts.push(`@ == ${path.variable(`[${[...new Set(plain)].join(',')}]`)}[*]`);
  return parts.length === 0 ? undefined : parts.map((p) => `(${p})`).join(' || ');
}

function formatsOf(value: Temporal, member: boolean): TemporalFormat[] {
  return TEMPORAL_FORMATS[member && value.kind === 'dateTime' ? 'member' : value.kind];
}

function temporalPredicate(op: QOperator, value: Temporal, path: TermPath, member: boolean): string | undefined {
  const parts: string[] = [];
  for (const format of formatsOf(value, member)) {
    const exact = format.exact(value);
    let condition: string | undefined;
    if (exact) condition = `@ ${op} ${path.variable(literal(format.render(value, 'floor')))}`;
    else if (op === '>' || op === '>=') condition = `@ >= ${path.variable(literal(format.render(value, 'ceil')))}`;
    else if (op === '<' || op === '<=') condition = `@ <= ${path.variable(literal(format.render(value, 'floor')))}`;
    if (condition) parts.push(`${format.test} && ${condition}`);
  }
  return parts.length === 0 ? undefined : parts.map((p) => `(${p})`).join(' || ');
}

function rangePredicate(min: QScalar, max: QScalar, path: TermPath, member: boolean): string | undefined {
  if (isTemporal(min) && isTemporal(max)) {
    const parts: string[] = [];
    for (const format of formatsOf(min, member)) {
      const low = path.variable(literal(format.render(min, 'ceil')));
      const high = path.variable(literal(format.render(max, 'floor')));
      parts.push(`${format.test} && @ >= ${low} && @ <= ${high}`);
    }
    return parts.map((p) => `(${p})`).join(' || ');
  }
  return `@ >= ${path.variable(path.scalarJson(min))} && @ <= ${path.variable(path.scalarJson(max))}`;
}


/** What a term tests on one target: the jsonpath expressions (relative to the instance `@`) that hold its value(s). */
interface Target {
  kinds: readonly string[];
  contents: string[];
  /** Which operators apply: relationships only support == and != (clause 4.9). */
  equalityOnly: boolean;
  vocab: boolean;
  /** Holds only strings (so a number or boolean can never equal or order against it). */
  stringsOnly: boolean;
}

function targets(valuePath: string[] | undefined, temporal: boolean): Target[] {
  const tail = (valuePath ?? []).map(key).join('');
  const language = valuePath && valuePath.length === 1 ? valuePath[0] : undefined;
  // A typed literal ({"@type": "DateTime", "@value": "…"}) is compared by its @value.
  const value = valuePath ? [`@.value${tail}`] : temporal ? ['@.value', '@.value."@value"'] : ['@.value'];
  const list: Target[] = [
    { kinds: INSTANCE_KINDS.value, contents: value, equalityOnly: false, vocab: false, stringsOnly: false },
    { kinds: INSTANCE_KINDS.json, contents: [`@.json${tail}`], equalityOnly: false, vocab: false, stringsOnly: false },
    { kinds: INSTANCE_KINDS.list, contents: [`@.valueList[*]${tail}`], equalityOnly: false, vocab: false, stringsOnly: false },
  ];
  if (!valuePath || language !== undefined) {
    const member = language === undefined || language === '*' ? '.*' : key(language);
    list.push({ kinds: INSTANCE_KINDS.language, contents: [`@.languageMap${member}`], equalityOnly: false, vocab: false, stringsOnly: true });
  }
  if (!valuePath) {
    list.push(
      { kinds: INSTANCE_KINDS.vocab, contents: ['@.vocab'], equalityOnly: false, vocab: true, stringsOnly: true },
      { kinds: INSTANCE_KINDS.object, contents: ['@.object'], equalityOnly: true, vocab: false, stringsOnly: true },
      { kinds: INSTANCE_KINDS.objectList, contents: ['@.objectList'], equalityOnly: true, vocab: false, stringsOnly: true },
    );
  }
  return list;
}

function scalarsOf(value: QValue): QScalar[] {
  return value.kind === 'list' ? value.items : value.kind === 'range' ? [value.min, value.max] : [value];
}

function typeGuard(kinds: readonly string[]): string {
  return kinds.map((k) => `@.type == ${literal(k)}`).join(' || ');
}

function anyOf(parts: string[]): string {
  return parts.length === 1 ? (parts[0] as string) : parts.map((p) => `(${p})`).join(' || ');
}

/** The condition on one target's contents for a term (existence when `term` is an 'exists'). */
function contentCondition(
  term: QTerm,
  contents: string[],
  path: TermPath,
  variants: (s: QScalar) => QScalar[],
  timeMember = false,
): string | undefined {
  const exists = anyOf(contents.map((c) => `exists(${c})`));
  if (term.kind === 'exists') return exists;
  if (term.kind === 'match') {
    const like = anyOf(contents.map((c) => `exists(${c}[*] ? (@ like_regex ${literal(term.pattern)}))`));
    if (!term.negated) return like;
    const strings = anyOf(contents.map((c) => `exists(${c}[*] ? (@.type() == "string"))`));
    return `(${strings}) && !(${like})`;
  }
  const predicate = itemPredicate(term.op, term.value, path, variants, timeMember);
  const hit = predicate === undefined ? undefined : anyOf(contents.map((c) => `exists(${c}[*] ? (${predicate}))`));
  if (term.op !== '!=') return hit;
  return hit === undefined ? exists : `(${exists}) && !(${hit})`;
}

/** The jsonpath (over e.attrs) and variables of one term; undefined when the term can never match. */
function termJsonPath(term: QTerm, terms: TermExpander): { path: string; vars: string } | undefined {
  const tp = new TermPath(terms);
  const p = term.path;
  let instance = `$${key(terms.expand(p.attribute))}[*]`;
  for (const sub of p.subAttributes) instance += `.sub${key(terms.expand(sub))}`;
  const raw = (s: QScalar): QScalar[] => [s];

  if (p.member) {
    const member = `@${key(p.member)}`;
    const value = term.kind === 'compare' && TEMPORAL_MEMBERS.has(p.member) ? { ...term, value: asMemberValue(term.value) } : term;
    const variants =
      p.member === 'datasetId'
        ? (s: QScalar): QScalar[] => (s.kind === 'string' || s.kind === 'uri' || s.kind === 'name' ? [s, { kind: 'string', value: tp.expand(s.value) }] : [s])
        : raw;
    const condition = contentCondition(value, [member], tp, variants, TEMPORAL_MEMBERS.has(p.member));
    return condition === undefined ? undefined : { path: `${instance} ? (${condition})`, vars: tp.varsJson() };
  }
  if (term.kind === 'exists' && !p.valuePath) return { path: instance, vars: '{}' };

  const scalars = term.kind === 'compare' ? scalarsOf(term.value) : [];
  const temporal = scalars.some(isTemporal);
  // A positive comparison with numbers or booleans only can never hold on a target that holds only strings.
  const noStrings = term.kind === 'compare' && term.op !== '!=' && scalars.every((v) => v.kind === 'number' || v.kind === 'boolean');
  const branches: string[] = [];
  for (const target of targets(p.valuePath, temporal)) {
    if (target.equalityOnly && (term.kind === 'match' || (term.kind === 'compare' && term.op !== '==' && term.op !== '!='))) continue;
    if (target.stringsOnly && noStrings) continue;
    const variants = target.vocab
      ? (s: QScalar): QScalar[] =>
          s.kind === 'string' || s.kind === 'uri' || s.kind === 'name' ? [s, { kind: 'string', value: tp.expand(s.value) }] : [s]
      : raw;
    const condition = contentCondition(term, target.contents, tp, variants);
    if (condition !== undefined) branches.push(`(${typeGuard(target.kinds)}) && (${condition})`);
  }
  return branches.length === 0 ? undefined : { path: `${instance} ? (${anyOf(branches)})`, vars: tp.varsJson() };
}

function termToSql(term: QTerm, terms: TermExpander, params: SqlParams): string {
  const p = term.path;
  if (term.kind === 'exists' && !p.member && !p.valuePath && p.subAttributes.length === 0) {
    const test = `(e.attrs ? ${params.add(terms.expand(p.attribute))})`;
    return term.negated ? `(NOT ${test})` : test;
  }
  const jsonPath = termJsonPath(term, terms);
  if (!jsonPath) return term.kind === 'exists' && term.negated ? 'TRUE' : 'FALSE';
  const { path, vars } = jsonPath;
  const call = `jsonb_path_exists(e.attrs, ${params.add(path)}::jsonpath, ${params.add(vars)}::jsonb, true)`;
  return term.kind === 'exists' && term.negated ? `(${call} IS NOT TRUE)` : `(${call} IS TRUE)`;
}

/**
 * Translates a parsed `q` to a boolean SQL condition over `e.attrs` (table ngsi_entities aliased `e`). Attribute names
 * are expanded with `terms`; every IRI, value and jsonpath goes through `params`. A term matches when any instance
 * of the attribute matches; values of another JSON type than the query's never match (`!=` treats them as unequal).
 * @example
 * const params = new SqlParams([tenant]);
 * const where = qToSql(parseQ('temperature>20;refRoad=="urn:ngsi-ld:Road:1"'), terms, params);
 * await store.query(`SELECT e.id FROM ngsi_entities e WHERE e.tenant = $1 AND ${where}`, params.values);
 */
export function qToSql(expr: QExpression, terms: TermExpander, params: SqlParams): string {
  if (expr.kind === 'and' || expr.kind === 'or') {
    if (expr.operands.length === 0) queryError('q', 'an empty group');
    const joiner = expr.kind === 'and' ? ' AND ' : ' OR ';
    return `(${expr.operands.map((o) => qToSql(o, terms, params)).join(joiner)})`;
  }
  return termToSql(expr, terms, params);
}

/**
 * The attribute names (as written) a parsed `q` refers to, e.g. to check them against a policy.
 * @example qAttributes(parseQ('a>1;(b|a.observedAt>2024-01-01)')) // ['a', 'b']
 */
export function qAttributes(expr: QExpression): string[] {
  if (expr.kind === 'and' || expr.kind === 'or') return [...new Set(expr.operands.flatMap(qAttributes))];
  return [expr.path.attribute];
}
