/** The TermMap of a processed @context: memoised expansion and compaction of terms, as the hub calls them for every attribute. */
import type { TermDefinition, TermMap } from './model.ts';
import { type ActiveContext, DEFAULT_VOCAB, isKeyword, SCHEME } from './processor.ts';

/** Memo entries per TermMap and direction; past this the memo starts over (bounds memory under hostile input). */
const MEMO_LIMIT = 20_000;

class ProcessedTermMap implements TermMap {
  readonly document: unknown;
  readonly linkUrl: string;
  readonly #terms: ReadonlyMap<string, TermDefinition>;
  readonly #vocab: string;
  readonly #expanded = new Map<string, string>();
  readonly #compacted = new Map<string, string>();
  #inverse: Map<string, string> | undefined;
  #prefixes: Array<[string, string]> | undefined;

  constructor(active: ActiveContext, document: unknown, linkUrl: string) {
    this.#terms = active.terms;
    this.#vocab = active.vocab ?? DEFAULT_VOCAB;
    this.document = document;
    this.linkUrl = linkUrl;
  }

  definition(term: string): TermDefinition | undefined {
    return this.#terms.get(term);
  }

  expand(term: string): string {
    let iri = this.#expanded.get(term);
    if (iri === undefined) {
      iri = this.#expandUncached(term);
      if (this.#expanded.size >= MEMO_LIMIT) this.#expanded.clear();
      this.#expanded.set(term, iri);
    }
    return iri;
  }

  compact(iri: string): string {
    let term = this.#compacted.get(iri);
    if (term === undefined) {
      term = this.#compactUncached(iri);
      if (this.#compacted.size >= MEMO_LIMIT) this.#compacted.clear();
      this.#compacted.set(iri, term);
    }
    return term;
  }

  #expandUncached(term: string): string {
    if (isKeyword(term)) return term;
    const definition = this.#terms.get(term);
    if (definition?.iri) return definition.iri;
    const colon = term.indexOf(':');
    if (colon > 0) {
      const prefix = term.slice(0, colon);
      const suffix = term.slice(colon + 1);
      if (prefix === '_' || suffix.startsWith('//')) return term;
      const p = this.#terms.get(prefix);
      if (p?.prefix && p.iri && !isKeyword(p.iri)) return p.iri + suffix;
      if (SCHEME.test(term)) return term;
    }
    return this.#vocab + term;
  }

  #compactUncached(iri: string): string {
    const exact = this.#inverseMap().get(iri);
    if (exact !== undefined) return exact;
    // Relative to @vocab (the bare term), when it expands back to the same IRI.
    if (iri.startsWith(this.#vocab) && iri.length > this.#vocab.length) {
      const bare = iri.slice(this.#vocab.length);
      if (this.expand(bare) === iri) return bare;
    }
    let best: string | undefined;
    for (const [prefix, prefixIri] of this.#prefixList()) {
      if (iri.length <= prefixIri.length || !iri.startsWith(prefixIri)) continue;
      const candidate = `${prefix}:${iri.slice(prefixIri.length)}`;
      if (this.#terms.has(candidate) || this.expand(candidate) !== iri) continue;
      if (best === undefined || candidate.length < best.length || (candidate.length === best.length && candidate < best)) {
        best = candidate;
      }
    }
    return best ?? iri;
  }

  /** IRI → the term to compact it to: a user's term over a core one, then the shortest, then the least. */
  #inverseMap(): Map<string, string> {
    if (this.#inverse) return this.#inverse;
    const inverse = new Map<string, string>();
    const origin = new Map<string, boolean>();
    for (const [term, definition] of this.#terms) {
      if (definition.iri === null || definition.reverse) continue;
      const current = inverse.get(definition.iri);
      if (current !== undefined) {
        const currentCore = origin.get(definition.iri)!;
        if (definition.core && !currentCore) continue;
        if (definition.core === currentCore) {
          if (term.length > current.length || (term.length === current.length && term > current)) continue;
        }
      }
      inverse.set(definition.iri, term);
      origin.set(definition.iri, definition.core);
    }
    this.#inverse = inverse;
    return inverse;
  }

  #prefixList(): Array<[string, string]> {
    if (!this.#prefixes) {
      this.#prefixes = [];
      for (const [term, definition] of this.#terms) {
        if (definition.prefix && definition.iri && !isKeyword(definition.iri)) this.#prefixes.push([term, definition.iri]);
      }
    }
    return this.#prefixes;
  }
}

/**
 * Wraps an active context as a TermMap.
 * @example createTermMap(active, ['https://example.org/ctx.jsonld'], 'https://example.org/ctx.jsonld').expand('temperature')
 */
export function createTermMap(active: ActiveContext, document: unknown, linkUrl: string): TermMap {
  return new ProcessedTermMap(active, document, linkUrl);
}
