/**
 * Support for the Open311 GeoReport v2 contract tests: one call helper for both formats, the JSON Schemas
 * written from the spec, and the XML → JSON conversion by the Spark convention so both formats meet one definition.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { LightMyRequestResponse } from 'fastify';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { bearer, type TestPlatform } from '../support/platform.ts';

export const API = '/open311/v2';
export const FORMATS = ['json', 'xml'] as const;
export type Format = (typeof FORMATS)[number];

export const DOCS = ['errors', 'services', 'service-definition', 'service-requests', 'post-service-request', 'token', 'discovery'] as const;
export type Doc = (typeof DOCS)[number];

// ajv-formats is CommonJS: its default import is the plugin function itself.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

function compileAll(coerce: boolean): Record<Doc, ValidateFunction> {
  const ajv = new Ajv2020({ allErrors: true, strict: true, coerceTypes: coerce });
  addFormats(ajv);
  const out = {} as Record<Doc, ValidateFunction>;
  for (const doc of DOCS) {
    const schema = JSON.parse(readFileSync(new URL(`./schema/${doc}.json`, import.meta.url), 'utf8')) as object;
    out[doc] = ajv.compile(schema);
  }
  return out;
}

// JSON is held to the schema exactly; XML text is typed by the same schema (XML has no numbers or booleans).
const strictValidators = compileAll(false);
const coercingValidators = compileAll(true);

/** Elements that hold a list, and the name of their items (the Spark convention turns them into arrays). */
const LISTS: Readonly<Record<string, string>> = {
  services: 'service',
  attributes: 'attribute',
  values: 'value',
  service_requests: 'request',
  errors: 'error',
  endpoints: 'endpoint',
  formats: 'format',
  notes: 'note',
};
const ITEMS = new Set(Object.values(LISTS));

const xmlParser = new XMLParser({
  ignoreDeclaration: true,
  ignoreAttributes: false,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => ITEMS.has(name),
});

function spark(name: string, node: unknown): unknown {
  const item = LISTS[name];
  if (item !== undefined) {
    if (node === '') return [];
    assert.ok(node !== null && typeof node === 'object', `<${name}> should hold <${item}> elements`);
    const children = node as Record<string, unknown>;
    assert.deepEqual(Object.keys(children), [item], `<${name}> should hold only <${item}> elements`);
    return (children[item] as unknown[]).map((child) => spark(item, child));
  }
  if (node === '') return null;
  if (typeof node === 'string') return node;
  assert.ok(node !== null && typeof node === 'object' && !Array.isArray(node), `<${name}> is not a plain element`);
  const out: Record<string, unknown> = {};
  for (const [child, value] of Object.entries(node as Record<string, unknown>)) {
    assert.ok(!child.startsWith('@_'), `<${name}> carries an attribute (${child.slice(2)}); GeoReport v2 XML has none`);
    out[child] = spark(child, value);
  }
  return out;
}

/** Parses an Open311 XML document and maps it to JSON by the Spark convention; returns the root's name and value. */
export function xmlToSpark(text: string): { root: string; value: unknown } {
  assert.ok(text.startsWith('<?xml version="1.0" encoding="utf-8"?>'), `XML must open with its declaration: ${text.slice(0, 60)}`);
  const valid = XMLValidator.validate(text);
  assert.equal(valid, true, `not well-formed XML: ${JSON.stringify(valid)}`);
  assert.ok(!/xmlns/.test(text), 'GeoReport v2 XML has no namespace');
  const parsed = xmlParser.parse(text) as Record<string, unknown>;
  const roots = Object.keys(parsed);
  assert.equal(roots.length, 1, 'one root element');
  const root = roots[0] as string;
  return { root, value: spark(root, parsed[root]) };
}

const ROOTS: Readonly<Record<Doc, string>> = {
  errors: 'errors',
  services: 'services',
  'service-definition': 'service_definition',
  'service-requests': 'service_requests',
  'post-service-request': 'service_requests',
  token: 'service_requests',
  discovery: 'discovery',
};

export interface Answer {
  status: number;
  headers: LightMyRequestResponse['headers'];
  /** The raw body text. */
  text: string;
  /** The document as JSON: parsed JSON, or the XML mapped by the Spark convention (and typed by the schema). */
  doc: unknown;
}

/** Checks the content type and the schema of `doc`, and returns the document as JSON. */
export function readAs(response: LightMyRequestResponse, format: Format, doc: Doc): Answer {
  const contentType = String(response.headers['content-type']);
  let value: unknown;
  if (format === 'json') {
    assert.equal(contentType, 'application/json; charset=utf-8', response.body);
    value = JSON.parse(response.body);
    const validate = strictValidators[doc];
    assert.ok(validate(value), `JSON ${doc} against its schema: ${JSON.stringify(validate.errors)}\n${response.body.slice(0, 2000)}`);
  } else {
    assert.equal(contentType, 'text/xml; charset=utf-8', response.body);
    const { root, value: converted } = xmlToSpark(response.body);
    assert.equal(root, ROOTS[doc], `the XML root of ${doc}`);
    const validate = coercingValidators[doc];
    assert.ok(validate(converted), `XML ${doc} against its schema: ${JSON.stringify(validate.errors)}\n${response.body.slice(0, 2000)}`);
    value = converted;
  }
  return { status: response.statusCode, headers: response.headers, text: response.body, doc: value };
}

export interface CallOptions {
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  /** A form body: sent application/x-www-form-urlencoded. */
  form?: string | [string, string][];
  /** A raw body with its own content type. */
  body?: string | Buffer;
}

export function formBody(fields: [string, string][]): string {
  return fields.map(([k, v]) => `${encodeURIComponent(k).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${encodeURIComponent(v)}`).join('&');
}

function queryString(query: Record<string, string | string[]> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** `GET /open311/v2/{path}.{format}` (or POST with `form`); `path` is without the suffix. */
export async function call(platform: TestPlatform, method: 'GET' | 'POST', path: string, format: Format, options: CallOptions = {}) {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  let payload: string | Buffer | undefined = options.body;
  if (options.form !== undefined) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded; charset=utf-8';
    payload = typeof options.form === 'string' ? options.form : formBody(options.form);
  }
  return platform.platform.server.inject({
    method,
    url: `${API}/${path}.${format}${queryString(options.query)}`,
    headers,
    ...(payload !== undefined ? { payload } : {}),
  });
}

/** Asserts an Open311 error answer: the HTTP status, the schema, and a description containing each of `words`. */
export function assertError(response: LightMyRequestResponse, format: Format, status: number, ...words: (string | RegExp)[]): string {
  assert.equal(response.statusCode, status, response.body);
  const { doc } = readAs(response, format, 'errors');
  const errors = doc as { code: number; description: string }[];
  assert.equal(errors[0]?.code, status);
  const description = errors.map((e) => e.description).join(' | ');
  for (const word of words) {
    if (typeof word === 'string') assert.ok(description.includes(word), `"${description}" should mention "${word}"`);
    else assert.match(description, word);
  }
  return description;
}

/** A multipart/form-data body with text fields and optional file parts. */
export function multipart(
  fields: [string, string][],
  files: { name: string; filename: string; type: string; bytes: Buffer }[] = [],
): { body: Buffer; contentType: string } {
  const boundary = `----citycloud${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of fields) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  for (const file of files) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: ${file.type}\r\n\r\n`),
      file.bytes,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The smallest valid PNG (1×1, transparent). */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** Creates an API key of the default city for an Open311 client app (as the city's admin does). */
export async function createApiKey(platform: TestPlatform, name = 'open311 client'): Promise<string> {
  const response = await platform.platform.server.inject({
    method: 'POST',
    url: '/api/v1/keys',
    headers: bearer(platform.adminToken),
    payload: { name, role: 'developer' },
  });
  assert.equal(response.statusCode, 201, response.body);
  return response.json<{ key: string }>().key;
}

/** A point inside Hangzhou's West Lake district (西湖区). */
export const WEST_LAKE = { lat: '30.2590', long: '120.1300' };

/** A complete, valid pothole report as Open311 form fields. */
export function potholeFields(apiKey: string, extra: [string, string][] = []): [string, string][] {
  return [
    ['api_key', apiKey],
    ['service_code', 'pothole'],
    ['lat', WEST_LAKE.lat],
    ['long', WEST_LAKE.long],
    ['description', '文三路上有一个很深的坑，雨天积水'],
    ['attribute[depth_cm]', '12'],
    ['attribute[lane]', 'motorway'],
    ...extra,
  ];
}

export type RequestDoc = Record<string, unknown> & { service_request_id: string };
