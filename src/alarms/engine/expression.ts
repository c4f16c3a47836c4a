/**
 * The alarm condition language (CONTRACT.md "Detection rules"): a tokenizer and recursive-descent parser producing an
 * AST, and its evaluation against an entity's keyValues and the engine's context (relationship hops, nearest entity,
 * rate of change, recent changes). Pure: the evaluation time comes in through the context, never from the clock.
 */

/** A parse failure: the column (1-based) and what was expected there. */
export class ExpressionError extends Error {
  constructor(
    readonly column: number,
    readonly expected: string,
  ) {
    super(`at column ${column}: ${expected}`);
    this.name = 'ExpressionError';
  }
}

export type CompareOp = '==' | '!=' | '>' | '>=' | '<' | '<=';

/** An attribute reference: own (`pm25`), one hop (`refBuilding.occupancyState`) or nearest (`nearest(WeatherObserved).windSpeed`). */
export type AttrRef = { kind: 'own'; attr: string } | { kind: 'hop'; via: string; attr: string } | { kind: 'nearest'; entityType: string; attr: string };

export type Expr =
  | { kind: 'and' | 'or'; operands: Expr[] }
  | { kind: 'not'; operand: Expr }
  | { kind: 'compare'; op: CompareOp; left: Expr; right: Expr }
  | { kind: 'in'; operand: Expr; values: (string | number | boolean)[] }
  | { kind: 'literal'; value: string | number | boolean }
  | { kind: 'attr'; ref: AttrRef; column: number }
  | { kind: 'rate'; ref: AttrRef; windowMs: number; column: number }
  | { kind: 'changed'; ref: AttrRef; windowMs: number; column: number };

type Token =
  | { t: 'num'; v: number; col: number }
  | { t: 'str'; v: string; col: number }
  | { t: 'id'; v: string; col: number }
  | { t: 'op'; v: string; col: number }
  | { t: 'end'; col: number };

const OPERATORS = ['==', '!=', '>=', '<=', '>', '<', '(', ')', ',', '.'];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const col = i + 1;
    if (c === '"') {
      let j = i + 1;
      let v = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        v += text[j];
        j++;
      }
      if (j >= text.length) throw new ExpressionError(col, 'a closing \'"\' for the string that starts here');
      tokens.push({ t: 'str', v, col });
      i = j + 1;
      continue;
    }
    const num = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (num && (c !== '-' || /\d/.test(text[i + 1] ?? ''))) {
      tokens.push({ t: 'num', v: Number(num[0]), col });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_:]*/.exec(text.slice(i));
    if (id) {
      tokens.push({ t: 'id', v: id[0], col });
      i += id[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ t: 'op', v: op, col });
      i += op.length;
      continue;
    }
    if (c === '=') throw new ExpressionError(col, "'==' (a single '=' is not a comparison)");
    throw new ExpressionError(col, `an attribute, a number, a "string" or an operator, not '${c}'`);
  }
  tokens.push({ t: 'end', col: text.length + 1 });
  return tokens;
}

const DURATION = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** An ISO 8601 duration (days, hours, minutes, seconds) in ms; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return undefined;
  const [d, h, min, s] = [m[1], m[2], m[3], m[4]].map((x) => Number(x ?? 0)) as [number, number, number, number];
  return Math.round((((d * 24 + h) * 60 + min) * 60 + s) * 1000);
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'true', 'false']);

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos] as Token;
  }
  private next(): Token {
    return this.tokens[this.pos++] as Token;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  private isWord(v: string): boolean {
    const t = this.peek();
    return t.t === 'id' && t.v === v;
  }
  private expectOp(v: string, after: string): void {
    if (!this.isOp(v)) throw new ExpressionError(this.peek().col, `expected '${v}' ${after}`);
    this.pos++;
  }

  parse(): Expr {
    if (this.peek().t === 'end') throw new ExpressionError(1, 'expected an expression, the text is empty');
    const e = this.or();
    const t = this.peek();
    if (t.t !== 'end') throw new ExpressionError(t.col, `expected 'and', 'or' or the end of the expression, not '${describe(t)}'`);
    return e;
  }
  private or(): Expr {
    const operands = [this.and()];
    while (this.isWord('or')) {
      this.pos++;
      operands.push(this.and());
    }
    return operands.length === 1 ? (operands[0] as Expr) : { kind: 'or', operands };
  }
  private and(): Expr {
    const operands = [this.not()];
    while (this.isWord('and')) {
      this.pos++;
      operands.push(this.not());
    }
    return operands.length === 1 ? (operands[0] as Expr) : { kind: 'and', operands };
  }
  private not(): Expr {
    if (this.isWord('not')) {
      this.pos++;
      return { kind: 'not', operand: this.not() };
    }
    return this.comparison();
  }
  private comparison(): Expr {
    const left = this.primary('at the start of an expression');
    const t = this.peek();
    if (t.t === 'op' && ['==', '!=', '>', '>=', '<', '<='].includes(t.v)) {
      this.pos++;
      const right = this.primary(`after '${t.v}'`);
      return { kind: 'compare', op: t.v as CompareOp, left, right };
    }
    if (this.isWord('in')) {
      this.pos++;
      this.expectOp('(', "after 'in' (a list such as in (\"away\", \"night\"))");
      const values: (string | number | boolean)[] = [];
      for (;;) {
        const v = this.next();
        if (v.t === 'num' || v.t === 'str') values.push(v.v);
        else if (v.t === 'id' && (v.v === 'true' || v.v === 'false')) values.push(v.v === 'true');
        else throw new ExpressionError(v.col, 'expected a number, a "string", true or false in the list after \'in\'');
        if (this.isOp(',')) {
          this.pos++;
          continue;
        }
        this.expectOp(')', "or ',' in the list after 'in'");
        break;
      }
      return { kind: 'in', operand: left, values };
    }
    return left;
  }
  private primary(where: string): Expr {
    const t = this.next();
    if (t.t === 'num') return { kind: 'literal', value: t.v };
    if (t.t === 'str') return { kind: 'literal', value: t.v };
    if (t.t === 'op' && t.v === '(') {
      const e = this.or();
      this.expectOp(')', 'to close the parenthesis');
      return e;
    }
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') return { kind: 'literal', value: t.v === 'true' };
      if (KEYWORDS.has(t.v)) throw new ExpressionError(t.col, `expected a number, a "string" or an attribute name ${where}, not the keyword '${t.v}'`);
      if (this.isOp('(')) return this.call(t.v, t.col);
      return { kind: 'attr', ref: this.path(t.v, t.col), column: t.col };
    }
    throw new ExpressionError(t.col, `expected a number, a "string" or an attribute name ${where}${t.t === 'end' ? '' : `, not '${describe(t)}'`}`);
  }
  private path(first: string, col: number): AttrRef {
    if (!this.isOp('.')) return { kind: 'own', attr: first };
    this.pos++;
    const attr = this.next();
    if (attr.t !== 'id') throw new ExpressionError(attr.col, `expected an attribute name after '${first}.'`);
    if (this.isOp('.')) throw new ExpressionError(this.peek().col, `only one hop through a relationship is supported (${first}.${attr.v})`);
    void col;
    return { kind: 'hop', via: first, attr: attr.v };
  }
  private call(name: string, col: number): Expr {
    this.pos++; // (
    if (name === 'nearest') {
      const type = this.next();
      if (type.t !== 'id') throw new ExpressionError(type.col, 'expected an entity type in nearest(…), e.g. nearest(WeatherObserved)');
      this.expectOp(')', 'after the entity type of nearest(…)');
      this.expectOp('.', "after nearest(…): name the attribute, e.g. nearest(WeatherObserved).windSpeed");
      const attr = this.next();
      if (attr.t !== 'id') throw new ExpressionError(attr.col, 'expected an attribute name after nearest(…).');
      return { kind: 'attr', ref: { kind: 'nearest', entityType: type.v, attr: attr.v }, column: col };
    }
    if (name === 'rate' || name === 'changed') {
      const a = this.next();
      if (a.t !== 'id') throw new ExpressionError(a.col, `expected an attribute name as the first argument of ${name}(…)`);
      const ref = a.v === 'nearest' ? undefined : this.path(a.v, a.col);
      if (!ref) throw new ExpressionError(a.col, `${name}(…) takes an attribute of the entity or one hop, not nearest(…)`);
      this.expectOp(',', `after the attribute in ${name}(…)`);
      const d = this.next();
      const windowMs = d.t === 'id' ? parseDuration(d.v) : undefined;
      if (windowMs === undefined || windowMs <= 0) throw new ExpressionError(d.col, `expected an ISO 8601 duration greater than zero (e.g. PT10M) as the second argument of ${name}(…)`);
      this.expectOp(')', `to close ${name}(…)`);
      return { kind: name, ref, windowMs, column: col };
    }
    throw new ExpressionError(col, `expected a known function (rate, changed, nearest), not '${name}(…)'`);
  }
}

function describe(t: Token): string {
  return t.t === 'end' ? 'the end' : t.t === 'str' ? `"${t.v}"` : String(t.v);
}

/** Parses a condition; throws ExpressionError with the column and what was expected. */
export function parseExpression(text: string): Expr {
  return new Parser(tokenize(text)).parse();
}

/** Every attribute reference in an expression (for validation and for the attributes a rule listens to). */
export function referencesOf(e: Expr, out: { ref: AttrRef; column: number }[] = []): { ref: AttrRef; column: number }[] {
  switch (e.kind) {
    case 'and':
    case 'or':
      for (const o of e.operands) referencesOf(o, out);
      break;
    case 'not':
      referencesOf(e.operand, out);
      break;
    case 'compare':
      referencesOf(e.left, out);
      referencesOf(e.right, out);
      break;
    case 'in':
      referencesOf(e.operand, out);
      break;
    case 'attr':
    case 'rate':
    case 'changed':
      out.push({ ref: e.ref, column: e.column });
      break;
    default:
      break;
  }
  return out;
}

/** The longest rate window of an expression (how much history the engine keeps per attribute). */
export function rateWindows(e: Expr, out = new Map<string, number>()): Map<string, number> {
  if (e.kind === 'rate' && e.ref.kind === 'own') out.set(e.ref.attr, Math.max(out.get(e.ref.attr) ?? 0, e.windowMs));
  if (e.kind === 'and' || e.kind === 'or') for (const o of e.operands) rateWindows(o, out);
  if (e.kind === 'not') rateWindows(e.operand, out);
  if (e.kind === 'compare') {
    rateWindows(e.left, out);
    rateWindows(e.right, out);
  }
  if (e.kind === 'in') rateWindows(e.operand, out);
  return out;
}

/** What an evaluation can read besides the entity itself. */
export interface EvalContext {
  /** Evaluation time (event time). */
  now: number;
  attrs: Record<string, unknown>;
  entityId: string;
  /** keyValues of another entity (relationship target). */
  entity(id: string): Record<string, unknown> | undefined;
  /** keyValues of the nearest entity of a type to this entity's location. */
  nearest(entityType: string): Record<string, unknown> | undefined;
  /** Samples of an own attribute, oldest first (for rate). */
  samples(attr: string): readonly (readonly [number, number])[] | undefined;
  /** When an attribute of an entity last changed value (undefined: never seen changing). */
  changedAt(entityId: string, attr: string): number | undefined;
}

function resolve(ref: AttrRef, ctx: EvalContext): unknown {
  if (ref.kind === 'own') return ctx.attrs[ref.attr];
  if (ref.kind === 'hop') {
    const target = ctx.attrs[ref.via];
    if (typeof target !== 'string') return undefined;
    return ctx.entity(target)?.[ref.attr];
  }
  return ctx.nearest(ref.entityType)?.[ref.attr];
}

function value(e: Expr, ctx: EvalContext): unknown {
  switch (e.kind) {
    case 'literal':
      return e.value;
    case 'attr':
      return resolve(e.ref, ctx);
    case 'rate': {
      if (e.ref.kind !== 'own') return undefined;
      const samples = ctx.samples(e.ref.attr);
      if (!samples || samples.length < 2) return undefined;
      const last = samples[samples.length - 1] as readonly [number, number];
      // the oldest sample inside the window (the change over the window, scaled to the window)
      let first: readonly [number, number] | undefined;
      for (const s of samples) {
        if (s[0] >= last[0] - e.windowMs) {
          first = s;
          break;
        }
      }
      if (!first || first[0] === last[0]) return undefined;
      return ((last[1] - first[1]) / (last[0] - first[0])) * e.windowMs;
    }
    case 'changed': {
      let id = ctx.entityId;
      let attr = e.ref.attr;
      if (e.ref.kind === 'hop') {
        const target = ctx.attrs[e.ref.via];
        if (typeof target !== 'string') return false;
        id = target;
        attr = e.ref.attr;
      }
      const at = ctx.changedAt(id, attr);
      return at !== undefined && Math.abs(ctx.now - at) <= e.windowMs;
    }
    default:
      return test(e, ctx);
  }
}

function compare(op: CompareOp, a: unknown, b: unknown): boolean {
  if (a === undefined || a === null || b === undefined || b === null) return false;
  if (typeof a === 'number' && typeof b === 'number') {
    switch (op) {
      case '==':
        return a === b;
      case '!=':
        return a !== b;
      case '>':
        return a > b;
      case '>=':
        return a >= b;
      case '<':
        return a < b;
      default:
        return a <= b;
    }
  }
  if (op === '==') return a === b;
  if (op === '!=') return a !== b;
  if (typeof a === 'string' && typeof b === 'string') {
    if (op === '>') return a > b;
    if (op === '>=') return a >= b;
    if (op === '<') return a < b;
    return a <= b;
  }
  return false;
}

/** Evaluates an expression as a condition: missing values make comparisons false (never throw). */
export function test(e: Expr, ctx: EvalContext): boolean {
  switch (e.kind) {
    case 'and':
      return e.operands.every((o) => test(o, ctx));
    case 'or':
      return e.operands.some((o) => test(o, ctx));
    case 'not':
      return !test(e.operand, ctx);
    case 'compare':
      return compare(e.op, value(e.left, ctx), value(e.right, ctx));
    case 'in': {
      const v = value(e.operand, ctx);
      return e.values.includes(v as string);
    }
    default:
      return value(e, ctx) === true;
  }
}

/** The figures an expression read (attribute → value), for a signal's evidence and a suppression's details. */
export function figuresOf(e: Expr, ctx: EvalContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const walk = (x: Expr) => {
    if (x.kind === 'attr') out[refName(x.ref)] = resolve(x.ref, ctx);
    else if (x.kind === 'rate') out[`rate(${refName(x.ref)})`] = value(x, ctx);
    else if (x.kind === 'and' || x.kind === 'or') x.operands.forEach(walk);
    else if (x.kind === 'not') walk(x.operand);
    else if (x.kind === 'compare') {
      walk(x.left);
      walk(x.right);
    } else if (x.kind === 'in') walk(x.operand);
  };
  walk(e);
  return out;
}

export function refName(ref: AttrRef): string {
  return ref.kind === 'own' ? ref.attr : ref.kind === 'hop' ? `${ref.via}.${ref.attr}` : `nearest(${ref.entityType}).${ref.attr}`;
}
