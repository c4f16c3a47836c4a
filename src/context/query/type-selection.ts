/** The NGSI-LD Entity Type Selection Language (`type`, clause 4.17): its parser and its SQL over `e.types`. */
import { BooleanParser } from './boolean-parser.ts';
import { checkQueryText, QUERY_LIMITS, type SqlParams, type TermExpander } from './model.ts';

/** A parsed type selection. `all` is `*` (every type); type names are kept as written. */
export type TypeSelection =
  | { kind: 'all' }
  | { kind: 'type'; name: string }
  | { kind: 'and'; operands: TypeSelection[] }
  | { kind: 'or'; operands: TypeSelection[] };

// A name (clause 4.6.2, optionally prefix:name) or a URI; the separators ,;|() end it.
const TYPE = /[^\s,;|()]+/y;
const NAME = /^[\p{L}][\p{L}\p{N}_]*(?::[\p{L}\p{N}_]+)?$/u;
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/;

class TypeParser extends BooleanParser<TypeName> {
  private types = 0;

  constructor(text: string) {
    super(text, { parameter: 'type', or: ',|', and: ';', space: ' ', separators: '"," or "|" (or), ";" (and)', end: 'the end' });
  }

  protected atom(): TypeName {
    TYPE.lastIndex = this.i;
    const m = TYPE.exec(this.text);
    if (!m) this.fail('an entity type, e.g. Building, or "("');
    if (!NAME.test(m[0]) && !URI.test(m[0])) {
      this.fail('an entity type: a name (a letter, then letters, digits or "_"; prefix:name allowed) or a URI');
    }
    if (++this.types > QUERY_LIMITS.terms) this.fail(`at most ${QUERY_LIMITS.terms} entity types`);
    this.i += m[0].length;
    return { kind: 'type', name: m[0] };
  }
}

/**
 * Parses an entity type selection (clause 4.17): `,` or `|` is or, `;` is and (binding tighter), parentheses
 * group, and `*` alone selects every type. Throws AppError BAD_REQUEST_DATA naming the character at fault.
 * @example parseTypeSelection('(Home;Vehicle)|Motorhome')
 */
export function parseTypeSelection(text: string): TypeSelection {
  const checked = checkQueryText('type', text);
  if (checked.trim() === '*') return { kind: 'all' };
  return new TypeParser(checked).parse();
}

/**
 * A boolean SQL condition over `e.types` (expanded IRIs): an or of types is `e.types && $n::text[]`, an and is
 * `e.types @> $n::text[]`, so the GIN index on `types` serves every form.
 * @example typeSelectionToSql(parseTypeSelection('Building,House'), terms, params) // "e.types && $2::text[]"
 */
export function typeSelectionToSql(selection: TypeSelection, terms: TermExpander, params: SqlParams): string {
  if (selection.kind === 'all') return 'TRUE';
  if (selection.kind === 'type') return `e.types @> ${params.add([terms.expand(selection.name)])}::text[]`;
  // Plain types of one group share one array parameter: any of them (&&) for or, all of them (@>) for and.
  const names = selection.operands.filter((o): o is TypeName => o.kind === 'type').map((o) => terms.expand(o.name));
  const parts = names.length > 0 ? [`e.types ${selection.kind === 'or' ? '&&' : '@>'} ${params.add([...new Set(names)])}::text[]`] : [];
  for (const o of selection.operands) if (o.kind !== 'type') parts.push(typeSelectionToSql(o, terms, params));
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(selection.kind === 'or' ? ' OR ' : ' AND ')})`;
}

type TypeName = Extract<TypeSelection, { kind: 'type' }>;

/**
 * The type names (as written) a selection mentions.
 * @example selectionTypes(parseTypeSelection('(A;B)|A')) // ['A', 'B']
 */
export function selectionTypes(selection: TypeSelection): string[] {
  if (selection.kind === 'all') return [];
  if (selection.kind === 'type') return [selection.name];
  return [...new Set(selection.operands.flatMap(selectionTypes))];
}
