/** The HTTP server: Fastify with request ids, problem-details errors, access control, metrics, docs and the portal. */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import secureJson from 'secure-json-parse';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../logging/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { API_PREFIXES, type AccessOptions, registerAccess } from './access.ts';
import { classifyError } from './problem.ts';

export interface ServerOptions extends AccessOptions {
  logger: Logger;
  metrics: Metrics;
  bodyLimit: number;
  /** Directory of the built portal; the portal is not served when it does not exist. */
  webDir?: string;
  /** Which requests get an access-log line: all of them (default), or only those refused or failed (status ≥ 400). */
  logRequests?: 'all' | 'refused';
  /** Answers /healthz: throws when the platform cannot serve. */
  checkHealth: () => Promise<void>;
  /**
   * Route plugins of the platform and the capabilities, each with its URL prefix; `frameworkError` answers, in
   * that API's own error format, what the router refuses before any route runs (e.g. a URL that is not UTF-8).
   */
  routes: ReadonlyArray<{ prefix: string; plugin: FastifyPluginAsync; frameworkError?: (error: Error, request: FastifyRequest, reply: FastifyReply) => void }>;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
/** Deepest nesting of arrays and objects a JSON body may have (NGSI-LD entities need a handful). */
export const MAX_JSON_DEPTH = 100;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The nesting depth of JSON text beyond `limit`, found without parsing (so a hostile body never reaches a recursive parser). */
function exceedsDepth(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > limit) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

/**
 * Parses a JSON body strictly: valid UTF-8, nesting within MAX_JSON_DEPTH, and no __proto__ /
 * constructor.prototype keys. Errors say where the JSON breaks.
 */
function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) throw new AppError('BAD_REQUEST_DATA', 'The body is empty but the Content-Type says JSON; send a JSON document');
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    throw new AppError('INVALID_REQUEST', 'The body is not valid UTF-8; send JSON text encoded as UTF-8');
  }
  // The decoder drops one byte-order mark; anything left before the JSON is not JSON.
  if (text.charCodeAt(0) === 0xfeff) throw new AppError('INVALID_REQUEST', 'The body is not valid JSON: it starts with a second byte-order mark');
  if (exceedsDepth(text, MAX_JSON_DEPTH)) {
    throw new AppError('BAD_REQUEST_DATA', `The body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep`);
  }
  try {
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // NGSI-LD (clause 6.3.2): a body that is not JSON is an InvalidRequest, unlike well-formed but wrong data.
    throw new AppError('INVALID_REQUEST', `The body is not valid JSON: ${reason}`);
  }
}
/**
 * The longest request URL served. Over a socket Node's parser already stops a request line and headers past
 * 16 kB (431, clientErrorHandler); the same bound holds for requests that reach the server another way
 * (light-my-request in tests, a proxy that allows more), so a multi-megabyte query string is refused before
 * the router decodes it and before any handler parses it.
 */
export const MAX_URL_LENGTH = 16_384;
const URL_TOO_LONG_PATH = '/__citycloud/uri-too-long';
const LONG_QUERY_ADVICE = 'send long queries as POST /ngsi-ld/v1/entityOperations/query';

// Paths the portal never owns: an unknown one is a 404, not the portal's index.html.
const SERVER_PREFIXES = [...API_PREFIXES, '/docs', '/metrics', '/healthz'];

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // One log line per request is written in onResponse instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    bodyLimit: options.bodyLimit,
    // Honour a caller's X-Request-Id when it is sane, so one id follows a request across services.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
    // Before routing: an over-long URL goes to the route that refuses it (request.originalUrl keeps what came).
    rewriteUrl: (req) => (req.url !== undefined && req.url.length > MAX_URL_LENGTH ? URL_TOO_LONG_PATH : (req.url ?? '/')),
    routerOptions: { maxParamLength: 2048 },
    // URLs the router cannot even decode get the same problem+json refusal as everything else.
    frameworkErrors: (error, request, reply) => {
      const url = request.url ?? '';
      const own = options.routes.find((r) => r.frameworkError && (url === r.prefix || url.startsWith(`${r.prefix}/`)));
      if (own?.frameworkError) return own.frameworkError(error, request as unknown as FastifyRequest, reply as unknown as FastifyReply);
      const classified = classifyError(error, options.bodyLimit);
      // The router's reply type is generic over route schemas it does not have yet.
      (reply as unknown as FastifyReply)
        .status(classified.problem.status)
        .type('application/problem+json')
        .send({ ...classified.problem, instance: (request.url ?? '').split('?')[0]?.slice(0, 200), requestId: request.id });
    },
    ajv: { customOptions: { allErrors: false, coerceTypes: 'array', removeAdditional: false } },
    // Requests Node's HTTP parser refuses before Fastify sees them (e.g. a head over 16 kB).
    clientErrorHandler: (error: Error & { code?: string }, socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      const [status, detail] =
        error.code === 'HPE_HEADER_OVERFLOW'
          ? [431, `The request line and headers are larger than 16 kB; ${LONG_QUERY_ADVICE}`]
          : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? [408, 'The request took too long to arrive']
            : [400, 'The request is not valid HTTP'];
      const body = JSON.stringify({ type: `urn:citycloud:errors:${status === 400 ? 'BadRequest' : 'ClientError'}`, title: http.STATUS_CODES[status], status, detail });
      if (socket.writable) {
        socket.write(
          `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/problem+json\r\nConnection: close\r\n\r\n${body}`,
        );
      }
      socket.destroy(error);
    },
  });

  // JSON bodies (NGSI-LD and merge-patch too): the error says where the syntax breaks, and
  // __proto__ / constructor.prototype keys are refused rather than parsed.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    ['application/json', 'application/ld+json', 'application/merge-patch+json', 'application/geo+json'],
    { parseAs: 'buffer' },
    (_request, body, done) => {
      try {
        done(null, parseJsonBody(body as Buffer));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );

  // Callback-style hooks: one fewer promise per request on the hottest path.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    options.metrics.httpRequestDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      seconds,
    );
    if (options.logRequests !== 'refused' || reply.statusCode >= 400) {
      request.log.info(
        { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
        'request',
      );
    }
    done();
  });

  app.setErrorHandler((error, request, reply) => {
    const classified = classifyError(error, options.bodyLimit);
    const problem = { ...classified.problem, instance: request.originalUrl.split('?')[0]?.slice(0, 2048), requestId: request.id };
    options.metrics.httpErrors.inc({ code: classified.code });
    if (classified.unexpected) {
      request.log.error({ err: error }, 'unexpected error');
    } else {
      // The client's mistake: one line, no stack trace.
      request.log.info({ code: classified.code, status: problem.status, detail: problem.detail }, 'request refused');
    }
    if (classified.retryAfter !== undefined) reply.header('retry-after', String(classified.retryAfter));
    reply.status(problem.status).type('application/problem+json').send(problem);
  });

  registerAccess(app, options);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'CityCloud API',
        description:
          'The city platform API: the NGSI-LD context hub (/ngsi-ld/v1), citizen requests (/open311/v2) and the platform (/api/v1). ' +
          'Authenticate with "Authorization: Bearer <token>" from POST /api/v1/auth/login, or an API key.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Access token or API key (cck_…)' } },
      },
      security: [{ bearer: [] }],
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  app.all(URL_TOO_LONG_PATH, { schema: { hide: true } }, async (request) => {
    const length = request.originalUrl === URL_TOO_LONG_PATH ? 0 : request.originalUrl.length;
    throw new AppError('URI_TOO_LONG', `The request URL is ${length > 0 ? `${length.toLocaleString('en')} characters long` : 'too long'}; at most ${MAX_URL_LENGTH.toLocaleString('en')} are accepted: ${LONG_QUERY_ADVICE}`);
  });

  app.get('/healthz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await options.checkHealth();
      return { status: 'ok' };
    } catch (error) {
      reply.status(503);
      return { status: 'unavailable', detail: error instanceof Error ? error.message : String(error) };
    }
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });

  for (const { prefix, plugin } of options.routes) await app.register(plugin, { prefix });

  const webDir = options.webDir;
  const portal = webDir !== undefined && existsSync(path.join(webDir, 'index.html'));
  if (portal) {
    await app.register(fastifyStatic, {
      root: webDir,
      wildcard: false,
      setHeaders(res, file) {
        const immutable = file.includes(`${path.sep}assets${path.sep}`);
        res.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }

  app.setNotFoundHandler((request, reply) => {
    const pathname = request.url.split('?')[0] ?? '/';
    const isApi = SERVER_PREFIXES.some((prefix) => pathname.startsWith(prefix));
    // The portal routes on the client: any other page URL gets the portal's index.html.
    if (!isApi && request.method === 'GET' && portal && (request.headers.accept ?? '').includes('text/html')) {
      return reply.type('text/html').sendFile('index.html');
    }
    const detail = isApi
      ? `There is no ${request.method} ${pathname}; see /docs for the API`
      : portal
        ? `There is no ${pathname}`
        : `There is no ${pathname} (the portal is not built: run "npm run build")`;
    // Through the error handler, so a 404 has the same body, log line and metric as any refusal.
    return reply.send(new AppError('NOT_FOUND', detail));
  });

  return app;
}
