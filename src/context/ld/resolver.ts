/** Turns a request's @context into a TermMap: processes it once, caches the result by its text, and records which stored contexts it used. */
import { AppError } from '../../platform/errors/app-error.ts';
import type { ContextEntry, ContextLibrary } from './library.ts';
import type { ContextResolver, TermMap } from './model.ts';
import { type ActiveContext, type ContextLoader, processContext } from './processor.ts';
import { createTermMap } from './term-map.ts';

export interface ResolverOptions {
  library: ContextLibrary;
  core: ActiveContext;
  /** The URL the core TermMap echoes. */
  coreUrl: string;
  /** Every URL that names the core context. */
  coreUrls: ReadonlySet<string>;
  /** Processed contexts kept (least recently used ones go first). */
  cacheSize?: number;
}

interface Resolved {
  terms: TermMap;
  /** The stored contexts it was built from (hits are counted on them at every use). */
  deps: ContextEntry[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The ContextResolver of the hub.
 * @example const terms = await resolver.resolve(['https://example.org/context.jsonld', { speed: 'https://example.org/speed' }])
 */
export class LdResolver implements ContextResolver {
  readonly core: TermMap;
  readonly #library: ContextLibrary;
  readonly #coreActive: ActiveContext;
  readonly #coreUrl: string;
  readonly #coreUrls: ReadonlySet<string>;
  readonly #cacheSize: number;
  readonly #cache = new Map<string, Resolved>();
  readonly #building = new Map<string, Promise<Resolved>>();
  /** local id of a stored context → cache keys built from it. */
  readonly #dependents = new Map<string, Set<string>>();

  constructor(options: ResolverOptions) {
    this.#library = options.library;
    this.#coreActive = options.core;
    this.#coreUrl = options.coreUrl;
    this.#coreUrls = options.coreUrls;
    this.#cacheSize = options.cacheSize ?? 1000;
    this.core = createTermMap(options.core, options.coreUrl, options.coreUrl);
    this.#library.onChange((localId) => this.#invalidate(localId));
  }

  async resolve(context: unknown): Promise<TermMap> {
    if (context === undefined || context === null) return this.core;
    if (context === this.#coreUrl) {
      const entry = this.#library.peek(this.#coreUrl);
      if (entry) this.#library.touch([entry]);
      return this.core;
    }
    const key = typeof context === 'string' ? context : `\u0000${JSON.stringify(context)}`;
    let resolved = this.#cache.get(key);
    if (resolved) {
      // Least recently used goes first: move this one to the end.
      this.#cache.delete(key);
      this.#cache.set(key, resolved);
    } else {
      let pending = this.#building.get(key);
      if (!pending) {
        pending = this.#build(context, key).finally(() => this.#building.delete(key));
        this.#building.set(key, pending);
      }
      resolved = await pending;
    }
    this.#library.touch(resolved.deps);
    return resolved.terms;
  }

  /**
   * Checks that a @context is valid (fetching what it references), without keeping anything.
   * Throws BAD_REQUEST_DATA or LD_CONTEXT_NOT_AVAILABLE like `resolve`.
   */
  async validate(context: unknown): Promise<void> {
    this.#checkShape(context);
    await processContext(context, this.#loader([]), this.#coreActive);
  }

  #checkShape(context: unknown): void {
    if (typeof context !== 'string' && !Array.isArray(context) && !isObject(context)) {
      throw new AppError('BAD_REQUEST_DATA', `A @context must be a URL, an object or an array, not ${JSON.stringify(context)}`);
    }
  }

  #loader(deps: ContextEntry[]): ContextLoader {
    return async (url) => {
      const entry = await this.#library.load(url);
      if (!deps.includes(entry)) deps.push(entry);
      return entry.origin === 'core' ? { core: true } : { core: false, context: entry.context };
    };
  }

  async #build(context: unknown, key: string): Promise<Resolved> {
    this.#checkShape(context);
    const deps: ContextEntry[] = [];
    const { active } = await processContext(context, this.#loader(deps), this.#coreActive);
    let linkUrl: string;
    if (typeof context === 'string') linkUrl = context;
    else {
      const items: unknown[] = Array.isArray(context) ? context : [context];
      const user = items.filter((item) => !(typeof item === 'string' && this.#coreUrls.has(item)));
      if (user.length === 0) linkUrl = (items.find((item) => typeof item === 'string') as string | undefined) ?? this.#coreUrl;
      else if (user.length === 1 && typeof user[0] === 'string') linkUrl = user[0];
      else {
        const entry = await this.#library.implicit(key.slice(1), context);
        deps.push(entry);
        linkUrl = entry.url;
      }
    }
    const resolved: Resolved = { terms: createTermMap(active, context, linkUrl), deps };
    this.#cache.set(key, resolved);
    for (const dep of deps) {
      let keys = this.#dependents.get(dep.localId);
      if (!keys) {
        keys = new Set();
        this.#dependents.set(dep.localId, keys);
      }
      keys.add(key);
    }
    while (this.#cache.size > this.#cacheSize) {
      const oldest = this.#cache.keys().next().value as string;
      const evicted = this.#cache.get(oldest)!;
      this.#cache.delete(oldest);
      for (const dep of evicted.deps) this.#dependents.get(dep.localId)?.delete(oldest);
    }
    return resolved;
  }

  #invalidate(localId: string): void {
    const keys = this.#dependents.get(localId);
    if (!keys) return;
    this.#dependents.delete(localId);
    for (const key of keys) this.#cache.delete(key);
  }
}
