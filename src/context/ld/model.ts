/** The JSON-LD side of the hub: a processed @context (term map) and the resolver that turns a request's @context into one. */

/** One term of a processed @context (JSON-LD 1.1 term definition), with every IRI already expanded. */
export interface TermDefinition {
  /** The expanded IRI, a keyword for keyword aliases (`"id"` → `"@id"`), or null for a term explicitly mapped to null. */
  readonly iri: string | null;
  /** Expanded `@type` coercion: `@id`, `@vocab`, `@json`, `@none` or a datatype IRI. */
  readonly type?: string;
  /** `@container` values, e.g. `["@list"]`. */
  readonly container?: readonly string[];
  /** `@language` of the term (null when explicitly unset). */
  readonly language?: string | null;
  /** True for `@reverse` properties. */
  readonly reverse?: boolean;
  /** Whether the term may be used as the prefix of a compact IRI (`ngsi-ld:Property`). */
  readonly prefix: boolean;
  /** `@protected`: a later context may not redefine it differently. */
  readonly protected: boolean;
  /** A term-scoped `@context`, kept as given. */
  readonly scopedContext?: unknown;
  /** True when the definition comes from the NGSI-LD core context. */
  readonly core: boolean;
}

/**
 * A processed, immutable @context. Expansion and compaction are memoised: the hub calls them for
 * every attribute name and type of every entity, so they must cost a Map lookup after the first call.
 */
export interface TermMap {
  /**
   * Expands an attribute name, entity type or other vocabulary term: a term of the context, a compact
   * IRI (prefix:suffix with a known prefix), an absolute IRI (returned as is), or else @vocab + term
   * (the core context's default-context vocabulary when the context sets none).
   */
  expand(term: string): string;
  /** The inverse: the term of this context that expands to `iri`, else a compact IRI, else `iri` itself. */
  compact(iri: string): string;
  /** The @context to echo in an application/ld+json response body (URL string, object or array, as received; the core URL when none). */
  readonly document: unknown;
  /**
   * A URL for the response's Link header (rel="http://www.w3.org/ns/json-ld#context"): the request's
   * context URL when it was one URL, else the URL under /ngsi-ld/v1/jsonldContexts/ where the broker serves it.
   * That broker URL is a path (`/ngsi-ld/v1/jsonldContexts/{id}`), relative to the broker's own origin.
   */
  readonly linkUrl: string;
  /** The full definition of a term (its `@type` coercion such as `@vocab` or `@json`, its `@container`…), if the context defines it. */
  definition?(term: string): TermDefinition | undefined;
}

export interface ContextResolver {
  /**
   * The TermMap of a request's @context: `undefined` means the core context alone; a URL string, an
   * object or an array as JSON-LD allows. The core context is always applied last (it is protected).
   * Throws AppError LD_CONTEXT_NOT_AVAILABLE (503) when a remote context cannot be obtained, and
   * BAD_REQUEST_DATA when the context is not a valid JSON-LD context.
   */
  resolve(context: unknown): Promise<TermMap>;
  /** The TermMap of the core context alone (synchronous: it is built in). */
  readonly core: TermMap;
}
