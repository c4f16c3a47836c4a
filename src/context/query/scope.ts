/** The NGSI-LD Scope Query Language (`scopeQ`, clause 4.19): its parser and its SQL over `e.scopes`. */
import { BooleanParser } from './boolean-parser.ts';
import { checkQueryText, QUERY_LIMITS, type SqlParams } from './model.ts';

/**
 * One scope pattern: its levels (`+` = any one level) and whether it ends in `/#` (the scope and everything below).
 * `/#` alone is `{ levels: [], descendants: true }`: any entity that has a scope.
 */
export interface ScopePattern {
  kind: 'scope';
  levels: string[];
  descendants: boolean;
}

export type ScopeQuery = ScopePattern | { kind: 'and'; operands: ScopeQuery[] } | { kind: 'or'; operands: ScopeQuery[] };

// Scope levels as the hub stores them: anything but whitespace, the separators and the wildcards.
const LEVEL = /[^\s/#+,;|()]+/y;

class ScopeParser extends BooleanParser<ScopePattern> {
  private scopes = 0;

  constructor(text: string) {
    super(text, { parameter: 'scopeQ', or: ',|', and: ';', space: ' ', separators: '"," or "|" (or), ";" (and)', end: 'the end' });
  }

  /** `/level(/level)*` with `+` levels and an optional trailing `/#`; the leading "/" may be left out (as in example 5). */
  protected atom(): ScopePattern {
    if (++this.scopes > QUERY_LIMITS.terms) this.fail(`at most ${QUERY_LIMITS.terms} scopes`);
    const levels: string[] = [];
    if (this.text.startsWith('/#', this.i)) {
      this.i += 2;
      return { kind: 'scope', levels, descendants: true };
    }
    if (this.text[this.i] === '/') this.i++;
    for (;;) {
      if (this.text[this.i] === '+') {
        levels.push('+');
        this.i++;
      } else {
        LEVEL.lastIndex = this.i;
        const m = LEVEL.exec(this.text);
        if (!m) {
          this.fail(levels.length === 0 ? 'a scope, e.g. /Hangzhou/Xihu, /Hangzhou/+/Parks or /Hangzhou/#' : 'a scope level, "+" or "#" after "/"');
        }
        levels.push(m[0]);
        this.i += m[0].length;
      }
      if (this.text[this.i] !== '/') return { kind: 'scope', levels, descendants: false };
      this.i++;
      if (this.text[this.i] === '#') {
        this.i++;
        return { kind: 'scope', levels, descendants: true };
      }
    }
  }
}

/**
 * Parses a `scopeQ` (clause 4.19): `/a/b` a scope, `+` any one level, a trailing `/#` the scope and all below it,
 * `/#` any scope; `,` or `|` is or, `;` is and (binding tighter), parentheses group.
 * @example parseScopeQ('(/Madrid/Districts;/CompanyA)|/Madrid/+/ParqueNorte')
 */
export function parseScopeQ(text: string): ScopeQuery {
  return new ScopeParser(checkQueryText('scopeQ', text)).parse();
}

/** A POSIX ARE matching the text of one level exactly (every non-alphanumeric character escaped). */
function levelRegex(level: string): string {
  return level === '+' ? '[^/]+' : level.replace(/[^\p{L}\p{N}_]/gu, (c) => `\\${c}`);
}

function patternSql(pattern: ScopePattern, params: SqlParams): string {
  if (pattern.levels.length === 0) return 'cardinality(e.scopes) > 0';
  const path = `/${pattern.levels.join('/')}`;
  if (!pattern.levels.includes('+')) {
    if (!pattern.descendants) return `e.scopes @> ${params.add([path])}::text[]`;
    return `EXISTS (SELECT 1 FROM unnest(e.scopes) AS s WHERE s = ${params.add(path)} OR starts_with(s, ${params.add(`${path}/`)}))`;
  }
  const regex = `^/${pattern.levels.map(levelRegex).join('/')}${pattern.descendants ? '(/.*)?' : ''}$`;
  return `EXISTS (SELECT 1 FROM unnest(e.scopes) AS s WHERE s ~ ${params.add(regex)})`;
}

/**
 * A boolean SQL condition over `e.scopes`: an entity matches a pattern when one of its scopes does. Exact scopes
 * use the GIN index on `scopes` (an or of them is one `&&`, an and one `@>`); wildcards test each scope.
 * @example scopeQToSql(parseScopeQ('/Hangzhou/Xihu/#'), params)
 */
export function scopeQToSql(query: ScopeQuery, params: SqlParams): string {
  if (query.kind === 'scope') return patternSql(query, params);
  const isExact = (o: ScopeQuery): o is ScopePattern => o.kind === 'scope' && o.levels.length > 0 && !o.descendants && !o.levels.includes('+');
  const paths = [...new Set(query.operands.filter(isExact).map((o) => `/${o.levels.join('/')}`))];
  const parts = paths.length > 0 ? [`e.scopes ${query.kind === 'or' ? '&&' : '@>'} ${params.add(paths)}::text[]`] : [];
  for (const o of query.operands) if (!isExact(o)) parts.push(scopeQToSql(o, params));
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(query.kind === 'or' ? ' OR ' : ' AND ')})`;
}
