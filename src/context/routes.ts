/** The NGSI-LD API of the context hub (/ngsi-ld/v1): thin routes that read the request, call the hub and shape the answer. */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../platform/errors/app-error.ts';
import { STATUS_TABLE } from '../platform/errors/status-table.ts';
import { checkName } from './entity-input.ts';
import { type RenderOptions, renderEntity, renderFeature } from './entity-output.ts';
import {
  boolParam,
  bodyContext,
  intParam,
  listParam,
  negotiate,
  param,
  readOptions,
  requestContext,
  requireJsonBody,
  sendPayload,
} from './http-binding.ts';
import type { ContextResolver, TermMap } from './ld/model.ts';
import { SHARING_CLASSES, type SharingClass, type StoredEntity } from './model.ts';
import { DEFAULT_LIMIT, type EntityQuery, type EntityReader, type GeoQueryInput, type ReadCall } from './read.ts';
import type { BatchOutcome, ContextHub, HubCall, Ownership, UpdateResult } from './service.ts';

type Query = Record<string, string | string[] | undefined>;
type Params = { entityId: string; attrId: string };

export interface ContextRoutesDeps {
  hub: ContextHub;
  reader: EntityReader;
  resolver: ContextResolver;
}

const OWNER_HEADER = 'citycloud-owner-department';
const SHARING_HEADER = 'citycloud-sharing';

function call(request: FastifyRequest, terms: TermMap): HubCall & ReadCall {
  return { tenant: request.tenant, principal: request.principal, terms, requestId: request.id };
}

/** Who owns a new entity, from the CityCloud-Owner-Department and CityCloud-Sharing headers (also used by the temporal API). */
export function ownership(request: FastifyRequest): Ownership {
  const owner = request.headers[OWNER_HEADER];
  const sharing = request.headers[SHARING_HEADER];
  const out: Ownership = {};
  if (typeof owner === 'string' && owner.length > 0) out.ownerDepartment = owner;
  if (typeof sharing === 'string' && sharing.length > 0) {
    if (!(SHARING_CLASSES as readonly string[]).includes(sharing)) {
      throw new AppError('BAD_REQUEST_DATA', `CityCloud-Sharing must be one of ${SHARING_CLASSES.join(', ')}`);
    }
    out.sharing = sharing as SharingClass;
  }
  return out;
}

/** pick/omit/attrs (clause 4.21) as attribute IRIs, plus whether id/type are projected away. */
function projection(query: Query, terms: TermMap): Pick<RenderOptions, 'pick' | 'omit' | 'omitId' | 'omitType'> {
  const attrs = listParam(query, 'attrs');
  const pick = listParam(query, 'pick');
  const omit = listParam(query, 'omit');
  if (pick && omit) throw new AppError('BAD_REQUEST_DATA', 'Use either pick or omit, not both');
  const out: Pick<RenderOptions, 'pick' | 'omit' | 'omitId' | 'omitType'> = {};
  const toIris = (names: string[]) =>
    new Set(names.filter((n) => n !== 'id' && n !== 'type').map((n) => (n === 'scope' ? 'scope' : terms.expand(checkName(n, 'An attribute name')))));
  if (pick) {
    out.pick = toIris(pick);
    out.omitId = !pick.includes('id');
    out.omitType = !pick.includes('type');
  }
  if (attrs) {
    const iris = toIris(attrs);
    out.pick = out.pick ? new Set([...out.pick].filter((i) => iris.has(i))) : iris;
  }
  if (omit) {
    out.omit = toIris(omit);
    out.omitId = omit.includes('id');
    out.omitType = omit.includes('type');
  }
  return out;
}

function renderOptions(query: Query, terms: TermMap): RenderOptions {
  const { representation, sysAttrs } = readOptions(query, []);
  const lang = listParam(query, 'lang');
  const datasetId = listParam(query, 'datasetId');
  return {
    terms,
    representation,
    sysAttrs,
    ...projection(query, terms),
    ...(lang ? { lang: lang.map((l) => l.split(';')[0]?.trim() ?? l) } : {}),
    ...(datasetId ? { datasetId } : {}),
  };
}

function problem(error: AppError) {
  const kind = STATUS_TABLE[error.code];
  return { type: kind.type, title: kind.title, status: kind.status, detail: error.message };
}

function updateResultReply(reply: FastifyReply, result: UpdateResult, terms: TermMap) {
  if (result.notUpdated.length === 0) return reply.status(204).send();
  return sendPayload(reply.status(207), 'application/json', terms, {
    updated: result.updated,
    notUpdated: result.notUpdated.map((n) => ({ attributeName: n.attributeIri, reason: n.reason })),
  });
}

/** Batch answers (clause 6.14–6.17): 201 with ids or 204 when every entity succeeded, else 207 BatchOperationResult. */
function batchReply(reply: FastifyReply, outcomes: BatchOutcome, created: 'ids' | 'none' | 'ids-if-any') {
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length === 0) {
    const ids = outcomes.filter((o) => o.ok && o.result === 'created').map((o) => o.id);
    if (created === 'ids' || (created === 'ids-if-any' && ids.length > 0)) return reply.status(201).send(ids);
    return reply.status(204).send();
  }
  return reply.status(207).send({
    success: outcomes.filter((o) => o.ok).map((o) => o.id),
    errors: outcomes.flatMap((o) => (o.ok ? [] : [{ entityId: o.id, error: problem(o.error) }])),
  });
}

function geoInput(query: Query): GeoQueryInput | undefined {
  const georel = param(query, 'georel');
  const geometry = param(query, 'geometry');
  const coordinates = param(query, 'coordinates');
  const geoproperty = param(query, 'geoproperty');
  if (georel === undefined && geometry === undefined && coordinates === undefined) return undefined;
  return { georel, geometry, coordinates, geoproperty };
}

function entitiesPayload(entities: StoredEntity[], type: string, options: RenderOptions, geoproperty: string | undefined) {
  if (type === 'application/geo+json') {
    const geo = geoproperty ? options.terms.expand(geoproperty) : undefined;
    return { type: 'FeatureCollection', features: entities.map((e) => renderFeature(e, options, geo)) };
  }
  return entities.map((e) => renderEntity(e, options));
}

export function contextRoutes(deps: ContextRoutesDeps): FastifyPluginAsync {
  const { hub, reader, resolver } = deps;
  return async (app) => {
    // Clause 6.3.14: a response in a named tenant names it too.
    app.addHook('onSend', (request, reply, payload, done) => {
      if (request.headers['ngsild-tenant'] !== undefined && request.tenant) reply.header('ngsild-tenant', request.tenant);
      done(null, payload);
    });

    // ---- entities (clause 6.4–6.7) ----
    app.post('/entities', { schema: { tags: ['ngsi-ld'], summary: 'Create an entity' } }, async (request, reply) => {
      requireJsonBody(request);
      const terms = await bodyContext(request, resolver, request.body);
      const id = await hub.createEntity(call(request, terms), request.body, ownership(request));
      return reply.status(201).header('location', `/ngsi-ld/v1/entities/${encodeURIComponent(id)}`).send();
    });

    app.get<{ Querystring: Query }>('/entities', { schema: { tags: ['ngsi-ld'], summary: 'Query entities' } }, async (request, reply) => {
      const type = negotiate(request, true);
      const terms = await requestContext(request, resolver);
      const q = request.query;
      // Each parameter is read once; absent ones stay absent.
      const query: EntityQuery = { limit: intParam(q, 'limit', DEFAULT_LIMIT), offset: intParam(q, 'offset', 0), count: boolParam(q, 'count') };
      const ids = listParam(q, 'id');
      const attrs = listParam(q, 'attrs');
      const geo = geoInput(q);
      if (ids) query.ids = ids;
      if (attrs) query.attrs = attrs;
      if (geo) query.geo = geo;
      for (const name of ['idPattern', 'type', 'q', 'scopeQ'] as const) {
        const value = param(q, name);
        if (value !== undefined) query[name] = value;
      }
      if (query.limit === 0 && !query.count) {
        throw new AppError('BAD_REQUEST_DATA', 'limit=0 returns no entities; use it with count=true to learn how many match');
      }
      const local = boolParam(q, 'local');
      const selective = query.ids || query.idPattern || query.type || query.attrs || query.q || query.geo || query.scopeQ || local;
      if (!selective) {
        throw new AppError('BAD_REQUEST_DATA', 'Say what to query: give at least one of type, id, idPattern, attrs, q, geoQ or scopeQ (or local=true for everything)');
      }
      const options = renderOptions(q, terms);
      const result = await reader.queryEntities(call(request, terms), query);
      if (result.count !== undefined) reply.header('ngsild-results-count', String(result.count));
      return sendPayload(reply, type, terms, entitiesPayload(result.entities, type, options, param(q, 'geometryProperty')));
    });

    app.get<{ Params: Params; Querystring: Query }>('/entities/:entityId', { schema: { tags: ['ngsi-ld'], summary: 'Retrieve an entity' } }, async (request, reply) => {
      const type = negotiate(request, true);
      const terms = await requestContext(request, resolver);
      const options = renderOptions(request.query, terms);
      const entity = await reader.getEntity(call(request, terms), request.params.entityId);
      if (!entity) throw new AppError('NOT_FOUND', `There is no entity ${request.params.entityId} in this city (or you may not see it)`);
      const attrs = listParam(request.query, 'attrs');
      if (attrs && options.pick && ![...options.pick].some((iri) => entity.attrs[iri])) {
        // Clause 5.7.1: asked only for attributes the entity does not have.
        throw new AppError('NOT_FOUND', `Entity ${entity.id} has none of the attributes ${attrs.join(', ')}`);
      }
      if (type === 'application/geo+json') {
        const geo = param(request.query, 'geometryProperty');
        return sendPayload(reply, type, terms, renderFeature(entity, options, geo ? terms.expand(geo) : undefined));
      }
      return sendPayload(reply, type, terms, renderEntity(entity, options));
    });

    app.delete<{ Params: Params }>('/entities/:entityId', { schema: { tags: ['ngsi-ld'], summary: 'Delete an entity' } }, async (request, reply) => {
      const terms = await requestContext(request, resolver);
      await hub.deleteEntity(call(request, terms), request.params.entityId);
      return reply.status(204).send();
    });

    app.put<{ Params: Params }>('/entities/:entityId', { schema: { tags: ['ngsi-ld'], summary: 'Replace an entity' } }, async (request, reply) => {
      requireJsonBody(request);
      const terms = await bodyContext(request, resolver, request.body);
      await hub.replaceEntity(call(request, terms), request.params.entityId, request.body);
      return reply.status(204).send();
    });

    app.patch<{ Params: Params; Querystring: Query }>('/entities/:entityId', { schema: { tags: ['ngsi-ld'], summary: 'Merge-patch an entity' } }, async (request, reply) => {
      requireJsonBody(request, true);
      const terms = await bodyContext(request, resolver, request.body);
      const observedAt = param(request.query as Query, 'observedAt');
      await hub.mergeEntity(call(request, terms), request.params.entityId, request.body, observedAt);
      return reply.status(204).send();
    });

    app.post<{ Params: Params; Querystring: Query }>('/entities/:entityId/attrs', { schema: { tags: ['ngsi-ld'], summary: 'Append attributes' } }, async (request, reply) => {
      requireJsonBody(request);
      const { flags } = readOptions(request.query, ['noOverwrite']);
      const terms = await bodyContext(request, resolver, request.body);
      const result = await hub.appendAttributes(call(request, terms), request.params.entityId, request.body, flags.has('noOverwrite'));
      return updateResultReply(reply, result, terms);
    });

    app.patch<{ Params: Params }>('/entities/:entityId/attrs', { schema: { tags: ['ngsi-ld'], summary: 'Update attributes' } }, async (request, reply) => {
      requireJsonBody(request);
      const terms = await bodyContext(request, resolver, request.body);
      const result = await hub.updateAttributes(call(request, terms), request.params.entityId, request.body);
      return updateResultReply(reply, result, terms);
    });

    app.patch<{ Params: Params }>('/entities/:entityId/attrs/:attrId', { schema: { tags: ['ngsi-ld'], summary: 'Partially update an attribute' } }, async (request, reply) => {
      requireJsonBody(request);
      const terms = await bodyContext(request, resolver, request.body);
      await hub.patchAttribute(call(request, terms), request.params.entityId, request.params.attrId, request.body);
      return reply.status(204).send();
    });

    app.put<{ Params: Params }>('/entities/:entityId/attrs/:attrId', { schema: { tags: ['ngsi-ld'], summary: 'Replace an attribute' } }, async (request, reply) => {
      requireJsonBody(request);
      const terms = await bodyContext(request, resolver, request.body);
      await hub.replaceAttribute(call(request, terms), request.params.entityId, request.params.attrId, request.body);
      return reply.status(204).send();
    });

    app.delete<{ Params: Params; Querystring: Query }>('/entities/:entityId/attrs/:attrId', { schema: { tags: ['ngsi-ld'], summary: 'Delete an attribute' } }, async (request, reply) => {
      const terms = await requestContext(request, resolver);
      const datasetId = param(request.query, 'datasetId');
      const deleteAll = boolParam(request.query, 'deleteAll');
      await hub.deleteAttribute(call(request, terms), request.params.entityId, request.params.attrId, {
        ...(datasetId !== undefined ? { datasetId } : {}),
        deleteAll,
      });
      return reply.status(204).send();
    });

    // ---- batch operations (clause 6.14–6.17, 6.31, 6.23) ----
    app.post<{ Querystring: Query }>('/entityOperations/create', { schema: { tags: ['ngsi-ld'], summary: 'Batch create' } }, async (request, reply) => {
      requireJsonBody(request);
      const terms = await bodyContext(request, resolver, request.body);
      return batchReply(reply, await hub.batchCreate(call(request, terms), request.body, ownership(request)), 'ids');
    });

    app.post<{ Querystring: Query }>('/entityOperations/upsert', { schema: { tags: ['ngsi-ld'], summary: 'Batch upsert' } }, async (request, reply) => {
      requireJsonBody(request);
      const { flags } = readOptions(request.query, ['replace', 'update']);
      if (flags.has('replace') && flags.has('update')) throw new AppError('BAD_REQUEST_DATA', 'Choose options=replace or options=update, not both');
      const terms = await bodyContext(request, resolver, request.body);
      const outcomes = await hub.batchUpsert(call(request, terms), request.body, flags.has('update') ? 'update' : 'replace', ownership(request));
      return batchReply(reply, outcomes, 'ids-if-any');
    });

    app.post<{ Querystring: Query }>('/entityOperations/update', { schema: { tags: ['ngsi-ld'], summary: 'Batch update' } }, async (request, reply) => {
      requireJsonBody(request);
      const { flags } = readOptions(request.query, ['noOverwrite']);
      const terms = await bodyContext(request, resolver, request.body);
      return batchReply(reply, await hub.batchUpdate(call(request, terms), request.body, flags.has('noOverwrite')), 'none');
    });

    app.post('/entityOperations/merge', { schema: { tags: ['ngsi-ld'], summary: 'Batch merge' } }, async (request, reply) => {
      requireJsonBody(request, true);
      const terms = await bodyContext(request, resolver, request.body);
      return batchReply(reply, await hub.batchMerge(call(request, terms), request.body), 'none');
    });

    app.post('/entityOperations/delete', { schema: { tags: ['ngsi-ld'], summary: 'Batch delete' } }, async (request, reply) => {
      requireJsonBody(request);
      const terms = await requestContext(request, resolver);
      return batchReply(reply, await hub.batchDelete(call(request, terms), request.body), 'none');
    });

    app.post<{ Querystring: Query }>('/entityOperations/query', { schema: { tags: ['ngsi-ld'], summary: 'Query entities (POST)' } }, async (request, reply) => {
      requireJsonBody(request);
      const type = negotiate(request, true);
      const body = request.body as Record<string, unknown> | null;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new AppError('BAD_REQUEST_DATA', 'The body must be a Query object: {"type": "Query", "entities": [{"type": "…"}], "q": "…"}');
      }
      if (body.type !== 'Query') throw new AppError('BAD_REQUEST_DATA', 'The body\'s "type" must be "Query"');
      const terms = await bodyContext(request, resolver, body);
      const query = queryFromBody(body, request.query);
      const options = renderOptions(
        { ...request.query, ...(query.attrs ? { attrs: query.attrs.join(',') } : {}), ...(typeof body.lang === 'string' ? { lang: body.lang } : {}) },
        terms,
      );
      const result = await reader.queryEntities(call(request, terms), query);
      if (result.count !== undefined) reply.header('ngsild-results-count', String(result.count));
      return sendPayload(reply, type, terms, entitiesPayload(result.entities, type, options, undefined));
    });

    // ---- discovery (clause 6.25–6.28) ----
    app.get<{ Querystring: Query }>('/types', { schema: { tags: ['ngsi-ld'], summary: 'Entity types' } }, async (request, reply) => {
      const type = negotiate(request, false);
      const terms = await requestContext(request, resolver);
      const types = await reader.typeSummary(call(request, terms));
      if (boolParam(request.query, 'details')) {
        return sendPayload(
          reply,
          type,
          terms,
          types.map((t) => ({ id: t.type, type: 'EntityType', typeName: terms.compact(t.type), attributeNames: t.attributes.map((a) => terms.compact(a.iri)) })),
        );
      }
      return sendPayload(reply, type, terms, {
        id: `urn:ngsi-ld:EntityTypeList:${request.tenant}`,
        type: 'EntityTypeList',
        typeList: types.map((t) => terms.compact(t.type)),
      });
    });

    app.get<{ Params: { type: string } }>('/types/:type', { schema: { tags: ['ngsi-ld'], summary: 'One entity type' } }, async (request, reply) => {
      const type = negotiate(request, false);
      const terms = await requestContext(request, resolver);
      const iri = terms.expand(checkName(request.params.type, 'The entity type'));
      const [info] = await reader.typeSummary(call(request, terms), iri);
      if (!info) throw new AppError('NOT_FOUND', `No entity of type ${request.params.type} exists in this city (or you may see none)`);
      return sendPayload(reply, type, terms, {
        id: info.type,
        type: 'EntityTypeInfo',
        typeName: terms.compact(info.type),
        entityCount: info.count,
        attributeDetails: info.attributes.map((a) => ({ id: a.iri, type: 'Attribute', attributeName: terms.compact(a.iri), attributeTypes: a.kinds })),
      });
    });

    app.get<{ Querystring: Query }>('/attributes', { schema: { tags: ['ngsi-ld'], summary: 'Attributes' } }, async (request, reply) => {
      const type = negotiate(request, false);
      const terms = await requestContext(request, resolver);
      const attributes = await reader.attributeSummary(call(request, terms));
      if (boolParam(request.query, 'details')) {
        return sendPayload(reply, type, terms, attributes.map((a) => attributeInfo(a, terms)));
      }
      return sendPayload(reply, type, terms, {
        id: `urn:ngsi-ld:AttributeList:${request.tenant}`,
        type: 'AttributeList',
        attributeList: attributes.map((a) => terms.compact(a.iri)),
      });
    });

    app.get<{ Params: { attrId: string } }>('/attributes/:attrId', { schema: { tags: ['ngsi-ld'], summary: 'One attribute' } }, async (request, reply) => {
      const type = negotiate(request, false);
      const terms = await requestContext(request, resolver);
      const iri = terms.expand(checkName(request.params.attrId, 'The attribute name'));
      const [info] = await reader.attributeSummary(call(request, terms), iri);
      if (!info) throw new AppError('NOT_FOUND', `No entity in this city has an attribute ${request.params.attrId} (that you may see)`);
      return sendPayload(reply, type, terms, attributeInfo(info, terms));
    });
  };
}

function attributeInfo(a: { iri: string; count: number; kinds: string[]; types: string[] }, terms: TermMap) {
  return {
    id: a.iri,
    type: 'Attribute',
    attributeName: terms.compact(a.iri),
    attributeCount: a.count,
    attributeTypes: a.kinds,
    typeNames: a.types.map((t) => terms.compact(t)),
  };
}

/** The Query data type (clause 5.2.23) of POST /entityOperations/query, with paging from the URL. */
function queryFromBody(body: Record<string, unknown>, urlQuery: Query): EntityQuery {
  const text = (name: string): string | undefined => {
    const value = body[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new AppError('BAD_REQUEST_DATA', `"${name}" in the Query must be a string`);
    return value;
  };
  const query: EntityQuery = { limit: intParam(urlQuery, 'limit', DEFAULT_LIMIT), offset: intParam(urlQuery, 'offset', 0), count: boolParam(urlQuery, 'count') };
  if (body.entities !== undefined) {
    if (!Array.isArray(body.entities) || body.entities.length === 0) {
      throw new AppError('BAD_REQUEST_DATA', '"entities" must be a non-empty array of {"type", "id"?, "idPattern"?}');
    }
    query.selectors = body.entities.map((s, i) => {
      if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new AppError('BAD_REQUEST_DATA', `entities[${i}] must be an object`);
      const sel = s as Record<string, unknown>;
      for (const key of ['type', 'id', 'idPattern']) {
        if (sel[key] !== undefined && typeof sel[key] !== 'string') throw new AppError('BAD_REQUEST_DATA', `entities[${i}].${key} must be a string`);
      }
      return { type: sel.type as string | undefined, id: sel.id as string | undefined, idPattern: sel.idPattern as string | undefined };
    });
  }
  if (body.attrs !== undefined) {
    if (!Array.isArray(body.attrs) || !body.attrs.every((a) => typeof a === 'string')) {
      throw new AppError('BAD_REQUEST_DATA', '"attrs" must be an array of attribute names');
    }
    query.attrs = body.attrs as string[];
  }
  const q = text('q');
  if (q !== undefined) query.q = q;
  const scopeQ = text('scopeQ');
  if (scopeQ !== undefined) query.scopeQ = scopeQ;
  if (body.geoQ !== undefined) {
    const geoQ = body.geoQ as Record<string, unknown> | null;
    if (typeof geoQ !== 'object' || geoQ === null || Array.isArray(geoQ)) throw new AppError('BAD_REQUEST_DATA', '"geoQ" must be an object {geometry, coordinates, georel}');
    query.geo = {
      georel: geoQ.georel as string | undefined,
      geometry: geoQ.geometry as string | undefined,
      coordinates: geoQ.coordinates,
      geoproperty: geoQ.geoproperty as string | undefined,
    };
  }
  return query;
}
