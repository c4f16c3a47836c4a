/**
 * Support for the NGSI-LD conformance suite (ETSI GS CIM 009 V1.8.1): one platform per test file,
 * request helpers for /ngsi-ld/v1 and assertions for the specification's error responses.
 */
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { bearer, startTestPlatform, type TestPlatform } from '../support/platform.ts';

export type Response = LightMyRequestResponse;
export type Json = Record<string, unknown>;

export const API = '/ngsi-ld/v1';
/** The core @context of the specification (V1.8 uses the v1.9 core context document). */
export const CORE_CONTEXT = 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld';
/** Where a term that no user @context defines expands to (the core context's @vocab). */
export const DEFAULT_VOCAB = 'https://uri.etsi.org/ngsi-ld/default-context/';
export const JSONLD_CONTEXT_REL = 'http://www.w3.org/ns/json-ld#context';
/** A vocabulary of our own, to see expansion and compaction with a user @context. */
export const TEST_NS = 'https://citycloud.example.org/ns#';
/** An inline user @context (an object, so no remote fetch is needed). */
export const TEST_CONTEXT: Json = {
  Sensor: `${TEST_NS}Sensor`,
  Station: `${TEST_NS}Station`,
  reading: `${TEST_NS}reading`,
  locatedIn: `${TEST_NS}locatedIn`,
};
/** The request @context that uses TEST_CONTEXT with the core context. */
export const TEST_CONTEXT_DOC = [TEST_CONTEXT, CORE_CONTEXT];
/** A context URL that can never be fetched (the .invalid TLD never resolves, RFC 6761). */
export const UNREACHABLE_CONTEXT = 'https://context.citycloud-test.invalid/missing-context.jsonld';

export const ERROR_BASE = 'https://uri.etsi.org/ngsi-ld/errors/';
export type NgsiErrorName =
  | 'InvalidRequest'
  | 'BadRequestData'
  | 'AlreadyExists'
  | 'OperationNotSupported'
  | 'ResourceNotFound'
  | 'InternalError'
  | 'TooComplexQuery'
  | 'TooManyResults'
  | 'LdContextNotAvailable'
  | 'NonexistentTenant';

/** Table 6.3.2-1 (clause 6.3.2): the HTTP status of each error type. */
export const ERROR_STATUS: Readonly<Record<NgsiErrorName, number>> = {
  InvalidRequest: 400,
  BadRequestData: 400,
  AlreadyExists: 409,
  OperationNotSupported: 422,
  ResourceNotFound: 404,
  InternalError: 500,
  TooComplexQuery: 403,
  TooManyResults: 403,
  LdContextNotAvailable: 503,
  NonexistentTenant: 404,
};

/** The value of a JSON-LD Link header (clause 6.3.5) for `url`. */
export function linkTo(url: string): string {
  return `<${url}>; rel="${JSONLD_CONTEXT_REL}"; type="application/ld+json"`;
}

/** The context URL of a response's JSON-LD Link header, if it has one. */
export function contextLinkOf(response: Response): string | undefined {
  const raw = response.headers.link;
  const values = Array.isArray(raw) ? raw : raw === undefined ? [] : [String(raw)];
  for (const value of values) {
    for (const part of value.split(/,(?=\s*<)/)) {
      const match = /^\s*<([^>]*)>(.*)$/.exec(part);
      if (match && match[2]!.includes(JSONLD_CONTEXT_REL)) return match[1];
    }
  }
  return undefined;
}

export interface RequestOptions {
  /** Content-Type of the body; default application/ld+json when there is a body. */
  contentType?: string;
  accept?: string;
  /** A JSON-LD Link header (give the context URL). */
  link?: string;
  tenant?: string;
  /** Bearer token; default the admin of the default city. `null` sends none. */
  token?: string | null;
  headers?: Record<string, string>;
  /**
   * For application/ld+json bodies the helper adds `"@context": CORE_CONTEXT` to objects (and to each
   * object of an array) that have none; `raw: true` sends the body exactly as given.
   */
  raw?: boolean;
}

function withContext(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(withContext);
  if (body !== null && typeof body === 'object' && !('@context' in body)) return { ...(body as Json), '@context': CORE_CONTEXT };
  return body;
}

export interface Hub {
  tp: TestPlatform;
  /** The admin's token of the default city. */
  token: string;
  request(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown, options?: RequestOptions): Promise<Response>;
  get(path: string, options?: RequestOptions): Promise<Response>;
  post(path: string, body: unknown, options?: RequestOptions): Promise<Response>;
  patch(path: string, body: unknown, options?: RequestOptions): Promise<Response>;
  put(path: string, body: unknown, options?: RequestOptions): Promise<Response>;
  delete(path: string, options?: RequestOptions): Promise<Response>;
  /** Creates an entity (POST /entities, application/ld+json) and asserts 201. */
  create(entity: Json, options?: RequestOptions): Promise<void>;
  /** Retrieves an entity (normalized, application/json) and asserts 200; `query` without "?". */
  retrieve(id: string, query?: string, options?: RequestOptions): Promise<Json>;
  /** The status of GET /entities/{id}. */
  statusOf(id: string, options?: RequestOptions): Promise<number>;
  /** GET /entities?{query}, asserting 200 and an array body. */
  query(query: string, options?: RequestOptions): Promise<Json[]>;
  close(): Promise<void>;
}

export function entityPath(id: string): string {
  return `${API}/entities/${encodeURIComponent(id)}`;
}

export function attrPath(id: string, attr: string): string {
  return `${entityPath(id)}/attrs/${encodeURIComponent(attr)}`;
}

export function describeResponse(response: Response): string {
  return `${response.statusCode} ${response.headers['content-type'] ?? ''} ${response.body.slice(0, 600)}`;
}

/** Starts a platform on a fresh test store and returns helpers bound to it. */
export async function openHub(env: Record<string, string> = {}): Promise<Hub> {
  const tp = await startTestPlatform(env);
  const token = tp.adminToken;
  const request: Hub['request'] = async (method, path, body, options = {}) => {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    const credential = options.token === undefined ? token : options.token;
    if (credential !== null) Object.assign(headers, bearer(credential));
    if (options.accept !== undefined) headers.accept = options.accept;
    if (options.link !== undefined) headers.link = linkTo(options.link);
    if (options.tenant !== undefined) headers['ngsild-tenant'] = options.tenant;
    let payload: string | undefined;
    if (body !== undefined) {
      const contentType = options.contentType ?? 'application/ld+json';
      headers['content-type'] = contentType;
      const sent = contentType.startsWith('application/ld+json') && !options.raw ? withContext(body) : body;
      payload = typeof sent === 'string' ? sent : JSON.stringify(sent);
    }
    return tp.platform.server.inject({ method, url: path, headers, ...(payload !== undefined ? { payload } : {}) });
  };
  const hub: Hub = {
    tp,
    token,
    request,
    get: (path, options) => request('GET', path, undefined, options),
    post: (path, body, options) => request('POST', path, body, options),
    patch: (path, body, options) => request('PATCH', path, body, options),
    put: (path, body, options) => request('PUT', path, body, options),
    delete: (path, options) => request('DELETE', path, undefined, options),
    async create(entity, options) {
      const response = await request('POST', `${API}/entities`, entity, options);
      assert.equal(response.statusCode, 201, `creating ${String(entity.id)}: ${describeResponse(response)}`);
    },
    async retrieve(id, query, options) {
      const response = await request('GET', `${entityPath(id)}${query ? `?${query}` : ''}`, undefined, {
        accept: 'application/json',
        ...options,
      });
      assert.equal(response.statusCode, 200, `retrieving ${id}: ${describeResponse(response)}`);
      return response.json<Json>();
    },
    async statusOf(id, options) {
      return (await request('GET', entityPath(id), undefined, options)).statusCode;
    },
    async query(query, options) {
      const response = await request('GET', `${API}/entities?${query}`, undefined, { accept: 'application/json', ...options });
      assert.equal(response.statusCode, 200, `query ${query}: ${describeResponse(response)}`);
      const body = response.json<unknown>();
      assert.ok(Array.isArray(body), `query ${query} answered ${response.body.slice(0, 200)}`);
      return body as Json[];
    },
    close: () => tp.close(),
  };
  return hub;
}

/**
 * Asserts an error response of clause 6.3.2: the status of Table 6.3.2-1 and a ProblemDetails body
 * (IETF RFC 7807, clause 5.5.2) whose `type` is the error type URI.
 */
export function assertProblem(response: Response, name: NgsiErrorName): Json {
  const status = ERROR_STATUS[name];
  assert.equal(response.statusCode, status, `expected ${status} ${name}, got ${describeResponse(response)}`);
  const contentType = String(response.headers['content-type'] ?? '');
  assert.match(contentType, /^application\/(problem\+)?json/, `content-type of a ProblemDetails: ${contentType}`);
  const body = response.json<Json>();
  assert.equal(body.type, `${ERROR_BASE}${name}`, `ProblemDetails.type: ${response.body.slice(0, 400)}`);
  assert.equal(typeof body.title, 'string', 'ProblemDetails.title is given with a type other than about:blank');
  if (body.status !== undefined) assert.equal(body.status, status);
  return body;
}

/** Asserts a status and returns the body as JSON (or undefined when there is none). */
export function expectStatus(response: Response, status: number): unknown {
  assert.equal(response.statusCode, status, describeResponse(response));
  return response.body.length > 0 ? response.json<unknown>() : undefined;
}

/** The ids of a list of entities, sorted. */
export function idsOf(entities: readonly Json[]): string[] {
  return entities.map((e) => String(e.id)).sort();
}

/** The ids of ListRelationship objectList items, which may be URIs or {"object": URI} (clause 4.5.22). */
export function objectListIds(list: unknown): string[] {
  assert.ok(Array.isArray(list), `objectList must be an array: ${JSON.stringify(list)}`);
  return list.map((item) => (typeof item === 'string' ? item : String((item as Json).object)));
}
