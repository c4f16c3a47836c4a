/** HTTP of the subscriptions capability: /ngsi-ld/v1/subscriptions (clause 6.10, 6.11) and the live entity stream /api/v1/live/entities (server-sent events). */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { renderEntity } from '../context/entity-output.ts';
import { bodyContext, boolParam, intParam, linkedContext, listParam, negotiate, param, readOptions, requestContext, requireJsonBody, sendPayload } from '../context/http-binding.ts';
import type { ContextResolver, TermMap } from '../context/ld/model.ts';
import { AppError } from '../platform/errors/app-error.ts';
import type { LiveHub } from './live.ts';
import { type SubscriptionRecord, subscriptionState, TRIGGERS, type Trigger } from './model.ts';
import type { SubscriptionCall, SubscriptionService } from './service.ts';

type Query = Record<string, string | string[] | undefined>;
type Json = Record<string, unknown>;

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;

/** The @context a request carries, as given: the body's for JSON-LD, else the Link header's URL. */
function givenContext(request: FastifyRequest): unknown {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/ld+json' && typeof request.body === 'object' && request.body !== null) return (request.body as Json)['@context'];
  return linkedContext(request);
}

function call(request: FastifyRequest, terms: TermMap, context: unknown): SubscriptionCall {
  return { tenant: request.tenant, principal: request.principal, terms, context };
}

/** A Subscription as the API shows it (clause 5.2.12), names compacted with the request's @context. */
export function renderSubscription(record: SubscriptionRecord, terms: TermMap, sysAttrs: boolean): Json {
  const b = record.body;
  const out: Json = { id: record.id, type: 'Subscription' };
  if (b.subscriptionName !== undefined) out.subscriptionName = b.subscriptionName;
  if (b.description !== undefined) out.description = b.description;
  if (b.entities) out.entities = b.entities;
  if (b.watchedAttributes) out.watchedAttributes = b.watchedAttributes.map((iri) => terms.compact(iri));
  out.notificationTrigger = b.notificationTrigger;
  if (b.q !== undefined) out.q = b.q;
  if (b.geoQ) out.geoQ = b.geoQ;
  if (b.scopeQ !== undefined) out.scopeQ = b.scopeQ;
  if (b.lang !== undefined) out.lang = b.lang;
  if (b.timeInterval !== undefined) out.timeInterval = b.timeInterval;
  if (b.throttling !== undefined) out.throttling = b.throttling;
  if (b.expiresAt !== undefined) out.expiresAt = b.expiresAt;
  out.isActive = b.isActive;
  out.status = subscriptionState(b);
  if (typeof record.context === 'string') out.jsonldContext = record.context;
  const s = record.status;
  const n = b.notification;
  const notification: Json = { format: n.format, endpoint: n.endpoint, showChanges: n.showChanges, sysAttrs: n.sysAttrs };
  if (n.attributes) notification.attributes = n.attributes.map((iri) => terms.compact(iri));
  if (s.lastNotification) notification.status = s.lastFailure && (!s.lastSuccess || s.lastFailure > s.lastSuccess) ? 'failed' : 'ok';
  notification.timesSent = s.timesSent;
  notification.timesFailed = s.timesFailed;
  if (s.lastNotification) notification.lastNotification = s.lastNotification;
  if (s.lastSuccess) notification.lastSuccess = s.lastSuccess;
  if (s.lastFailure) notification.lastFailure = s.lastFailure;
  out.notification = notification;
  if (sysAttrs) {
    out.createdAt = record.createdAt;
    out.modifiedAt = record.modifiedAt;
  }
  return out;
}

function checkSubscriptionId(id: string): string {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(id)) throw new AppError('BAD_REQUEST_DATA', `The subscription id "${id.slice(0, 80)}" is not a URI`);
  return id;
}

export function subscriptionRoutes(deps: { service: SubscriptionService; resolver: ContextResolver }): FastifyPluginAsync {
  const { service, resolver } = deps;
  return async (app) => {
    app.addHook('onSend', (request, reply, payload, done) => {
      if (request.headers['ngsild-tenant'] !== undefined && request.tenant) reply.header('ngsild-tenant', request.tenant);
      done(null, payload);
    });

    app.post('/subscriptions', { schema: { tags: ['ngsi-ld'], summary: 'Create a subscription' } }, async (request, reply) => {
      requireJsonBody(request);
      const terms = await bodyContext(request, resolver, request.body);
      const id = await service.create(call(request, terms, givenContext(request)), request.body);
      return reply.status(201).header('location', `/ngsi-ld/v1/subscriptions/${encodeURIComponent(id)}`).send();
    });

    app.get<{ Querystring: Query }>('/subscriptions', { schema: { tags: ['ngsi-ld'], summary: 'Query subscriptions' } }, async (request, reply) => {
      const type = negotiate(request, false);
      const terms = await requestContext(request, resolver);
      const q = request.query;
      const limit = intParam(q, 'limit', DEFAULT_LIMIT);
      if (limit > MAX_LIMIT) throw new AppError('TOO_MANY_RESULTS', `limit may be at most ${MAX_LIMIT}; page through the subscriptions with offset`);
      const offset = intParam(q, 'offset', 0);
      const count = boolParam(q, 'count');
      if (limit === 0 && !count) throw new AppError('BAD_REQUEST_DATA', 'limit=0 returns no subscriptions; use it with count=true to learn how many there are');
      const { sysAttrs } = readOptions(q, []);
      const result = await service.list(call(request, terms, undefined), { limit, offset });
      if (count) reply.header('ngsild-results-count', String(result.count));
      return sendPayload(
        reply,
        type,
        terms,
        result.records.map((r) => renderSubscription(r, terms, sysAttrs)),
      );
    });

    app.get<{ Params: { id: string }; Querystring: Query }>('/subscriptions/:id', { schema: { tags: ['ngsi-ld'], summary: 'Retrieve a subscription' } }, async (request, reply) => {
      const type = negotiate(request, false);
      const terms = await requestContext(request, resolver);
      const { sysAttrs } = readOptions(request.query, []);
      const record = await service.get(call(request, terms, undefined), checkSubscriptionId(request.params.id));
      return sendPayload(reply, type, terms, renderSubscription(record, terms, sysAttrs));
    });

    app.patch<{ Params: { id: string } }>('/subscriptions/:id', { schema: { tags: ['ngsi-ld'], summary: 'Update a subscription' } }, async (request, reply) => {
      requireJsonBody(request, true);
      const terms = await bodyContext(request, resolver, request.body);
      await service.update(call(request, terms, givenContext(request)), checkSubscriptionId(request.params.id), request.body);
      return reply.status(204).send();
    });

    app.delete<{ Params: { id: string } }>('/subscriptions/:id', { schema: { tags: ['ngsi-ld'], summary: 'Delete a subscription' } }, async (request, reply) => {
      const terms = await requestContext(request, resolver);
      await service.delete(call(request, terms, undefined), checkSubscriptionId(request.params.id));
      return reply.status(204).send();
    });
  };
}

const SSE_BACKLOG_BYTES = 1024 * 1024;

/**
 * GET /api/v1/live/entities: a server-sent-events stream of the changes of entities the caller may read.
 * Parameters: type, q, scopeQ, attrs (watched attributes), trigger (comma-separated), format (normalized, concise,
 * keyValues), georel/geometry/coordinates/geoproperty. Each event is `event: change` with
 * `{"triggers": […], "id": "…", "entity": {…} | null}` (null: deleted). A client that reads too slowly is cut off;
 * it reconnects (EventSource does so by itself) and reloads.
 */
export function liveRoutes(deps: { live: LiveHub; resolver: ContextResolver; heartbeatMs?: number }): FastifyPluginAsync {
  return async (app) => {
    // Open streams never end by themselves: the server's close ends them, or it would wait for them forever.
    const open = new Set<() => void>();
    app.addHook('preClose', (done) => {
      for (const end of open) end();
      done();
    });
    app.get<{ Querystring: Query }>('/live/entities', { schema: { tags: ['live'], summary: 'Live entity changes (server-sent events)' } }, async (request, reply) => {
      const q = request.query;
      const terms = await requestContext(request, deps.resolver);
      const { representation } = readOptions(q, []);
      const type = param(q, 'type');
      const triggers = listParam(q, 'trigger');
      for (const t of triggers ?? []) {
        if (!(TRIGGERS as readonly string[]).includes(t)) throw new AppError('BAD_REQUEST_DATA', `trigger must be among ${TRIGGERS.join(', ')}; got "${t.slice(0, 40)}"`);
      }
      const georel = param(q, 'georel');
      const attrs = listParam(q, 'attrs');
      const scopeQ = param(q, 'scopeQ');
      const qText = param(q, 'q');
      const geometry = param(q, 'geometry');
      const coordinates = param(q, 'coordinates');
      const geoproperty = param(q, 'geoproperty');
      const send = (text: string) => {
        reply.raw.write(text);
        if (reply.raw.writableLength > SSE_BACKLOG_BYTES) reply.raw.destroy();
      };
      // Subscribed before the stream opens, so a bad filter is an ordinary 400.
      const unsubscribe = deps.live.subscribe(
        request.tenant,
        {
          principal: request.principal,
          terms,
          ...(type ? { entities: [{ type }] } : {}),
          ...(qText !== undefined ? { q: qText } : {}),
          ...(scopeQ !== undefined ? { scopeQ } : {}),
          ...(attrs ? { watchedAttributes: attrs } : {}),
          ...(triggers ? { notificationTrigger: triggers as Trigger[] } : {}),
          ...(georel !== undefined || geometry !== undefined || coordinates !== undefined
            ? { geoQ: { georel: georel as string, geometry: geometry as string, coordinates, ...(geoproperty ? { geoproperty } : {}) } }
            : {}),
        },
        (event) => {
          const entity = event.entity ? renderEntity(event.entity, { terms, representation, sysAttrs: true }) : null;
          send(`event: change\ndata: ${JSON.stringify({ triggers: event.triggers, id: event.id, entity })}\n\n`);
        },
      );
      reply.hijack();
      reply.raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      reply.raw.write('retry: 2000\n: connected\n\n');
      const heartbeat = setInterval(() => send(': keep-alive\n\n'), deps.heartbeatMs ?? 15_000);
      heartbeat.unref();
      const stop = () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(end);
      };
      const end = () => {
        stop();
        reply.raw.end();
      };
      open.add(end);
      reply.raw.on('close', stop);
      request.raw.on('close', stop);
    });
  };
}
