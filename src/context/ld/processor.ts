/** JSON-LD 1.1 context processing, as much of it as NGSI-LD needs: a local @context (URL, object, array) into an active context of expanded term definitions. */
import { AppError } from '../../platform/errors/app-error.ts';
import type { TermDefinition } from './model.ts';

/** Where a term no context defines expands to (the @vocab of the NGSI-LD core context). */
export const DEFAULT_VOCAB = 'https://uri.etsi.org/ngsi-ld/default-context/';

/** The result of context processing: term definitions by term, and the vocabulary mapping. */
export interface ActiveContext {
  readonly terms: ReadonlyMap<string, TermDefinition>;
  /** `@vocab`; undefined when no context sets one (then DEFAULT_VOCAB applies). */
  readonly vocab: string | undefined;
}

/** A remote context as the processor sees it. */
export type LoadedContext =
  /** The NGSI-LD core context: merged from its built-in definitions (authoritative and protected). */
  | { core: true }
  /** Any other context document: the value of its `@context` member. */
  | { core: false; context: unknown };

/** Dereferences context URLs for the processor (from the preloaded set, the database or the network). */
export type ContextLoader = (url: string) => Promise<LoadedContext>;

export interface ProcessedContext {
  active: ActiveContext;
  /** Every context URL dereferenced while processing, in order of first use. */
  urls: string[];
}

const KEYWORDS = new Set([
  '@base',
  '@container',
  '@context',
  '@direction',
  '@graph',
  '@id',
  '@import',
  '@included',
  '@index',
  '@json',
  '@language',
  '@list',
  '@nest',
  '@none',
  '@prefix',
  '@propagate',
  '@protected',
  '@reverse',
  '@set',
  '@type',
  '@value',
  '@version',
  '@vocab',
]);
const CONTEXT_KEYWORDS = new Set([
  '@base',
  '@direction',
  '@import',
  '@language',
  '@propagate',
  '@protected',
  '@version',
  '@vocab',
]);
const TERM_KEYS = new Set([
  '@id',
  '@reverse',
  '@type',
  '@language',
  '@direction',
  '@container',
  '@context',
  '@prefix',
  '@propagate',
  '@protected',
  '@index',
  '@nest',
]);
const CONTAINERS = new Set(['@list', '@set', '@index', '@language', '@id', '@type', '@graph']);
const TYPE_KEYWORDS = new Set(['@id', '@json', '@none', '@vocab']);
const KEYWORD_LIKE = /^@[a-zA-Z]+$/;
/** An absolute IRI starts with a scheme (RFC 3986). */
export const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
const GEN_DELIM = /[:/?#[\]@]$/;
/** Remote contexts one request may pull in, and how deep they may nest. */
const MAX_REMOTE_CONTEXTS = 32;
const MAX_DEPTH = 8;

function invalid(message: string): never {
  throw new AppError('BAD_REQUEST_DATA', `Invalid JSON-LD @context: ${message}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True for the JSON-LD 1.1 keywords (`@id`, `@type`, `@vocab`…).
 * @example isKeyword('@id') // true
 */
export function isKeyword(value: string): boolean {
  return KEYWORDS.has(value);
}

/** A mutable active context while a local context is applied to it. */
class Builder {
  readonly terms: Map<string, TermDefinition>;
  vocab: string | undefined;

  constructor(from?: ActiveContext) {
    this.terms = new Map(from?.terms ?? []);
    this.vocab = from?.vocab;
  }

  freeze(): ActiveContext {
    return { terms: this.terms, vocab: this.vocab };
  }
}

/** State of one object context being defined: which of its terms are done (true) or in progress (false). */
interface Definer {
  local: Record<string, unknown>;
  defined: Map<string, boolean>;
  protectedDefault: boolean;
  core: boolean;
}

function sameDefinition(a: TermDefinition, b: TermDefinition): boolean {
  return (
    a.iri === b.iri &&
    a.type === b.type &&
    (a.container ?? []).join() === (b.container ?? []).join() &&
    a.reverse === b.reverse &&
    a.language === b.language &&
    a.prefix === b.prefix &&
    JSON.stringify(a.scopedContext) === JSON.stringify(b.scopedContext)
  );
}

/** IRI expansion while processing (JSON-LD 1.1 §5.2), defining terms of the local context it depends on. */
function expandIri(b: Builder, value: string, vocab: boolean, d?: Definer): string | null {
  if (KEYWORDS.has(value)) return value;
  if (KEYWORD_LIKE.test(value)) return null;
  if (d && Object.hasOwn(d.local, value) && d.defined.get(value) !== true) createTerm(b, d, value);
  const def = b.terms.get(value);
  if (def && def.iri !== null && KEYWORDS.has(def.iri)) return def.iri;
  if (vocab && def) return def.iri;
  const colon = value.indexOf(':');
  if (colon > 0) {
    const prefix = value.slice(0, colon);
    const suffix = value.slice(colon + 1);
    if (prefix === '_' || suffix.startsWith('//')) return value;
    if (d && Object.hasOwn(d.local, prefix) && d.defined.get(prefix) !== true) createTerm(b, d, prefix);
    const p = b.terms.get(prefix);
    if (p?.prefix && p.iri !== null) return p.iri + suffix;
    if (SCHEME.test(value)) return value;
  }
  if (vocab) return (b.vocab ?? DEFAULT_VOCAB) + value;
  return value;
}

function isAbsoluteOrBlank(iri: string): boolean {
  return SCHEME.test(iri) || iri.startsWith('_:');
}

/** Create Term Definition (JSON-LD 1.1 §4.2.2), for the subset of features NGSI-LD uses. */
function createTerm(b: Builder, d: Definer, term: string): void {
  const state = d.defined.get(term);
  if (state === true) return;
  if (state === false) invalid(`cyclic IRI mapping involving the term "${term}"`);
  if (term === '') invalid('a term may not be the empty string');
  d.defined.set(term, false);
  const value = d.local[term];
  if (term === '@type' && isObject(value)) {
    const keys = Object.keys(value);
    if (keys.every((k) => (k === '@container' && value[k] === '@set') || k === '@protected')) {
      d.defined.set(term, true);
      return;
    }
  }
  if (KEYWORDS.has(term)) invalid(`the keyword ${term} cannot be redefined`);
  if (KEYWORD_LIKE.test(term)) {
    // JSON-LD: terms that look like keywords are ignored.
    d.defined.set(term, true);
    return;
  }
  const previous = b.terms.get(term);
  b.terms.delete(term);

  let spec: Record<string, unknown>;
  let simple = false;
  if (value === null) spec = { '@id': null };
  else if (typeof value === 'string') {
    spec = { '@id': value };
    simple = true;
  } else if (isObject(value)) spec = value;
  else invalid(`the definition of "${term}" must be a string, an object or null, not ${JSON.stringify(value)}`);

  for (const key of Object.keys(spec)) {
    if (!TERM_KEYS.has(key)) invalid(`the definition of "${term}" has the unknown member "${key}"`);
  }
  const protectedFlag = spec['@protected'];
  if (protectedFlag !== undefined && typeof protectedFlag !== 'boolean') {
    invalid(`@protected of "${term}" must be true or false`);
  }
  const isProtected = protectedFlag ?? d.protectedDefault;

  let type: string | undefined;
  if (spec['@type'] !== undefined) {
    const raw = spec['@type'];
    if (typeof raw !== 'string') invalid(`@type of "${term}" must be a string`);
    const expanded = expandIri(b, raw, true, d);
    if (expanded === null || !(TYPE_KEYWORDS.has(expanded) || isAbsoluteOrBlank(expanded))) {
      invalid(`@type of "${term}" must be @id, @vocab, @json, @none or an IRI, not "${raw}"`);
    }
    type = expanded;
  }

  let iri: string | null;
  let reverse = false;
  let prefix = false;
  if (spec['@reverse'] !== undefined) {
    const raw = spec['@reverse'];
    if (spec['@id'] !== undefined || spec['@nest'] !== undefined) invalid(`"${term}" cannot have both @reverse and @id or @nest`);
    if (typeof raw !== 'string') invalid(`@reverse of "${term}" must be a string`);
    iri = expandIri(b, raw, true, d);
    if (iri === null || !isAbsoluteOrBlank(iri)) invalid(`@reverse of "${term}" must expand to an IRI`);
    reverse = true;
  } else if (spec['@id'] !== undefined && spec['@id'] !== term) {
    const raw = spec['@id'];
    if (raw === null) iri = null;
    else if (typeof raw !== 'string') invalid(`@id of "${term}" must be a string or null`);
    else {
      iri = expandIri(b, raw, true, d);
      if (iri === '@context') invalid(`"${term}" cannot be an alias of @context`);
      if (iri !== null && !(KEYWORDS.has(iri) || isAbsoluteOrBlank(iri))) {
        invalid(`"${term}" must map to an absolute IRI, a compact IRI with a known prefix or a keyword, not "${raw}"`);
      }
      prefix = simple && !term.includes(':') && !term.includes('/') && iri !== null && (GEN_DELIM.test(iri) || iri.startsWith('_:'));
    }
  } else {
    const colon = term.indexOf(':', 1);
    if (colon > 0) {
      const p = term.slice(0, colon);
      const suffix = term.slice(colon + 1);
      if (Object.hasOwn(d.local, p)) createTerm(b, d, p);
      const pdef = b.terms.get(p);
      iri = pdef?.prefix && pdef.iri !== null && !suffix.startsWith('//') ? pdef.iri + suffix : term;
      if (!isAbsoluteOrBlank(iri)) invalid(`"${term}" does not expand to an IRI`);
    } else if (term.includes('/')) {
      iri = expandIri(b, term, true, d);
      if (iri === null || !isAbsoluteOrBlank(iri)) invalid(`"${term}" does not expand to an IRI`);
    } else {
      iri = (b.vocab ?? DEFAULT_VOCAB) + term;
    }
  }

  let container: string[] | undefined;
  if (spec['@container'] !== undefined) {
    const raw = spec['@container'];
    const list = Array.isArray(raw) ? raw : [raw];
    if (list.length === 0 || list.some((c) => typeof c !== 'string' || !CONTAINERS.has(c))) {
      invalid(`@container of "${term}" must be one or more of ${[...CONTAINERS].join(', ')}`);
    }
    container = list as string[];
  }
  if (spec['@prefix'] !== undefined) {
    if (typeof spec['@prefix'] !== 'boolean') invalid(`@prefix of "${term}" must be true or false`);
    if (term.includes(':') || term.includes('/')) invalid(`"${term}" cannot be a prefix: it contains ":" or "/"`);
    prefix = spec['@prefix'];
  }
  let language: string | null | undefined;
  if (spec['@language'] !== undefined) {
    const raw = spec['@language'];
    if (raw !== null && typeof raw !== 'string') invalid(`@language of "${term}" must be a string or null`);
    language = raw;
  }
  for (const key of ['@index', '@nest'] as const) {
    if (spec[key] !== undefined && typeof spec[key] !== 'string') invalid(`${key} of "${term}" must be a string`);
  }
  if (spec['@propagate'] !== undefined && typeof spec['@propagate'] !== 'boolean') {
    invalid(`@propagate of "${term}" must be true or false`);
  }
  const scoped = spec['@context'];
  if (scoped !== undefined && !(scoped === null || typeof scoped === 'string' || Array.isArray(scoped) || isObject(scoped))) {
    invalid(`the scoped @context of "${term}" must be a URL, an object, an array or null`);
  }

  let definition: TermDefinition = {
    iri,
    prefix,
    protected: isProtected,
    core: d.core,
    ...(type !== undefined ? { type } : {}),
    ...(container !== undefined ? { container } : {}),
    ...(language !== undefined ? { language } : {}),
    ...(reverse ? { reverse } : {}),
    ...(scoped !== undefined ? { scopedContext: scoped } : {}),
  };
  if (previous?.protected && !d.core) {
    if (!sameDefinition(previous, definition)) {
      invalid(`"${term}" is a protected term of the NGSI-LD core context (or another @protected context) and cannot be redefined`);
    }
    definition = previous;
  }
  b.terms.set(term, definition);
  d.defined.set(term, true);
}

/** Applies one context object (JSON-LD 1.1 §4.1.2 step 5.5 onwards); synchronous once @import is resolved. */
function defineObject(b: Builder, local: Record<string, unknown>, core: boolean): void {
  const version = local['@version'];
  if (version !== undefined && version !== 1.1) invalid(`@version must be the number 1.1, not ${JSON.stringify(version)}`);
  const base = local['@base'];
  if (base !== undefined && base !== null && typeof base !== 'string') invalid('@base must be a string or null');
  const protectedDefault = local['@protected'];
  if (protectedDefault !== undefined && typeof protectedDefault !== 'boolean') invalid('@protected must be true or false');
  const language = local['@language'];
  if (language !== undefined && language !== null && typeof language !== 'string') invalid('@language must be a string or null');
  const direction = local['@direction'];
  if (direction !== undefined && direction !== null && direction !== 'ltr' && direction !== 'rtl') {
    invalid('@direction must be "ltr", "rtl" or null');
  }
  const propagate = local['@propagate'];
  if (propagate !== undefined && typeof propagate !== 'boolean') invalid('@propagate must be true or false');

  const d: Definer = { local, defined: new Map(), protectedDefault: protectedDefault ?? false, core };
  if (Object.hasOwn(local, '@vocab')) {
    const raw = local['@vocab'];
    if (raw === null) {
      if (!core) b.vocab = undefined;
    } else if (typeof raw !== 'string') invalid('@vocab must be a string or null');
    else {
      const expanded = expandIri(b, raw, true, d);
      if (expanded === null || !isAbsoluteOrBlank(expanded)) invalid(`@vocab must be an absolute IRI, not "${raw}"`);
      // The core context's @vocab is a default: it never replaces a vocabulary the user's context chose.
      if (!core || b.vocab === undefined) b.vocab = expanded;
    }
  }
  for (const term of Object.keys(local)) {
    if (CONTEXT_KEYWORDS.has(term)) continue;
    createTerm(b, d, term);
  }
}

function checkUrl(url: string): void {
  if (url.length === 0) invalid('a @context URL may not be empty');
}

interface Run {
  load: ContextLoader;
  core: ActiveContext;
  urls: string[];
  stack: string[];
}

function mergeCore(b: Builder, core: ActiveContext): void {
  for (const [term, definition] of core.terms) b.terms.set(term, definition);
  if (b.vocab === undefined) b.vocab = core.vocab;
}

async function apply(b: Builder, local: unknown, run: Run, depth: number): Promise<void> {
  if (depth > MAX_DEPTH) invalid(`@context documents nest more than ${MAX_DEPTH} levels deep`);
  const items = Array.isArray(local) ? local : [local];
  for (const item of items) {
    if (item === null) {
      for (const definition of b.terms.values()) {
        if (definition.protected) invalid('null cannot clear a context that has protected terms (such as the core context)');
      }
      b.terms.clear();
      b.vocab = undefined;
    } else if (typeof item === 'string') {
      checkUrl(item);
      if (run.stack.includes(item)) invalid(`the @context ${item} includes itself`);
      if (!run.urls.includes(item)) {
        if (run.urls.length >= MAX_REMOTE_CONTEXTS) invalid(`more than ${MAX_REMOTE_CONTEXTS} remote @contexts in one request`);
        run.urls.push(item);
      }
      const loaded = await run.load(item);
      if (loaded.core) {
        mergeCore(b, run.core);
        continue;
      }
      run.stack.push(item);
      await apply(b, loaded.context, run, depth + 1);
      run.stack.pop();
    } else if (isObject(item)) {
      let object = item;
      if (Object.hasOwn(object, '@context')) {
        // A wrapped context ({"@context": …} inside a context): apply the inner one first.
        const { '@context': inner, ...rest } = object;
        await apply(b, inner, run, depth + 1);
        object = rest;
      }
      if (Object.hasOwn(object, '@import')) {
        const target = object['@import'];
        if (typeof target !== 'string') invalid('@import must be a URL string');
        checkUrl(target);
        if (!run.urls.includes(target)) run.urls.push(target);
        const loaded = await run.load(target);
        const imported = loaded.core ? undefined : loaded.context;
        if (!isObject(imported) || Object.hasOwn(imported, '@import')) {
          invalid(`the @import ${target} must be a context object without @import`);
        }
        const { '@import': _ignored, ...rest } = object;
        object = { ...imported, ...rest };
      }
      defineObject(b, object, false);
    } else {
      invalid(`a context must be a URL, an object, an array or null, not ${JSON.stringify(item)}`);
    }
  }
}

/**
 * Builds the core context's active context from the core context document's `@context` object.
 * @example const core = processCoreContext(JSON.parse(text)['@context'])
 */
export function processCoreContext(context: unknown): ActiveContext {
  if (!isObject(context)) invalid('the core context must be an object');
  const b = new Builder();
  defineObject(b, context, true);
  return b.freeze();
}

/**
 * Processes a request's @context and then applies the NGSI-LD core context last (its definitions
 * always win; its @vocab applies only when the user's contexts set none).
 * @example const { active } = await processContext(['https://example.org/ctx.jsonld', { temp: 'ex:temp' }], load, core)
 */
export async function processContext(local: unknown, load: ContextLoader, core: ActiveContext): Promise<ProcessedContext> {
  const b = new Builder();
  const run: Run = { load, core, urls: [], stack: [] };
  await apply(b, local, run, 0);
  mergeCore(b, core);
  return { active: b.freeze(), urls: run.urls };
}
