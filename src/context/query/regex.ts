/** The regular expressions `q` accepts after `~=`: a subset that JavaScript and PostgreSQL's POSIX AREs both compile, to the same meaning, and small. */

/** Bounds that keep PostgreSQL's regex compiler far from "regular expression is too complex". */
export const REGEX_LIMITS = {
  /** Characters in one pattern. */
  length: 256,
  /** The largest bound in `{n}`, `{n,}` or `{n,m}`. */
  repeat: 100,
  /** Atoms after expanding bounded repetition (the NFA PostgreSQL builds grows with it). */
  expansion: 2000,
};

/** Where a pattern leaves the subset and why. */
export interface RegexProblem {
  /** 0-based index in the pattern. */
  index: number;
  message: string;
}

import { firstForbiddenCharacter } from './model.ts';

const CLASS_ESCAPES = new Set(['d', 'D', 'w', 'W', 's', 'S']);
const CHAR_ESCAPES = new Set(['t', 'n', 'r']);
const PUNCTUATION = /^[!-/:-@[-`{-~]$/;

class Fail extends Error {
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
  }
}

class RegexChecker {
  private i = 0;
  constructor(private readonly p: string) {}

  check(): void {
    this.alternation(0);
    if (this.i < this.p.length) {
      throw new Fail(this.i, `unbalanced "${this.p[this.i]}" (escape it as "\\${this.p[this.i]}" to match it literally)`);
    }
  }

  /** Returns the expanded size of the alternation. */
  private alternation(depth: number): number {
    if (depth > 16) throw new Fail(this.i, 'groups nested more than 16 deep');
    let size = this.sequence(depth);
    while (this.p[this.i] === '|') {
      this.i++;
      size += this.sequence(depth);
    }
    return size;
  }

  private sequence(depth: number): number {
    const start = this.i;
    let size = 0;
    while (this.i < this.p.length && this.p[this.i] !== '|' && this.p[this.i] !== ')') {
      const c = this.p[this.i] as string;
      if (c === '^' || c === '$') {
        this.i++;
        if (this.isQuantifierAhead()) throw new Fail(this.i, `an anchor ("${c}") cannot be repeated`);
        continue;
      }
      const atom = this.atom(depth);
      size += atom * this.quantifier();
      if (size > REGEX_LIMITS.expansion) {
        throw new Fail(start, `the pattern is too large once its repetitions are expanded (limit ${REGEX_LIMITS.expansion} atoms)`);
      }
    }
    if (this.i === start) throw new Fail(start, 'an empty alternative (nothing between "(" or "|" and "|" or ")")');
    return size;
  }

  private isQuantifierAhead(): boolean {
    const c = this.p[this.i];
    return c === '*' || c === '+' || c === '?' || c === '{';
  }

  private atom(depth: number): number {
    const c = this.p[this.i] as string;
    if (c === '(') {
      this.i++;
      if (this.p[this.i] === '?') {
        if (this.p[this.i + 1] !== ':') {
          throw new Fail(this.i, 'only plain groups "(…)" and non-capturing groups "(?:…)" are supported (no look-around, named groups or inline flags)');
        }
        this.i += 2;
      }
      const size = this.alternation(depth + 1);
      if (this.p[this.i] !== ')') throw new Fail(this.i, 'a "(" that is never closed');
      this.i++;
      return size;
    }
    if (c === '[') return this.bracket();
    if (c === '\\') {
      this.escape(false);
      return 1;
    }
    if (c === '*' || c === '+' || c === '?' || c === '{') throw new Fail(this.i, `"${c}" has nothing to repeat`);
    if (c === ']' || c === '}') throw new Fail(this.i, `an unescaped "${c}" (write "\\${c}" to match it literally)`);
    this.i++;
    return 1;
  }

  /** Reads an escape at `this.i` (the backslash). Returns the literal character it stands for, or undefined for a class. */
  private escape(inBracket: boolean): string | undefined {
    const next = this.p[this.i + 1];
    if (next === undefined) throw new Fail(this.i, 'a trailing "\\" with nothing to escape');
    this.i += 2;
    if (CLASS_ESCAPES.has(next)) {
      if (inBracket && next === next.toUpperCase()) {
        throw new Fail(this.i - 2, `"\\${next}" cannot be used inside [...]`);
      }
      return undefined;
    }
    if (CHAR_ESCAPES.has(next)) return next === 't' ? '\t' : next === 'n' ? '\n' : '\r';
    if (PUNCTUATION.test(next)) return next;
    throw new Fail(this.i - 2, `"\\${next}" is not supported; use \\d \\D \\w \\W \\s \\S \\t \\n \\r, or a backslash before punctuation`);
  }

  private bracket(): number {
    const open = this.i;
    this.i++;
    if (this.p[this.i] === '^') this.i++;
    let items = 0;
    while (this.i < this.p.length && this.p[this.i] !== ']') {
      const from = this.classChar(items === 0);
      items++;
      if (this.p[this.i] === '-' && this.p[this.i + 1] !== ']' && this.i + 1 < this.p.length) {
        const dash = this.i;
        this.i++;
        const to = this.classChar(false);
        if (from === undefined || to === undefined) throw new Fail(dash, 'a range in [...] must go from one character to another, e.g. [a-z]');
        if ((from.codePointAt(0) as number) > (to.codePointAt(0) as number)) {
          throw new Fail(dash, `the range "${from}-${to}" in [...] runs backwards`);
        }
      }
    }
    if (this.p[this.i] !== ']') throw new Fail(open, 'a "[" that is never closed');
    if (items === 0) throw new Fail(open, 'an empty [...]');
    this.i++;
    return 1;
  }

  /** One member of a bracket expression: its character, or undefined for a class escape. */
  private classChar(first: boolean): string | undefined {
    const c = this.p[this.i] as string;
    if (c === '\\') return this.escape(true);
    if (c === '[') throw new Fail(this.i, 'an unescaped "[" inside [...] (write "\\[")');
    if (c === ']' && first) throw new Fail(this.i, 'an empty [...]');
    const code = this.p.codePointAt(this.i) as number;
    const char = String.fromCodePoint(code);
    this.i += char.length;
    return char;
  }

  /** Reads an optional quantifier; returns the factor it multiplies the atom's size by. */
  private quantifier(): number {
    const c = this.p[this.i];
    let factor = 1;
    let quantified = false;
    if (c === '*' || c === '+' || c === '?') {
      quantified = true;
      this.i++;
      factor = c === '+' ? 2 : 1;
    } else if (c === '{') {
      const m = /^\{(\d{1,6})(,(\d{1,6})?)?\}/.exec(this.p.slice(this.i));
      if (!m) throw new Fail(this.i, 'a bound like {2}, {2,} or {2,5} (write "\\{" to match "{" literally)');
      const low = Number(m[1]);
      const high = m[3] === undefined ? (m[2] ? low + 1 : low) : Number(m[3]);
      if (low > REGEX_LIMITS.repeat || high > REGEX_LIMITS.repeat) {
        throw new Fail(this.i, `a bound larger than ${REGEX_LIMITS.repeat}`);
      }
      if (m[3] !== undefined && low > high) throw new Fail(this.i, `the bound ${m[0]} has its minimum above its maximum`);
      this.i += m[0].length;
      factor = Math.max(1, high);
      quantified = true;
    }
    if (quantified) {
      if (this.p[this.i] === '?') this.i++; // non-greedy
      if (this.isQuantifierAhead()) throw new Fail(this.i, 'a quantifier cannot follow another quantifier; group the first one, e.g. (a+)*');
    }
    return factor;
  }
}

/**
 * Why `pattern` is outside the supported subset, or undefined when PostgreSQL and JavaScript both accept it
 * with the same meaning (on ASCII text; PostgreSQL's `\w \d \s` also take letters, digits and spaces of other scripts). The subset: literals, `.`, `[...]` with ranges, `\d \D \w \W \s \S \t \n \r`,
 * backslash + punctuation, `^ $`, `(…)`, `(?:…)`, `|`, and `* + ? {n} {n,} {n,m}` (greedy or lazy).
 * @example regexProblem('^Hang(zhou|gang)$') // undefined
 * @example regexProblem('a(?=b)')?.message    // "only plain groups … are supported"
 */
export function regexProblem(pattern: string): RegexProblem | undefined {
  if (pattern.length > REGEX_LIMITS.length) {
    return { index: REGEX_LIMITS.length, message: `the pattern is longer than ${REGEX_LIMITS.length} characters` };
  }
  const control = firstForbiddenCharacter(pattern);
  if (control >= 0) return { index: control, message: 'control characters and unpaired surrogates are not allowed in a pattern (use \\t \\n \\r)' };
  try {
    new RegexChecker(pattern).check();
  } catch (error) {
    if (error instanceof Fail) return { index: error.index, message: error.message };
    throw error;
  }
  try {
    new RegExp(pattern);
  } catch (error) {
    return { index: 0, message: `JavaScript rejects it: ${(error as Error).message}` };
  }
  return undefined;
}
