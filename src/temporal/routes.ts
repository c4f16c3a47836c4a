/** The temporal API of NGSI-LD (/ngsi-ld/v1/temporal, clauses 6.18–6.22): thin routes that read the request, call the temporal service and shape the answer. */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { boolParam, bodyContext, intParam, listParam, negotiate, param, requestContext, requireJsonBody, sendPayload } from '../context/http-binding.ts';
import type { ContextResolver, TermMap } from '../context/ld/model.ts';
import { ownership } from '../context/routes.ts';
import { AppError } from '../platform/errors/app-error.ts';
import { MAX_LAST_N, parseAggregation, parseTimeRange } from './model.ts';
import { renderTemporalEntity, type TemporalRepresentation } from './output.ts';
import type { TemporalAnswer, TemporalAsk, TemporalCall, TemporalSelection, TemporalService } from './service.ts';

type Query = Record<string, string | string[] | undefined>;
type Params = { entityId: string; attrId: string; instanceId: string };

const OPTIONS = ['temporalValues', 'aggregatedValues', 'normalized', 'sysAttrs'] as const;
const DEFAULT_LIMIT = 20;

function call(request: FastifyRequest, terms: TermMap): TemporalCall {
  return { tenant: request.tenant, principal: request.principal, terms, requestId: request.id };
}

/** options / format: which temporal representation, and sysAttrs. */
function representationOf(query: Query): { representation: TemporalRepresentation; sysAttrs: boolean } {
  const options = listParam(query, 'options') ?? [];
  const format = param(query, 'format');
  let representation: TemporalRepresentation = 'normalized';
  const asked = [...options, ...(format !== undefined ? [format] : [])];
  for (const option of asked) {
    if (!(OPTIONS as readonly string[]).includes(option)) {
      throw new AppError('BAD_REQUEST_DATA', `Unknown option "${option.slice(0, 40)}"; the temporal API takes ${OPTIONS.join(', ')}`);
    }
    if (option === 'temporalValues' || option === 'aggregatedValues') {
      if (representation !== 'normalized' && representation !== option) throw new AppError('BAD_REQUEST_DATA', 'Ask for one representation: temporalValues or aggregatedValues, not both');
      representation = option;
    }
  }
  return { representation, sysAttrs: options.includes('sysAttrs') };
}

/** The temporal part of a query: time range, lastN and, for aggregatedValues, methods and period. */
function askOf(query: Query, representation: TemporalRepresentation): TemporalAsk {
  const range = parseTimeRange({
    timerel: param(query, 'timerel'),
    timeAt: param(query, 'timeAt'),
    endTimeAt: param(query, 'endTimeAt'),
    timeproperty: param(query, 'timeproperty'),
  });
  const ask: TemporalAsk = { range };
  if (param(query, 'lastN') !== undefined) {
    const lastN = intParam(query, 'lastN', 0, 1);
    if (lastN > MAX_LAST_N) throw new AppError('BAD_REQUEST_DATA', `lastN may be at most ${MAX_LAST_N}`);
    ask.lastN = lastN;
  }
  const methods = listParam(query, 'aggrMethods');
  const period = param(query, 'aggrPeriodDuration');
  if (representation === 'aggregatedValues') ask.aggregation = parseAggregation(methods, period);
  else if (methods || period) throw new AppError('BAD_REQUEST_DATA', 'aggrMethods and aggrPeriodDuration go with options=aggregatedValues');
  return ask;
}

function reply200(reply: FastifyReply, answer: TemporalAnswer): FastifyReply {
  if (answer.count !== undefined) reply.header('ngsild-results-count', String(answer.count));
  if (answer.truncated) {
    // Temporal pagination: the answer is complete for this range only; ask again from its end for the rest.
    const from = answer.truncated.from > 0 ? new Date(answer.truncated.from).toISOString() : '';
    reply.status(206).header('content-range', `date-time ${from}-${new Date(answer.truncated.to).toISOString()}/*`);
  }
  return reply;
}

export function temporalRoutes(deps: { service: TemporalService; resolver: ContextResolver }): FastifyPluginAsync {
  const { service, resolver } = deps;
  return async (app) => {
    app.addHook('onSend', (request, reply, payload, done) => {
      if (request.headers['ngsild-tenant'] !== undefined && request.tenant) reply.header('ngsild-tenant', request.tenant);
      done(null, payload);
    });

    app.get<{ Querystring: Query }>('/temporal/entities', { schema: { tags: ['ngsi-ld temporal'], summary: 'Query the temporal evolution of entities' } }, async (request, reply) => {
      const type = negotiate(request, false);
      const terms = await requestContext(request, resolver);
      const q = request.query;
      const { representation, sysAttrs } = representationOf(q);
      const ask = askOf(q, representation);
      const selection: TemporalSelection = { limit: intParam(q, 'limit', DEFAULT_LIMIT), offset: intParam(q, 'offset', 0), count: boolParam(q, 'count') };
      const ids = listParam(q, 'id');
      const attrs = listParam(q, 'attrs');
      if (ids) selection.ids = ids;
      if (attrs) selection.attrs = attrs;
      for (const name of ['idPattern', 'type', 'q', 'scopeQ'] as const) {
        const value = param(q, name);
        if (value !== undefined) selection[name] = value;
      }
      const georel = param(q, 'georel');
      const geometry = param(q, 'geometry');
      const coordinates = param(q, 'coordinates');
      if (georel !== undefined || geometry !== undefined || coordinates !== undefined) selection.geo = { georel, geometry, coordinates, geoproperty: param(q, 'geoproperty') };
      if (selection.limit === 0 && !selection.count) throw new AppError('BAD_REQUEST_DATA', 'limit=0 returns no entities; use it with count=true to learn how many match');
      const selective = selection.ids || selection.idPattern || selection.type || selection.attrs || selection.q || selection.geo || selection.scopeQ || boolParam(q, 'local');
      if (!selective) {
        throw new AppError('BAD_REQUEST_DATA', 'Say which entities: give at least one of type, id, idPattern, attrs, q, geoQ or scopeQ (or local=true for every entity with history)');
      }
      const answer = await service.query(call(request, terms), selection, ask);
      const options = { terms, representation, sysAttrs, timeproperty: ask.range.timeproperty };
      const times = new Map<number, string>();
      return sendPayload(
        reply200(reply, answer),
        type,
        terms,
        answer.entities.map((e) => renderTemporalEntity(e, options, times)),
      );
    });

    app.get<{ Params: Params; Querystring: Query }>(
      '/temporal/entities/:entityId',
      { schema: { tags: ['ngsi-ld temporal'], summary: 'Retrieve the temporal evolution of an entity' } },
      async (request, reply) => {
        const type = negotiate(request, false);
        const terms = await requestContext(request, resolver);
        const { representation, sysAttrs } = representationOf(request.query);
        const ask = askOf(request.query, representation);
        const answer = await service.retrieve(call(request, terms), request.params.entityId, listParam(request.query, 'attrs'), ask);
        const entity = answer.entities[0];
        if (!entity) throw new AppError('NOT_FOUND', `There is no temporal history of entity ${request.params.entityId}`);
        return sendPayload(reply200(reply, answer), type, terms, renderTemporalEntity(entity, { terms, representation, sysAttrs, timeproperty: ask.range.timeproperty }));
      },
    );

    app.post('/temporal/entities', { schema: { tags: ['ngsi-ld temporal'], summary: 'Create or add to the temporal representation of an entity' } }, async (request, reply) => {
      requireJsonBody(request);
      const terms = await bodyContext(request, resolver, request.body);
      const created = await service.upsert(call(request, terms), request.body, ownership(request));
      if (!created) return reply.status(204).send();
      const id = String((request.body as Record<string, unknown>).id ?? (request.body as Record<string, unknown>)['@id']);
      return reply.status(201).header('location', `/ngsi-ld/v1/temporal/entities/${encodeURIComponent(id)}`).send();
    });

    app.delete<{ Params: Params }>('/temporal/entities/:entityId', { schema: { tags: ['ngsi-ld temporal'], summary: 'Delete the temporal representation of an entity' } }, async (request, reply) => {
      const terms = await requestContext(request, resolver);
      await service.delete(call(request, terms), request.params.entityId);
      return reply.status(204).send();
    });

    app.post<{ Params: Params }>('/temporal/entities/:entityId/attrs', { schema: { tags: ['ngsi-ld temporal'], summary: 'Add attribute instances' } }, async (request, reply) => {
      requireJsonBody(request);
      const terms = await bodyContext(request, resolver, request.body);
      await service.append(call(request, terms), request.params.entityId, request.body);
      return reply.status(204).send();
    });

    app.delete<{ Params: Params; Querystring: Query }>(
      '/temporal/entities/:entityId/attrs/:attrId',
      { schema: { tags: ['ngsi-ld temporal'], summary: 'Delete the history of an attribute' } },
      async (request, reply) => {
        const terms = await requestContext(request, resolver);
        const datasetId = param(request.query, 'datasetId');
        await service.deleteAttribute(call(request, terms), request.params.entityId, request.params.attrId, {
          ...(datasetId !== undefined ? { datasetId } : {}),
          deleteAll: boolParam(request.query, 'deleteAll'),
        });
        return reply.status(204).send();
      },
    );

    app.patch<{ Params: Params }>(
      '/temporal/entities/:entityId/attrs/:attrId/:instanceId',
      { schema: { tags: ['ngsi-ld temporal'], summary: 'Correct an attribute instance' } },
      async (request, reply) => {
        requireJsonBody(request);
        const terms = await bodyContext(request, resolver, request.body);
        await service.patchInstance(call(request, terms), request.params.entityId, request.params.attrId, request.params.instanceId, request.body);
        return reply.status(204).send();
      },
    );

    app.delete<{ Params: Params }>(
      '/temporal/entities/:entityId/attrs/:attrId/:instanceId',
      { schema: { tags: ['ngsi-ld temporal'], summary: 'Delete an attribute instance' } },
      async (request, reply) => {
        const terms = await requestContext(request, resolver);
        await service.deleteInstance(call(request, terms), request.params.entityId, request.params.attrId, request.params.instanceId);
        return reply.status(204).send();
      },
    );
  };
}
