/** Test support for the JSON-LD contexts: a capability on a fresh test store, an outbound-network spy and a local context server. */
import dns from 'node:dns';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { loadConfig } from '../../platform/config/config.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { createLogger } from '../../platform/logging/logger.ts';
import { migrate } from '../../platform/store/migrate.ts';
import type { Store } from '../../platform/store/store.ts';
import { openTestStore } from '../../platform/store/testing.ts';
import { createLdContexts, type LdContexts, type LdContextsOptions, ldContextsMigration } from './index.ts';

export interface LdHarness {
  ld: LdContexts;
  store: Store;
  /** Log lines written so far. */
  logText(): string;
  /** Starts another capability on the same store (a restart, or a second node). */
  restart(env?: Record<string, string>, extra?: Partial<LdContextsOptions>): Promise<LdContexts>;
  close(): Promise<void>;
}

/**
 * The @contexts capability on its own test store (PGlite, or a fresh PostgreSQL schema with DATABASE_URL).
 * @example const h = await openLdHarness({ LD_CONTEXT_TTL: '60' }); try { … } finally { await h.close(); }
 */
export async function openLdHarness(env: Record<string, string> = {}, extra: Partial<LdContextsOptions> = {}): Promise<LdHarness> {
  const handle = await openTestStore();
  await migrate(handle.store, [ldContextsMigration]);
  const lines: string[] = [];
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    }),
  );
  const started: LdContexts[] = [];
  const start = async (e: Record<string, string>, x: Partial<LdContextsOptions>) => {
    const ld = await createLdContexts({ store: handle.store, logger, config: loadConfig(e), flushIntervalMs: 60_000, ...x });
    started.push(ld);
    return ld;
  };
  let ld: LdContexts;
  try {
    ld = await start(env, extra);
  } catch (error) {
    await handle.dispose();
    throw error;
  }
  return {
    ld,
    store: handle.store,
    logText: () => lines.join(''),
    restart: (e = env, x = extra) => start(e, x),
    async close() {
      for (const each of started) await each.close();
      await handle.dispose();
    },
  };
}

export interface NetworkSpy {
  /** Outbound attempts seen: DNS lookups, http(s) requests, fetch calls. */
  readonly calls: string[];
  restore(): void;
}

/**
 * Records every outbound network attempt (dns.lookup, http/https request and get, global fetch) and
 * blocks it. Restore it in a finally block.
 * @example const spy = spyOnNetwork(); try { … assert.deepEqual(spy.calls, []) } finally { spy.restore() }
 */
export function spyOnNetwork(): NetworkSpy {
  const calls: string[] = [];
  const saved = {
    lookup: dns.lookup,
    httpRequest: http.request,
    httpGet: http.get,
    httpsRequest: https.request,
    httpsGet: https.get,
    fetch: globalThis.fetch,
  };
  const blocked = (what: string) => {
    return (...args: unknown[]) => {
      calls.push(`${what} ${String(args[0])}`);
      throw new AppError('SERVICE_UNAVAILABLE', `outbound network use during an offline test: ${what}`);
    };
  };
  const patch = (target: object, key: string, value: unknown) => {
    Object.defineProperty(target, key, { value, configurable: true, writable: true });
  };
  patch(dns, 'lookup', blocked('dns.lookup'));
  patch(http, 'request', blocked('http.request'));
  patch(http, 'get', blocked('http.get'));
  patch(https, 'request', blocked('https.request'));
  patch(https, 'get', blocked('https.get'));
  patch(globalThis, 'fetch', blocked('fetch'));
  return {
    calls,
    restore() {
      patch(dns, 'lookup', saved.lookup);
      patch(http, 'request', saved.httpRequest);
      patch(http, 'get', saved.httpGet);
      patch(https, 'request', saved.httpsRequest);
      patch(https, 'get', saved.httpsGet);
      patch(globalThis, 'fetch', saved.fetch);
    },
  };
}

export type Handler = (request: IncomingMessage, response: ServerResponse) => void;

export interface ContextServer {
  /** The origin, e.g. http://127.0.0.1:41234 */
  origin: string;
  url(path: string): string;
  /** Requests received per path. */
  hits(path: string): number;
  /** Serves a path (replacing any previous handler). */
  route(path: string, handler: Handler): void;
  /** Serves `{"@context": context}` at a path. */
  serve(path: string, context: unknown): void;
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1 and an ephemeral port, serving test @contexts.
 * @example const server = await startContextServer(); server.serve('/ctx.jsonld', { a: 'https://e.org/a' })
 */
export async function startContextServer(): Promise<ContextServer> {
  const routes = new Map<string, Handler>();
  const counts = new Map<string, number>();
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]!;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const handler = routes.get(path);
    if (handler) handler(request, response);
    else {
      response.statusCode = 404;
      response.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (path) => `${origin}${path}`,
    hits: (path) => counts.get(path) ?? 0,
    route: (path, handler) => {
      routes.set(path, handler);
    },
    serve: (path, context) => {
      routes.set(path, (_request, response) => {
        response.setHeader('content-type', 'application/ld+json');
        response.end(JSON.stringify({ '@context': context }));
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
