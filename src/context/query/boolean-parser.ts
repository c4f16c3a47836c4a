/** The and/or/parentheses skeleton shared by the parsers of `q`, `scopeQ` and `type`: each adds only its atom. */
import { QUERY_LIMITS, syntaxError } from './model.ts';

/** Atoms combined with and / or; chains of one operator are flat (`a;b;c` is one `and` of three). */
export type BooleanQuery<A> = A | { kind: 'and'; operands: BooleanQuery<A>[] } | { kind: 'or'; operands: BooleanQuery<A>[] };

/** What sets one query language apart from the others at the and/or level. */
export interface BooleanSyntax {
  /** The query parameter named in error messages, e.g. 'scopeQ'. */
  parameter: string;
  /** Each character of it means or, e.g. ',|'. */
  or: string;
  /** Each character of it means and, e.g. ';'. */
  and: string;
  /** Each character of it is whitespace skipped between tokens, e.g. ' \t'. */
  space: string;
  /** The separators as error messages name them, e.g. '";" (and), "|" (or)'. */
  separators: string;
  /** The end of the text as error messages name it, e.g. 'the end of the query'. */
  end: string;
}

/**
 * A recursive-descent parser of `atom ((and | or) atom)*` with parentheses nested at most QUERY_LIMITS.depth deep;
 * and binds tighter than or. Atoms must not be of kind 'and' or 'or'.
 */
export abstract class BooleanParser<A extends { kind: string }> {
  protected i = 0;

  constructor(
    protected readonly text: string,
    private readonly syntax: BooleanSyntax,
  ) {}

  /** Parses one atom at this.i (after any whitespace), or fails. */
  protected abstract atom(): A;

  /** The whole text as one query. */
  parse(): BooleanQuery<A> {
    const query = this.or(0);
    this.space();
    if (this.i < this.text.length) {
      const expected = `${this.syntax.separators} or ${this.syntax.end}`;
      this.fail(this.text[this.i] === ')' ? `${expected}; this ")" closes nothing` : expected);
    }
    return query;
  }

  protected fail(expected: string, at = this.i): never {
    return syntaxError(this.syntax.parameter, this.text, at, expected);
  }

  protected space(): void {
    while (this.at(this.syntax.space)) this.i++;
  }

  /** Whether the character at this.i is one of `chars`. */
  private at(chars: string): boolean {
    const c = this.text[this.i];
    return c !== undefined && chars.includes(c);
  }

  private or(depth: number): BooleanQuery<A> {
    return this.chain('or', this.syntax.or, () => this.and(depth));
  }

  private and(depth: number): BooleanQuery<A> {
    return this.chain('and', this.syntax.and, () => this.primary(depth));
  }

  private chain(kind: 'and' | 'or', separators: string, operand: () => BooleanQuery<A>): BooleanQuery<A> {
    const operands = [operand()];
    for (this.space(); this.at(separators); this.space()) {
      this.i++;
      operands.push(operand());
    }
    if (operands.length === 1) return operands[0] as BooleanQuery<A>;
    const flat = operands.flatMap((o) => (o.kind === kind ? (o as { operands: BooleanQuery<A>[] }).operands : [o]));
    return { kind, operands: flat };
  }

  private primary(depth: number): BooleanQuery<A> {
    this.space();
    if (this.text[this.i] !== '(') return this.atom();
    if (depth >= QUERY_LIMITS.depth) this.fail(`at most ${QUERY_LIMITS.depth} levels of parentheses`);
    const open = this.i;
    this.i++;
    const inner = this.or(depth + 1);
    this.space();
    if (this.text[this.i] !== ')') this.fail(`${this.syntax.separators} or ")" to close the "(" at character ${open + 1}`);
    this.i++;
    return inner;
  }
}
