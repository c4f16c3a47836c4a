/** Reads a Subscription (clause 5.2.12) or a fragment of one from a request body: every member checked, each mistake a 400 that says how to fix it. */
import { checkEntityId, checkName, normalizeDateTime } from '../context/entity-input.ts';
import type { TermMap } from '../context/ld/model.ts';
import { parseGeoQuery } from '../context/query/geo.ts';
import { parseQ } from '../context/query/q.ts';
import { regexProblem } from '../context/query/regex.ts';
import { parseScopeQ } from '../context/query/scope.ts';
import { parseTypeSelection } from '../context/query/type-selection.ts';
import { AppError } from '../platform/errors/app-error.ts';
import {
  ACCEPTS,
  DEFAULT_TRIGGERS,
  type EndpointBody,
  type EntitySelector,
  FORMATS,
  type GeoQueryBody,
  type KeyValue,
  type NotificationAccept,
  type NotificationFormat,
  type SubscriptionBody,
  TRIGGERS,
  type Trigger,
} from './model.ts';

type Json = Record<string, unknown>;

function bad(message: string): never {
  throw new AppError('BAD_REQUEST_DATA', message);
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function text(value: unknown, what: string, max = 2048): string {
  if (typeof value !== 'string' || value.length === 0) bad(`${what} must be a non-empty string`);
  if (value.length > max) bad(`${what} may be at most ${max} characters long`);
  return value;
}

function bool(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') bad(`${what} must be true or false`);
  return value;
}

function positive(value: unknown, what: string, unit: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) bad(`${what} must be a positive number of ${unit}, e.g. 10`);
  return value;
}

function names(value: unknown, what: string, terms: TermMap): string[] {
  if (!Array.isArray(value) || value.length === 0) bad(`${what} must be a non-empty array of attribute names, e.g. ["temperature"]`);
  if (value.length > 100) bad(`${what} may name at most 100 attributes`);
  return [...new Set(value.map((name) => terms.expand(checkName(name, `An attribute name in ${what}`))))];
}

function keyValues(value: unknown, what: string): KeyValue[] {
  if (!Array.isArray(value)) bad(`${what} must be an array of {"key": "…", "value": "…"}`);
  if (value.length > 50) bad(`${what} may hold at most 50 entries`);
  return value.map((item, i) => {
    if (!isObject(item) || typeof item.key !== 'string' || typeof item.value !== 'string' || item.key.length === 0) {
      bad(`${what}[${i}] must be {"key": "…", "value": "…"} with two strings`);
    }
    if (/[\r\n]/.test(item.key) || /[\r\n]/.test(item.value)) bad(`${what}[${i}] must not contain line breaks`);
    return { key: item.key, value: item.value };
  });
}

function selectors(value: unknown): EntitySelector[] {
  if (!Array.isArray(value) || value.length === 0) bad('"entities" must be a non-empty array of {"type", "id"?, "idPattern"?}');
  if (value.length > 100) bad('"entities" may hold at most 100 selectors');
  return value.map((raw, i) => {
    if (!isObject(raw)) bad(`entities[${i}] must be an object {"type", "id"?, "idPattern"?}`);
    if (raw.type === undefined) bad(`entities[${i}] has no "type"; an EntitySelector needs one (clause 5.2.33), e.g. "type": "AirQualityObserved"`);
    const selector: EntitySelector = { type: text(raw.type, `entities[${i}].type`) };
    parseTypeSelection(selector.type);
    if (raw.id !== undefined) selector.id = checkEntityId(raw.id, `entities[${i}].id`);
    if (raw.idPattern !== undefined) {
      const pattern = text(raw.idPattern, `entities[${i}].idPattern`, 256);
      const problem = regexProblem(pattern);
      if (problem) bad(`entities[${i}].idPattern is not usable at character ${problem.index + 1}: ${problem.message}`);
      selector.idPattern = pattern;
    }
    return selector;
  });
}

function triggers(value: unknown): Trigger[] {
  if (!Array.isArray(value) || value.length === 0) bad(`"notificationTrigger" must be a non-empty array of ${TRIGGERS.join(', ')}`);
  for (const t of value) {
    if (!(TRIGGERS as readonly unknown[]).includes(t)) bad(`"notificationTrigger" holds "${String(t).slice(0, 40)}"; allowed: ${TRIGGERS.join(', ')}`);
  }
  return [...new Set(value as Trigger[])];
}

function geoQ(value: unknown, terms: TermMap): GeoQueryBody {
  if (!isObject(value)) bad('"geoQ" must be an object {"geometry", "coordinates", "georel", "geoproperty"?}');
  for (const member of ['geometry', 'coordinates', 'georel'] as const) {
    if (value[member] === undefined) bad(`"geoQ" needs "${member}" (geometry, coordinates and georel go together)`);
  }
  // Checked now with the same parser as a geo-query, so a subscription never holds one the query endpoint would refuse.
  parseGeoQuery(value, terms);
  const out: GeoQueryBody = { geometry: value.geometry as string, coordinates: value.coordinates, georel: value.georel as string };
  if (value.geoproperty !== undefined) out.geoproperty = value.geoproperty as string;
  return out;
}

function endpoint(value: unknown): EndpointBody {
  if (!isObject(value)) bad('"notification.endpoint" is required: an object with "uri", e.g. {"uri": "http://receiver.example/notify"}');
  const uri = text(value.uri, '"notification.endpoint.uri"');
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    bad(`"notification.endpoint.uri" "${uri.slice(0, 80)}" is not an absolute URL; use http://, https://, mqtt:// or mqtts://`);
  }
  if (!['http:', 'https:', 'mqtt:', 'mqtts:'].includes(url.protocol)) {
    bad(`"notification.endpoint.uri" must use http://, https://, mqtt:// or mqtts://, not ${url.protocol}//`);
  }
  if (url.protocol.startsWith('mqtt') && url.pathname.length <= 1) bad('An MQTT endpoint names the topic in its path, e.g. mqtt://broker:1883/city/notifications');
  const out: EndpointBody = { uri, accept: 'application/json' };
  if (value.accept !== undefined) {
    if (!(ACCEPTS as readonly unknown[]).includes(value.accept)) bad(`"notification.endpoint.accept" must be one of ${ACCEPTS.join(', ')}`);
    out.accept = value.accept as NotificationAccept;
  }
  if (value.timeout !== undefined) out.timeout = positive(value.timeout, '"notification.endpoint.timeout"', 'milliseconds');
  if (value.receiverInfo !== undefined) out.receiverInfo = keyValues(value.receiverInfo, '"notification.endpoint.receiverInfo"');
  if (value.notifierInfo !== undefined) {
    out.notifierInfo = keyValues(value.notifierInfo, '"notification.endpoint.notifierInfo"');
    for (const { key, value: v } of out.notifierInfo) {
      if (key === 'MQTT-QoS' && !['0', '1', '2'].includes(v)) bad('notifierInfo "MQTT-QoS" must be "0", "1" or "2"');
      if (key === 'MQTT-Version' && !['mqtt3.1.1', 'mqtt5.0'].includes(v)) bad('notifierInfo "MQTT-Version" must be "mqtt3.1.1" or "mqtt5.0"');
    }
  }
  return out;
}

function notification(value: unknown, terms: TermMap, previous?: SubscriptionBody['notification']): SubscriptionBody['notification'] {
  if (!isObject(value)) bad('"notification" is required: an object with at least "endpoint", e.g. {"endpoint": {"uri": "http://receiver.example/notify"}}');
  const out: SubscriptionBody['notification'] = previous
    ? { ...previous }
    : { format: 'normalized', showChanges: false, sysAttrs: false, endpoint: undefined as unknown as EndpointBody };
  if (value.attributes !== undefined) out.attributes = names(value.attributes, '"notification.attributes"', terms);
  if (value.format !== undefined) {
    if (!(FORMATS as readonly unknown[]).includes(value.format)) bad(`"notification.format" must be one of ${FORMATS.join(', ')}`);
    out.format = value.format as NotificationFormat;
  }
  if (value.showChanges !== undefined) out.showChanges = bool(value.showChanges, '"notification.showChanges"');
  if (value.sysAttrs !== undefined) out.sysAttrs = bool(value.sysAttrs, '"notification.sysAttrs"');
  if (value.endpoint !== undefined || !previous) out.endpoint = endpoint(value.endpoint);
  return out;
}

/** Members that are read-only (clause 5.2.12, 5.2.14): given in a request, they are ignored. */
const READ_ONLY = new Set(['status', 'createdAt', 'modifiedAt', 'timesSent', 'timesFailed', 'lastNotification', 'lastSuccess', 'lastFailure']);
const KNOWN = new Set([
  'id',
  '@id',
  'type',
  '@type',
  '@context',
  'subscriptionName',
  'description',
  'entities',
  'watchedAttributes',
  'notificationTrigger',
  'q',
  'geoQ',
  'scopeQ',
  'lang',
  'timeInterval',
  'throttling',
  'expiresAt',
  'isActive',
  'notification',
  'jsonldContext',
  'csf',
  'temporalQ',
  ...READ_ONLY,
]);

/** Applies the members of `raw` over `base` (a whole subscription or a fragment). */
function applyMembers(raw: Json, terms: TermMap, base: SubscriptionBody | undefined): SubscriptionBody {
  for (const member of Object.keys(raw)) {
    if (!KNOWN.has(member)) bad(`"${member.slice(0, 40)}" is not a member of a Subscription (clause 5.2.12); check its spelling`);
  }
  if (raw.csf !== undefined || raw.temporalQ !== undefined) {
    throw new AppError('OPERATION_NOT_SUPPORTED', 'csf and temporalQ apply to context source registrations, which this broker does not federate');
  }
  const out: SubscriptionBody = base
    ? { ...base, notification: { ...base.notification } }
    : { notificationTrigger: [...DEFAULT_TRIGGERS], isActive: true, notification: undefined as unknown as SubscriptionBody['notification'] };
  if (raw.subscriptionName !== undefined) out.subscriptionName = text(raw.subscriptionName, '"subscriptionName"', 256);
  if (raw.description !== undefined) out.description = text(raw.description, '"description"', 4096);
  if (raw.entities !== undefined) out.entities = selectors(raw.entities);
  if (raw.watchedAttributes !== undefined) out.watchedAttributes = names(raw.watchedAttributes, '"watchedAttributes"', terms);
  if (raw.notificationTrigger !== undefined) out.notificationTrigger = triggers(raw.notificationTrigger);
  if (raw.q !== undefined) {
    parseQ(text(raw.q, '"q"', 8192));
    out.q = raw.q as string;
  }
  if (raw.scopeQ !== undefined) {
    parseScopeQ(text(raw.scopeQ, '"scopeQ"', 8192));
    out.scopeQ = raw.scopeQ as string;
  }
  if (raw.geoQ !== undefined) out.geoQ = geoQ(raw.geoQ, terms);
  if (raw.lang !== undefined) out.lang = text(raw.lang, '"lang"', 256);
  if (raw.timeInterval !== undefined) out.timeInterval = positive(raw.timeInterval, '"timeInterval"', 'seconds');
  if (raw.throttling !== undefined) out.throttling = positive(raw.throttling, '"throttling"', 'seconds');
  if (raw.expiresAt !== undefined) out.expiresAt = normalizeDateTime(raw.expiresAt, '"expiresAt"');
  if (raw.isActive !== undefined) out.isActive = bool(raw.isActive, '"isActive"');
  if (raw.notification !== undefined) out.notification = notification(raw.notification, terms, base?.notification);
  return out;
}

/** The rules that hold between members (clause 5.8.1, 5.2.12). */
function checkWhole(body: SubscriptionBody): void {
  if (!body.notification) bad('"notification" is required: an object with at least "endpoint", e.g. {"endpoint": {"uri": "http://receiver.example/notify"}}');
  if (body.timeInterval !== undefined) {
    if (body.watchedAttributes) bad('A subscription is periodic (timeInterval) or on change (watchedAttributes), not both');
    if (body.throttling !== undefined) bad('throttling applies to subscriptions on change; a periodic subscription (timeInterval) cannot have it');
    if (!body.entities) bad('A periodic subscription (timeInterval) needs "entities": which entities to send every interval');
  } else if (!body.entities && !body.watchedAttributes) {
    bad('Say what to watch: give "entities" (e.g. [{"type": "AirQualityObserved"}]), "watchedAttributes", or both');
  }
  if (body.notification.showChanges && body.notification.format === 'keyValues') {
    bad('"notification.showChanges" cannot be true with "format": "keyValues" (the previous value has no place in keyValues)');
  }
}

export interface SubscriptionInput {
  id: string | undefined;
  body: SubscriptionBody;
  /** The `jsonldContext` member: the @context notifications are compacted with, instead of the request's. */
  jsonldContext?: string;
}

function checkIdAndType(raw: Json, fragment: boolean): string | undefined {
  const type = raw.type ?? raw['@type'];
  if (!fragment && type === undefined) bad('A subscription needs "type": "Subscription"');
  if (type !== undefined && type !== 'Subscription') bad(`"type" must be "Subscription", not ${JSON.stringify(type).slice(0, 40)}`);
  const id = raw.id ?? raw['@id'];
  return id === undefined ? undefined : checkEntityId(id, 'The subscription id');
}

/**
 * Reads a whole Subscription (Create, clause 5.8.1).
 * @example readSubscription({ type: 'Subscription', entities: [{ type: 'Sensor' }], notification: { endpoint: { uri: 'http://r/n' } } }, terms)
 */
export function readSubscription(raw: unknown, terms: TermMap, now = Date.now()): SubscriptionInput {
  if (!isObject(raw)) bad('The body must be a JSON object: a Subscription with "type", "notification" and "entities" or "watchedAttributes"');
  const id = checkIdAndType(raw, false);
  const body = applyMembers(raw, terms, undefined);
  checkWhole(body);
  if (body.expiresAt !== undefined && Date.parse(body.expiresAt) <= now) bad(`"expiresAt" ${body.expiresAt} is in the past; give a future date-time`);
  const out: SubscriptionInput = { id, body };
  if (raw.jsonldContext !== undefined) out.jsonldContext = text(raw.jsonldContext, '"jsonldContext"');
  return out;
}

/**
 * Applies a fragment (Update, clause 5.8.2) to a stored subscription and checks the result as a whole.
 * @example readFragment({ isActive: false }, stored.body, terms, stored.id)
 */
export function readFragment(raw: unknown, base: SubscriptionBody, terms: TermMap, id: string): SubscriptionInput {
  if (!isObject(raw)) bad('The body must be a JSON object with the members to change, e.g. {"isActive": false}');
  const members = Object.keys(raw).filter((k) => k !== '@context');
  if (members.length === 0) bad('The fragment is empty; give the members to change, e.g. {"isActive": false}');
  const given = checkIdAndType(raw, true);
  if (given !== undefined && given !== id) bad(`The fragment's id ${given} is not the subscription's (${id}); the id cannot change`);
  const body = applyMembers(raw, terms, base);
  checkWhole(body);
  const out: SubscriptionInput = { id, body };
  if (raw.jsonldContext !== undefined) out.jsonldContext = text(raw.jsonldContext, '"jsonldContext"');
  return out;
}
