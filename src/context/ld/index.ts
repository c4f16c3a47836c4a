/** The JSON-LD @contexts capability: the built-in core and preloaded contexts, the resolver the hub uses, and the /jsonldContexts routes. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../../platform/config/config.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import type { Logger } from '../../platform/logging/logger.ts';
import type { Store } from '../../platform/store/store.ts';
import { DEFAULT_FETCH_POLICY } from './fetcher.ts';
import { type BuiltInDocument, ContextLibrary, parseContextDocument } from './library.ts';
import type { ContextResolver } from './model.ts';
import { processCoreContext } from './processor.ts';
import { LdResolver } from './resolver.ts';
import { ldContextRoutes } from './routes.ts';

export type { ContextResolver, TermDefinition, TermMap } from './model.ts';
export { DEFAULT_VOCAB } from './processor.ts';
export { ldContextsMigration } from './schema.ts';

/** The core @context of ETSI GS CIM 009 V1.8.1 (its document is built in). */
export const CORE_CONTEXT_URL = 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld';

/** Every URL that names the core @context (all served by the built-in v1.9 document, never fetched). */
export const CORE_CONTEXT_URLS: readonly string[] = ['https', 'http'].flatMap((scheme) => [
  `${scheme}://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld`,
  ...['1.3', '1.4', '1.5', '1.6', '1.7', '1.8', '1.9'].map(
    (version) => `${scheme}://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v${version}.jsonld`,
  ),
]);

/** The directory of the contexts shipped with CityCloud (core and Smart Data Models), with its index.json. */
export const SHIPPED_CONTEXTS_DIR = fileURLToPath(new URL('./contexts/', import.meta.url));
const CORE_FILE = 'ngsi-ld-core-context-v1.9.jsonld';

export interface LdContextsOptions {
  store: Store;
  logger: Logger;
  config: Config;
  /** Host names that may be fetched although they resolve to private or loopback addresses, added to LD_CONTEXT_ALLOW_HOSTS (tests). */
  allowedPrivateHosts?: readonly string[];
  /** The clock (ms since epoch); tests move it to expire cached contexts. */
  clock?: () => number;
  /** Limit of one remote fetch, redirects included; 5 s by default. */
  fetchTimeoutMs?: number;
  /** How often usage counters are written to the database; 10 s by default. */
  flushIntervalMs?: number;
}

export interface LdContexts {
  resolver: ContextResolver;
  /** The /jsonldContexts routes, to mount under /ngsi-ld/v1. */
  routes: FastifyPluginAsync;
  /** Resolves when background refreshes of cached contexts have finished. */
  settle(): Promise<void>;
  /** Stops the usage-counter timer and writes the last counters (call before closing the store). */
  close(): Promise<void>;
}

/**
 * Reads a directory of preloaded contexts: its index.json maps each URL to a file of that directory.
 * @example await readContextsDir('/etc/citycloud/contexts', 'LD_CONTEXTS_DIR')
 */
export async function readContextsDir(dir: string, label: string): Promise<BuiltInDocument[]> {
  const indexPath = path.join(dir, 'index.json');
  let index: unknown;
  try {
    index = JSON.parse(await readFile(indexPath, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : String((error as Error).message);
    throw new AppError('BAD_REQUEST_DATA', `${label}: cannot read ${indexPath}: ${reason}`);
  }
  if (typeof index !== 'object' || index === null || Array.isArray(index)) {
    throw new AppError('BAD_REQUEST_DATA', `${label}: ${indexPath} must be a JSON object mapping each @context URL to a file name`);
  }
  const documents: BuiltInDocument[] = [];
  const texts = new Map<string, string>();
  for (const [url, file] of Object.entries(index)) {
    if (typeof file !== 'string') throw new AppError('BAD_REQUEST_DATA', `${label}: ${indexPath} maps ${url} to a non-string`);
    const full = path.resolve(dir, file);
    if (!full.startsWith(path.resolve(dir) + path.sep)) {
      throw new AppError('BAD_REQUEST_DATA', `${label}: ${indexPath} names ${file}, which is outside the directory`);
    }
    let text = texts.get(full);
    if (text === undefined) {
      try {
        text = await readFile(full, 'utf8');
      } catch (error) {
        throw new AppError('BAD_REQUEST_DATA', `${label}: cannot read ${full} (for ${url}): ${(error as Error).message}`);
      }
      const parsed = parseContextDocument(text);
      if (!('context' in parsed)) throw new AppError('BAD_REQUEST_DATA', `${label}: ${full} is not a @context document: ${parsed.reason}`);
      texts.set(full, text);
    }
    documents.push({ url, text, origin: 'preloaded' });
  }
  return documents;
}

/**
 * Builds the JSON-LD @contexts capability: loads the core and preloaded contexts (shipped ones, then
 * LD_CONTEXTS_DIR), and returns the resolver and the /jsonldContexts routes.
 * @example const { resolver, routes } = await createLdContexts({ store, logger, config })
 */
export async function createLdContexts(options: LdContextsOptions): Promise<LdContexts> {
  const { store, logger, config } = options;
  const log = logger.child({ module: 'ld-contexts' });
  const coreText = await readFile(path.join(SHIPPED_CONTEXTS_DIR, CORE_FILE), 'utf8');
  const coreDoc = parseContextDocument(coreText);
  if (!('context' in coreDoc)) throw new AppError('INTERNAL', `The built-in core @context is broken: ${coreDoc.reason}`);
  const coreUrls = new Set(CORE_CONTEXT_URLS);

  const builtIn: BuiltInDocument[] = CORE_CONTEXT_URLS.map((url) => ({ url, text: coreText, origin: 'core' }));
  const preloaded = await readContextsDir(SHIPPED_CONTEXTS_DIR, 'the shipped @contexts');
  if (config.ldContextsDir) preloaded.push(...(await readContextsDir(config.ldContextsDir, 'LD_CONTEXTS_DIR')));
  const byUrl = new Map<string, BuiltInDocument>();
  for (const document of preloaded) {
    if (coreUrls.has(document.url)) {
      log.warn({ url: document.url }, 'a preloaded @context cannot replace the core context; ignored');
      continue;
    }
    byUrl.set(document.url, document);
  }
  builtIn.push(...byUrl.values());

  const library = new ContextLibrary({
    store,
    logger: log,
    builtIn,
    fetch: config.ldContextFetch,
    ttlMs: config.ldContextTtl * 1000,
    policy: {
      ...DEFAULT_FETCH_POLICY,
      timeoutMs: options.fetchTimeoutMs ?? DEFAULT_FETCH_POLICY.timeoutMs,
      allowedPrivateHosts: new Set([...config.ldContextAllowHosts, ...(options.allowedPrivateHosts ?? [])].map((host) => host.toLowerCase())),
    },
    clock: options.clock ?? Date.now,
    flushIntervalMs: options.flushIntervalMs ?? 10_000,
  });
  try {
    await library.start();
  } catch (error) {
    await library.close();
    throw error;
  }
  const resolver = new LdResolver({ library, core: processCoreContext(coreDoc.context), coreUrl: CORE_CONTEXT_URL, coreUrls });
  return {
    resolver,
    routes: ldContextRoutes(library, resolver),
    settle: () => library.settle(),
    close: () => library.close(),
  };
}
