/** HTTP: the Open311 GeoReport v2 binding (mounted at /open311/v2): parse, call the workflow, render JSON or XML. */
import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { anonymous, type Principal } from '../../platform/auth/model.ts';
import { AppError, isAppError } from '../../platform/errors/app-error.ts';
import type { Tenancy } from '../../platform/tenancy/service.ts';
import { MAX_MEDIA_BYTES, type SubmitInput } from '../model.ts';
import type { ServiceRequests } from '../service.ts';
import { extensionsOf, type Query, pageOf, requestIdsOf, searchFilterOf, single } from './arguments.ts';
import { errorsValue, open311FailureOf } from './errors.ts';
import { addField, type FormFields, MAX_FIELDS, parseUrlEncoded, readSubmission } from './form.ts';
import { CONTENT_TYPE, type Format, formatOf, render, splitSuffix } from './format.ts';
import {
  discovery,
  langOf,
  type RequestOptions,
  requestList,
  serviceDefinition,
  serviceList,
  submitted,
  tokenAnswer,
} from './render.ts';
import type { XmlValue } from './xml.ts';

export interface Open311Deps {
  service: Pick<ServiceRequests, 'listServices' | 'getService' | 'submit' | 'tokenLookup' | 'search'>;
  /** The platform's credential check (API keys `cck_…`, or access tokens): a principal, or UNAUTHENTICATED. */
  authenticate: (credential: string) => Promise<Principal>;
  tenancy: Pick<Tenancy, 'assertExists'>;
  /** Who to ask for help, shown in Service Discovery. */
  contact?: string;
  /** The clock of the default 90-day window (tests may fix it). */
  now?: () => Date;
}

/** Largest url-encoded form: a 4,000-character description in UTF-8 and the other fields fit many times over. */
export const FORM_LIMIT = 64 * 1024;
/** Largest multipart text field (the description is the longest one). */
const FIELD_LIMIT = 16 * 1024;

const DEFAULT_CONTACT = '12345 市民服务热线 / 12345 citizen service hotline';

// The paths of the binding, for the answer to a wrong method (GeoReport v2 has 400, 403 and 404 only).
const PATHS: readonly { pattern: RegExp; methods: readonly string[] }[] = [
  { pattern: /^\/discovery(\.(json|xml))?$/i, methods: ['GET'] },
  { pattern: /^\/services(\.(json|xml))?$/i, methods: ['GET'] },
  { pattern: /^\/services\/[^/]+$/, methods: ['GET'] },
  { pattern: /^\/requests(\.(json|xml))?$/i, methods: ['GET', 'POST'] },
  { pattern: /^\/requests\/[^/]+$/, methods: ['GET'] },
  { pattern: /^\/tokens\/[^/]+$/, methods: ['GET'] },
];

const ENDPOINTS =
  'discovery, services, services/{service_code}, requests, requests/{service_request_id} and tokens/{token}, each ending in .json or .xml';

function send(reply: FastifyReply, format: Format, status: number, root: string, value: XmlValue): FastifyReply {
  return reply.status(status).header('content-type', CONTENT_TYPE[format]).send(render(format, root, value));
}

function formatFor(request: FastifyRequest): Format {
  return formatOf(request.url, request.headers.accept);
}

function originOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/** The name in a path segment without its `.json` / `.xml` suffix. */
function nameIn(segment: string): string {
  return splitSuffix(segment).name;
}

async function readMultipart(request: FastifyRequest): Promise<{ fields: FormFields; photo?: { bytes: Buffer; type: string } }> {
  const fields: FormFields = new Map();
  let photo: { bytes: Buffer; type: string } | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'media') {
          part.file.resume();
          throw new AppError('BAD_REQUEST_DATA', `A file may only be sent as the "media" part; got a file in "${part.fieldname.slice(0, 40)}"`, {
            details: { field: 'media' },
          });
        }
        const bytes = await part.toBuffer();
        // A form whose file input was left empty sends an empty part without a file name.
        if (bytes.length === 0 && !part.filename) continue;
        photo = { bytes, type: part.mimetype };
      } else {
        if (part.valueTruncated || part.fieldnameTruncated) {
          throw new AppError('BAD_REQUEST_DATA', `The field "${part.fieldname.slice(0, 40)}" is longer than ${FIELD_LIMIT} bytes`);
        }
        addField(fields, part.fieldname, String(part.value));
      }
    }
  } catch (error) {
    if (isAppError(error) || (error as { statusCode?: number }).statusCode !== undefined) throw error;
    // busboy's own complaints (a cut-off body, a missing boundary) carry no status: they are the client's.
    const reason = error instanceof Error ? error.message : String(error);
    throw new AppError('BAD_REQUEST_DATA', `The multipart/form-data body is malformed: ${reason}`);
  }
  return photo ? { fields, photo } : { fields };
}

/** Answers in Open311's error format what the router refuses before any /open311/v2 route runs (e.g. a path that is not UTF-8). */
export function open311FrameworkError(error: Error, request: FastifyRequest, reply: FastifyReply): void {
  const failure = open311FailureOf(error, FORM_LIMIT);
  send(reply, formatFor(request), failure.status, 'errors', errorsValue(failure.errors));
}

export function open311Routes(deps: Open311Deps): FastifyPluginAsync {
  const now = deps.now ?? (() => new Date());
  const contact = deps.contact ?? DEFAULT_CONTACT;

  /** The city a request is for: `jurisdiction_id` when given, else the city the request resolved to (the platform's default city). */
  async function jurisdictionOf(request: FastifyRequest, given: string | undefined): Promise<string> {
    if (given === undefined) return request.tenant;
    // City ids are lower case; "Hangzhou" means the same city.
    const city = given.toLowerCase();
    try {
      await deps.tenancy.assertExists(city);
    } catch (error) {
      if (isAppError(error) && error.code === 'NONEXISTENT_TENANT') {
        throw new AppError('NOT_FOUND', `jurisdiction_id "${given.slice(0, 64)}" was not found: no such city is served here`, {
          details: { field: 'jurisdiction_id' },
        });
      }
      throw error;
    }
    return city;
  }

  /** The principal filing a request: the `api_key` argument, else a credential in the headers; 403 without one. */
  async function submitterOf(request: FastifyRequest, apiKey: string | undefined): Promise<Principal> {
    if (apiKey !== undefined) {
      try {
        return await deps.authenticate(apiKey);
      } catch (error) {
        if (isAppError(error) && error.code === 'UNAUTHENTICATED') {
          throw new AppError('FORBIDDEN', `Invalid api_key: ${error.message}; ask the city for a key (see key_service in discovery.json)`);
        }
        throw error;
      }
    }
    if (request.principal.kind !== 'anonymous') return request.principal;
    throw new AppError('FORBIDDEN', 'api_key is required to create a service request; ask the city for a key (see key_service in discovery.json)');
  }

  function requestOptions(request: FastifyRequest, query: Query): RequestOptions {
    return { lang: langOf(request.headers['accept-language']), origin: originOf(request), extensions: extensionsOf(query) };
  }

  return async (app: FastifyInstance) => {
    const prefix = app.prefix;

    // Only forms are bodies here: JSON (and anything else) is refused with an Open311 error naming the types.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer', bodyLimit: FORM_LIMIT }, (_request, body, done) => {
      try {
        done(null, parseUrlEncoded(body as Buffer));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
    await app.register(fastifyMultipart, {
      throwFileSizeLimit: true,
      limits: { fileSize: MAX_MEDIA_BYTES, files: 1, fields: MAX_FIELDS, fieldSize: FIELD_LIMIT, parts: MAX_FIELDS + 1, fieldNameSize: 200 },
    });

    app.setErrorHandler((error, request, reply) => {
      const failure = open311FailureOf(error, FORM_LIMIT);
      if (failure.unexpected) request.log.error({ err: error }, 'unexpected error');
      else request.log.info({ status: failure.status, detail: failure.errors[0]?.description }, 'request refused');
      if (failure.retryAfter !== undefined) reply.header('retry-after', String(failure.retryAfter));
      return send(reply, formatFor(request), failure.status, 'errors', errorsValue(failure.errors));
    });

    app.setNotFoundHandler((request, reply) => {
      const pathname = (request.url.split('?')[0] ?? '').slice(prefix.length);
      const known = PATHS.find((p) => p.pattern.test(pathname));
      let status = 404;
      let description = `There is no ${prefix}${pathname.slice(0, 200)}; the GeoReport v2 endpoints are ${ENDPOINTS} (start with ${prefix}/discovery.json)`;
      if (known && !known.methods.includes(request.method) && !(request.method === 'HEAD' && known.methods.includes('GET'))) {
        status = 400;
        description = `${request.method} is not allowed on ${prefix}${pathname}; use ${known.methods.join(' or ')}`;
        reply.header('allow', known.methods.join(', '));
      }
      request.log.info({ status, detail: description }, 'request refused');
      return send(reply, formatFor(request), status, 'errors', errorsValue([{ code: status, description }]));
    });

    const open = { access: 'public' } as const;
    const docs = (summary: string) => ({ schema: { tags: ['open311'], summary, security: [] }, config: open });
    const each = (base: string) => [base, `${base}.json`, `${base}.xml`];

    for (const url of each('/discovery')) {
      app.get(url, docs('Open311 Service Discovery: the GeoReport v2 endpoint, its formats and where to get a key'), async (request, reply) =>
        send(reply, formatFor(request), 200, 'discovery', discovery(originOf(request), prefix, contact)),
      );
    }

    for (const url of each('/services')) {
      app.get<{ Querystring: Query }>(url, docs('GET Service List: the request types of the city'), async (request, reply) => {
        const tenant = await jurisdictionOf(request, single(request.query, 'jurisdiction_id'));
        const services = await deps.service.listServices(tenant);
        return send(reply, formatFor(request), 200, 'services', serviceList(services, langOf(request.headers['accept-language'])));
      });
    }

    app.get<{ Params: { code: string }; Querystring: Query }>(
      '/services/:code',
      docs('GET Service Definition: the attributes of one request type (services/{service_code}.json|.xml)'),
      async (request, reply) => {
        const tenant = await jurisdictionOf(request, single(request.query, 'jurisdiction_id'));
        const service = await deps.service.getService(tenant, nameIn(request.params.code));
        return send(reply, formatFor(request), 200, 'service_definition', serviceDefinition(service, langOf(request.headers['accept-language'])));
      },
    );

    for (const url of each('/requests')) {
      app.get<{ Querystring: Query }>(
        url,
        docs('GET Service Requests: filters service_request_id, service_code, start_date, end_date, status; paging page/page_size; extensions=true'),
        async (request, reply) => {
          const query = request.query;
          const tenant = await jurisdictionOf(request, single(query, 'jurisdiction_id'));
          const options = requestOptions(request, query);
          const ids = requestIdsOf(query);
          // service_request_id overrides every other argument (GeoReport v2), paging included.
          const page = ids.length > 0 ? { page: 1, pageSize: ids.length } : pageOf(query);
          const filter = ids.length > 0 ? { ids, limit: ids.length, offset: 0 } : searchFilterOf(query, now(), page);
          const { requests, total } = await deps.service.search(tenant, filter, anonymous(tenant));
          reply
            .header('x-total-count', String(total))
            .header('x-page', String(page.page))
            .header('x-page-size', String(page.pageSize))
            .header('x-total-pages', String(Math.max(1, Math.ceil(total / page.pageSize))));
          return send(reply, formatFor(request), 200, 'service_requests', requestList(requests, options));
        },
      );

      app.post<{ Querystring: Query; Body: FormFields | undefined }>(
        url,
        docs('POST Service Request: a form (application/x-www-form-urlencoded, or multipart/form-data with a "media" photo) with api_key'),
        async (request, reply) => {
          let fields: FormFields;
          let photo: { bytes: Buffer; type: string } | undefined;
          if (request.isMultipart()) ({ fields, photo } = await readMultipart(request));
          else if (request.body instanceof Map) fields = request.body;
          else throw new AppError('BAD_REQUEST_DATA', 'POST requests needs a form body (application/x-www-form-urlencoded); none was sent');

          const scalar = (name: string) => single({ [name]: fields.get(name) ?? request.query[name] }, name);
          const principal = await submitterOf(request, scalar('api_key'));
          const tenant = await jurisdictionOf(request, scalar('jurisdiction_id') ?? principal.tenant);
          if (principal.tenant !== tenant) {
            throw new AppError('FORBIDDEN', `This api_key belongs to jurisdiction "${principal.tenant}" and cannot create requests in "${tenant}"`);
          }
          const { input } = readSubmission(fields);
          const service = await deps.service.getService(tenant, input.serviceCode);
          // The photo is checked and stored by the same call that files the request: a refusal leaves neither behind.
          const submission: SubmitInput = photo ? { ...input, photos: [{ bytes: photo.bytes, declaredType: photo.type }] } : input;
          const result = await deps.service.submit(tenant, submission, principal);
          const lang = langOf(request.headers['accept-language']);
          return send(reply, formatFor(request), 201, 'service_requests', submitted(result, service.type, input.accountId, lang));
        },
      );
    }

    app.get<{ Params: { id: string }; Querystring: Query }>(
      '/requests/:id',
      docs('GET Service Request: one request (or several, comma delimited) by service_request_id'),
      async (request, reply) => {
        const tenant = await jurisdictionOf(request, single(request.query, 'jurisdiction_id'));
        const options = requestOptions(request, request.query);
        const ids = requestIdsOf({ service_request_id: nameIn(request.params.id) });
        if (ids.length === 0) throw new AppError('BAD_REQUEST_DATA', 'Give a service_request_id in the path: requests/{service_request_id}.json');
        const { requests } = await deps.service.search(tenant, { ids, limit: ids.length, offset: 0 }, anonymous(tenant));
        if (requests.length === 0) {
          throw new AppError('NOT_FOUND', `No service request ${ids.map((id) => `"${id.slice(0, 64)}"`).join(', ')} in jurisdiction "${tenant}"`);
        }
        return send(reply, formatFor(request), 200, 'service_requests', requestList(requests, options));
      },
    );

    app.get<{ Params: { token: string }; Querystring: Query }>(
      '/tokens/:token',
      docs('GET service_request_id from a token (for batch request types)'),
      async (request, reply) => {
        const tenant = await jurisdictionOf(request, single(request.query, 'jurisdiction_id'));
        const lookup = await deps.service.tokenLookup(tenant, nameIn(request.params.token));
        return send(reply, formatFor(request), 200, 'service_requests', tokenAnswer(lookup));
      },
    );
  };
}
