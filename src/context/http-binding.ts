/** The NGSI-LD HTTP binding rules (clause 6.3): where the @context comes from, what a client accepts, and the common query parameters. */
import { hasRawMembers, bufferWithRawMembers } from './raw-json.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../platform/errors/app-error.ts';
import type { Representation } from './entity-output.ts';
import type { ContextResolver, TermMap } from './ld/model.ts';

export const JSON_LD_CONTEXT_REL = 'http://www.w3.org/ns/json-ld#context';
export type ResponseType = 'application/json' | 'application/ld+json' | 'application/geo+json';

type Query = Record<string, string | string[] | undefined>;

/** One value of a query parameter; repeating a single-valued parameter is a mistake worth naming. */
export function param(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new AppError('BAD_REQUEST_DATA', `The query parameter "${name}" was given ${value.length} times; give it once`);
  return value;
}

/** A comma-separated list parameter (empty items dropped); undefined when absent. */
export function listParam(query: Query, name: string): string[] | undefined {
  const value = param(query, name);
  if (value === undefined) return undefined;
  const items = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw new AppError('BAD_REQUEST_DATA', `The query parameter "${name}" is empty`);
  return items;
}

export function intParam(query: Query, name: string, fallback: number, min = 0): number {
  const value = param(query, name);
  if (value === undefined) return fallback;
  if (!/^\d{1,9}$/.test(value) || Number(value) < min) {
    throw new AppError('BAD_REQUEST_DATA', `The query parameter "${name}" must be a whole number ≥ ${min}, not "${value.slice(0, 40)}"`);
  }
  return Number(value);
}

export function boolParam(query: Query, name: string): boolean {
  const value = param(query, name);
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new AppError('BAD_REQUEST_DATA', `The query parameter "${name}" must be true or false`);
}

const REPRESENTATION_OPTIONS = new Set(['keyValues', 'simplified', 'concise', 'normalized']);

/** The `options` and `format` parameters (clause 6.3.7): representation, sysAttrs, and write options. */
export function readOptions(query: Query, allowed: readonly string[]): { representation: Representation; sysAttrs: boolean; flags: Set<string> } {
  const options = listParam(query, 'options') ?? [];
  const format = param(query, 'format');
  const flags = new Set<string>();
  let representation: Representation = 'normalized';
  // `format` (V1.8) decides the representation; `options` may still carry the older keyValues/concise.
  if (format !== undefined && !REPRESENTATION_OPTIONS.has(format)) {
    throw new AppError('BAD_REQUEST_DATA', `format must be normalized, concise or keyValues, not "${format.slice(0, 40)}"`);
  }
  for (const option of options) {
    if (REPRESENTATION_OPTIONS.has(option)) {
      const next: Representation = option === 'simplified' ? 'keyValues' : (option as Representation);
      if (representation !== 'normalized' && next !== representation && next !== 'normalized') {
        throw new AppError('BAD_REQUEST_DATA', 'Ask for one representation: keyValues, concise or normalized');
      }
      if (next !== 'normalized') representation = next;
    } else if (option === 'sysAttrs' || allowed.includes(option)) {
      flags.add(option);
    } else {
      throw new AppError('BAD_REQUEST_DATA', `Unknown option "${option.slice(0, 40)}"; allowed here: ${['keyValues', 'concise', 'normalized', 'sysAttrs', ...allowed].join(', ')}`);
    }
  }
  if (format !== undefined) representation = format === 'simplified' ? 'keyValues' : (format as Representation);
  return { representation, sysAttrs: flags.has('sysAttrs'), flags };
}

/** The URL of the JSON-LD context Link header, if any (RFC 8288). */
export function linkedContext(request: FastifyRequest): string | undefined {
  const header = request.headers.link;
  if (header === undefined) return undefined;
  const links = (Array.isArray(header) ? header : [header]).flatMap((h) => h.split(/,(?=\s*<)/));
  const contexts = links.filter((l) => l.includes(`rel="${JSON_LD_CONTEXT_REL}"`) || l.includes(`rel=${JSON_LD_CONTEXT_REL}`));
  if (contexts.length === 0) return undefined;
  if (contexts.length > 1) throw new AppError('BAD_REQUEST_DATA', 'Send at most one JSON-LD context Link header');
  const match = /^\s*<([^>]*)>/.exec(contexts[0] as string);
  if (!match || match[1] === undefined || match[1].length === 0) {
    throw new AppError('BAD_REQUEST_DATA', `The Link header must look like <https://…/context.jsonld>; rel="${JSON_LD_CONTEXT_REL}"; type="application/ld+json"`);
  }
  return match[1];
}

function mediaType(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * The @context of a request with a body (clause 6.3.5): in the body for application/ld+json (and
 * then no Link header), in the Link header (or none: the core) for application/json.
 */
export async function bodyContext(request: FastifyRequest, resolver: ContextResolver, body: unknown): Promise<TermMap> {
  const type = mediaType(request);
  const link = linkedContext(request);
  const items = Array.isArray(body) ? body : [body];
  const inBody = items.find((item) => typeof item === 'object' && item !== null && '@context' in item) as Record<string, unknown> | undefined;
  if (type === 'application/ld+json') {
    if (link !== undefined) throw new AppError('BAD_REQUEST_DATA', 'With Content-Type application/ld+json the @context goes in the body, not in a Link header');
    if (!inBody) throw new AppError('BAD_REQUEST_DATA', 'With Content-Type application/ld+json the body must carry "@context"');
    if (Array.isArray(body)) {
      const first = JSON.stringify(inBody['@context']);
      for (const item of items) {
        const context = (item as Record<string, unknown>)['@context'];
        if (context === undefined) throw new AppError('BAD_REQUEST_DATA', 'With application/ld+json every entity of the batch must carry "@context"');
        if (JSON.stringify(context) !== first) throw new AppError('BAD_REQUEST_DATA', 'All entities of a batch must use the same "@context"');
      }
    }
    return resolver.resolve(inBody['@context']);
  }
  if (inBody) {
    throw new AppError('BAD_REQUEST_DATA', 'A body with "@context" must be sent as Content-Type application/ld+json (or move the context to a Link header)');
  }
  return resolver.resolve(link);
}

/** The @context of a request without a body: the Link header, or the core context. */
export function requestContext(request: FastifyRequest, resolver: ContextResolver): Promise<TermMap> {
  const link = linkedContext(request);
  return link === undefined ? Promise.resolve(resolver.core) : resolver.resolve(link);
}

/** Refuses a body whose media type NGSI-LD does not take here (415). */
export function requireJsonBody(request: FastifyRequest, allowMergePatch = false): void {
  const type = mediaType(request);
  const ok = type === 'application/json' || type === 'application/ld+json' || (allowMergePatch && type === 'application/merge-patch+json');
  if (!ok) {
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Send the body as application/json or application/ld+json${allowMergePatch ? ' (or application/merge-patch+json)' : ''}, not "${type || 'no Content-Type'}"`,
    );
  }
}

/** The response media type from the Accept header (clause 6.3.6); 406 when none fits. */
export function negotiate(request: FastifyRequest, allowGeoJson: boolean): ResponseType {
  const accept = request.headers.accept;
  if (accept === undefined || accept.trim() === '') return 'application/json';
  const ranges = accept
    .split(',')
    .map((part) => {
      const [type, ...rest] = part.trim().split(';');
      const q = rest.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { type: (type ?? '').trim().toLowerCase(), q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { type } of ranges) {
    if (type === 'application/json' || type === '*/*' || type === 'application/*') return 'application/json';
    if (type === 'application/ld+json') return 'application/ld+json';
    if (type === 'application/geo+json' && allowGeoJson) return 'application/geo+json';
  }
  throw new AppError(
    'NOT_ACCEPTABLE',
    `This resource is available as application/json or application/ld+json${allowGeoJson ? ' or application/geo+json' : ''}; the Accept header "${accept.slice(0, 80)}" allows none of them`,
  );
}

/** Sends an NGSI-LD payload: the @context in the body for JSON-LD, in a Link header otherwise. */
export function sendPayload(reply: FastifyReply, type: ResponseType, terms: TermMap, payload: unknown): FastifyReply {
  // Pre-rendered parts (RawJson members) are spliced in here; everything else is serialised as usual.
  const body = (value: unknown) => (hasRawMembers(value) ? bufferWithRawMembers(value) : value);
  if (type === 'application/ld+json') {
    const withContext = (item: unknown) =>
      typeof item === 'object' && item !== null && !Array.isArray(item) ? { ...(item as object), '@context': terms.document } : item;
    return reply.type('application/ld+json').send(body(Array.isArray(payload) ? payload.map(withContext) : withContext(payload)));
  }
  reply.header('link', `<${terms.linkUrl}>; rel="${JSON_LD_CONTEXT_REL}"; type="application/ld+json"`);
  return reply.type(type).send(body(payload));
}
