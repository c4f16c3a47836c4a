/** HTTP routes of @context management (ETSI GS CIM 009 V1.8.1 clauses 5.13 and 6.29-6.30): add, list, serve and delete @contexts. */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Role } from '../../platform/auth/model.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { CONTEXT_KINDS, type ContextEntry, type ContextKind, type ContextLibrary } from './library.ts';
import type { LdResolver } from './resolver.ts';

/** Who may add and delete @contexts. */
export const CONTEXT_WRITERS: readonly Role[] = ['admin', 'developer', 'operator'];

/** ContextInfo (clause 5.13.3): what `details=true` gives for one @context. */
export interface ContextInfo {
  URL: string;
  localId: string;
  kind: ContextKind;
  createdAt: string;
  lastUsage?: string;
  numberOfHits: number;
  extraInfo?: Record<string, unknown>;
}

const KIND_ORDER: Record<ContextKind, number> = { Hosted: 0, Cached: 1, ImplicitlyCreated: 2 };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The absolute URL of an entry: Cached ones keep their original URL, the others are served here. */
function urlOf(entry: ContextEntry, request: FastifyRequest): string {
  return entry.kind === 'Cached' ? entry.url : `${request.protocol}://${request.host}${entry.url}`;
}

/**
 * The ContextInfo of an entry, as `details=true` shows it.
 * @example contextInfo(entry, request).numberOfHits
 */
export function contextInfo(entry: ContextEntry, request: FastifyRequest): ContextInfo {
  return {
    URL: urlOf(entry, request),
    localId: entry.localId,
    kind: entry.kind,
    createdAt: new Date(entry.createdAt).toISOString(),
    ...(entry.lastUsage !== undefined ? { lastUsage: new Date(entry.lastUsage).toISOString() } : {}),
    numberOfHits: entry.hits,
    ...(entry.kind === 'Cached'
      ? {
          extraInfo: {
            origin: entry.origin === 'stored' ? 'downloaded' : entry.origin,
            ...(entry.fetchedAt !== undefined ? { fetchedAt: new Date(entry.fetchedAt).toISOString() } : {}),
          },
        }
      : {}),
  };
}

const contextIdParam = {
  type: 'object',
  required: ['contextId'],
  properties: {
    contextId: { type: 'string', minLength: 1, description: 'The local id of the @context, or the original URL of a Cached one' },
  },
} as const;

/**
 * The /jsonldContexts routes, mounted under /ngsi-ld/v1.
 * @example await app.register(ldContextRoutes(library, resolver), { prefix: '/ngsi-ld/v1' })
 */
export function ldContextRoutes(library: ContextLibrary, resolver: LdResolver): FastifyPluginAsync {
  return async (app) => {
    app.post(
      '/jsonldContexts',
      {
        config: { access: CONTEXT_WRITERS },
        schema: {
          tags: ['ngsi-ld'],
          summary: 'Add a Hosted @context (5.13.2): the body is {"@context": …}; 201 with its URL in Location',
          body: { type: 'object' },
        },
      },
      async (request, reply) => {
        const body = request.body;
        if (!isObject(body) || !Object.hasOwn(body, '@context')) {
          throw new AppError('BAD_REQUEST_DATA', 'The body must be a JSON object with an "@context" member, e.g. {"@context": {"term": "https://…"}}');
        }
        await resolver.validate(body['@context']);
        const entry = await library.addHosted(JSON.stringify(body), body['@context']);
        reply.code(201).header('location', entry.url);
        return reply.send();
      },
    );

    app.get<{ Querystring: { details?: boolean; kind?: ContextKind } }>(
      '/jsonldContexts',
      {
        schema: {
          tags: ['ngsi-ld'],
          summary: 'List the @contexts of the broker (5.13.3): their URLs, or ContextInfo with details=true',
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              details: { type: 'boolean', description: 'ContextInfo objects instead of URLs' },
              kind: { type: 'string', enum: [...CONTEXT_KINDS] },
            },
          },
        },
      },
      async (request) => {
        const { details, kind } = request.query;
        const entries = (await library.list())
          .filter((entry) => kind === undefined || entry.kind === kind)
          .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.createdAt - b.createdAt || a.url.localeCompare(b.url));
        return details ? entries.map((entry) => contextInfo(entry, request)) : entries.map((entry) => urlOf(entry, request));
      },
    );

    app.get<{ Params: { contextId: string }; Querystring: { details?: boolean } }>(
      '/jsonldContexts/:contextId',
      {
        config: { access: 'public' },
        schema: {
          tags: ['ngsi-ld'],
          summary: 'Serve a @context (5.13.4): the document (no login needed), or its ContextInfo with details=true (login needed)',
          security: [],
          params: contextIdParam,
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { details: { type: 'boolean' } },
          },
        },
      },
      async (request, reply) => {
        const entry = await library.find(request.params.contextId);
        if (!entry) {
          throw new AppError('NOT_FOUND', `There is no @context "${request.params.contextId.slice(0, 300)}" on this broker; GET /ngsi-ld/v1/jsonldContexts lists them`);
        }
        if (request.query.details) {
          // The document itself is public (clients dereference it); its usage details are not.
          if (request.principal.kind === 'anonymous') {
            throw new AppError('UNAUTHENTICATED', 'details=true needs a login: send "Authorization: Bearer <access token or API key>"');
          }
          return contextInfo(entry, request);
        }
        reply.type('application/json');
        return entry.body;
      },
    );

    app.delete<{ Params: { contextId: string }; Querystring: { reload?: boolean } }>(
      '/jsonldContexts/:contextId',
      {
        config: { access: CONTEXT_WRITERS },
        schema: {
          tags: ['ngsi-ld'],
          summary: 'Delete a @context, or with reload=true download a Cached one again (5.13.5)',
          params: contextIdParam,
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { reload: { type: 'boolean' } },
          },
        },
      },
      async (request, reply) => {
        const entry = await library.find(request.params.contextId);
        if (!entry) {
          throw new AppError('NOT_FOUND', `There is no @context "${request.params.contextId.slice(0, 300)}" on this broker; GET /ngsi-ld/v1/jsonldContexts lists them`);
        }
        const reload = request.query.reload === true;
        if (entry.origin === 'core') {
          if (!reload) {
            throw new AppError('BAD_REQUEST_DATA', 'The NGSI-LD core @context cannot be deleted; it is built into the broker (reload=true is accepted and keeps it)');
          }
        } else if (reload) {
          if (entry.kind !== 'Cached') {
            throw new AppError('BAD_REQUEST_DATA', `reload=true applies to Cached @contexts only; this one is ${entry.kind}: delete it without reload`);
          }
          await library.reload(entry);
        } else {
          await library.remove(entry);
        }
        reply.code(204);
        return reply.send();
      },
    );
  };
}
