/** The workflow's views as GeoReport v2 documents: services, service definitions, requests, tokens and Service Discovery. */
import { open311Status, type RequestView, type ServiceAttribute, type ServiceView, type SubmitResult, type Text, type TokenLookup } from '../model.ts';
import { MEDIA_TYPES } from './format.ts';
import { list, type XmlObject, type XmlValue } from './xml.ts';

export type Lang = keyof Text;

/** The language of names and descriptions: English when Accept-Language prefers it to Chinese, else Chinese (the city's own). */
export function langOf(acceptLanguage: string | undefined): Lang {
  if (!acceptLanguage) return 'zh';
  let zh = -1;
  let en = -1;
  for (const part of acceptLanguage.split(',')) {
    const [tag = '', ...params] = part.trim().toLowerCase().split(';');
    const q = Number(params.map((p) => p.trim()).find((p) => p.startsWith('q='))?.slice(2) ?? '1');
    const quality = Number.isFinite(q) ? q : 0;
    if (tag === 'zh' || tag.startsWith('zh-')) zh = Math.max(zh, quality);
    if (tag === 'en' || tag.startsWith('en-')) en = Math.max(en, quality);
  }
  return en > 0 && en > zh ? 'en' : 'zh';
}

/** A timestamp in the W3C profile of ISO 8601 with its offset (UTC, `Z`). */
export function w3cTime(value: string | null | undefined): string | null {
  if (!value) return null;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? null : time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** GET services: one `service` element per category. */
export function serviceList(services: readonly ServiceView[], lang: Lang): XmlValue {
  return list(
    'service',
    services.map((s) => ({
      service_code: s.code,
      service_name: s.name[lang],
      description: s.description[lang],
      metadata: s.metadata,
      type: s.type,
      keywords: s.keywords.join(', '),
      group: s.group,
    })),
  );
}

function attributeOf(a: ServiceAttribute, position: number, lang: Lang): XmlObject {
  const attribute: Record<string, XmlValue> = {
    variable: a.variable,
    code: a.code,
    datatype: a.datatype,
    required: a.required,
    datatype_description: a.datatypeDescription?.[lang] ?? null,
    order: position,
    description: a.description[lang],
  };
  if (a.datatype === 'singlevaluelist' || a.datatype === 'multivaluelist') {
    attribute['values'] = list(
      'value',
      (a.values ?? []).map((v) => ({ key: v.key, name: v.name[lang] })),
    );
  }
  return attribute;
}

/**
 * GET services/{code}: the service definition, attributes in their `order`. The spec's `order` is "any
 * positive integer not used for other attributes … 1 is shown first", so it is written as the position 1…n.
 */
export function serviceDefinition(service: ServiceView, lang: Lang): XmlValue {
  const attributes = [...service.attributes].sort((a, b) => a.order - b.order);
  return {
    service_code: service.code,
    attributes: list(
      'attribute',
      attributes.map((a, i) => attributeOf(a, i + 1, lang)),
    ),
  };
}

/** Where the request's media is: the first approved photo (absolute URL), else the external `media_url` it was filed with. */
function mediaUrlOf(view: RequestView, origin: string): string | null {
  const photo = view.media.find((m) => m.review === 'approved');
  if (photo) return /^https?:\/\//i.test(photo.url) ? photo.url : `${origin}${photo.url.startsWith('/') ? '' : '/'}${photo.url}`;
  return view.mediaUrl;
}

export interface RequestOptions {
  lang: Lang;
  /** `scheme://host` of this server, for absolute media URLs. */
  origin: string;
  /** The `extensions=true` extension: the public timeline as `notes`. */
  extensions: boolean;
}

/** One `request` of GET requests and GET requests/{id}, from the public view. */
export function requestOf(view: RequestView, options: RequestOptions): XmlObject {
  const { lang } = options;
  const request: Record<string, XmlValue> = {
    service_request_id: view.id,
    status: open311Status(view.status),
    status_notes: view.statusNotes,
    service_name: view.serviceName[lang],
    service_code: view.serviceCode,
    description: view.description,
    agency_responsible: view.departmentName[lang],
    service_notice: null,
    requested_datetime: w3cTime(view.requestedAt),
    updated_datetime: w3cTime(view.updatedAt),
    expected_datetime: w3cTime(view.dueAt),
    address: view.addressString ?? view.districtName?.[lang] ?? null,
    address_id: view.addressId,
    zipcode: null,
    lat: view.lat,
    long: view.long,
    media_url: mediaUrlOf(view, options.origin),
  };
  if (options.extensions) {
    request['notes'] = list(
      'note',
      view.timeline.map((entry) => ({
        datetime: w3cTime(entry.at),
        type: entry.kind,
        status: entry.status ? open311Status(entry.status) : null,
        summary: entry.text,
      })),
    );
  }
  return request;
}

export function requestList(views: readonly RequestView[], options: RequestOptions): XmlValue {
  return list(
    'request',
    views.map((v) => requestOf(v, options)),
  );
}

/** POST requests: the id (realtime), the token (batch) or neither (blackbox), with the service notice. */
export function submitted(result: SubmitResult, serviceType: ServiceView['type'], accountId: string | undefined, lang: Lang): XmlValue {
  const request: Record<string, XmlValue> = {};
  if (serviceType === 'batch' && result.token !== undefined) request['token'] = result.token;
  else if (serviceType !== 'blackbox') request['service_request_id'] = result.request.id;
  request['service_notice'] = result.notice[lang];
  request['account_id'] = accountId ?? null;
  return list('request', [request]);
}

/** GET tokens/{token}. */
export function tokenAnswer(lookup: TokenLookup): XmlValue {
  return list('request', [{ service_request_id: lookup.serviceRequestId, token: lookup.token }]);
}

/** When the Service Discovery document last changed: bump it when the endpoint list or formats change. */
export const DISCOVERY_CHANGESET = '2025-01-15T00:00:00Z';
export const SPECIFICATION = 'http://wiki.open311.org/GeoReport_v2';

/** The Service Discovery document (wiki.open311.org/Service_Discovery) of this server's GeoReport v2 endpoint. */
export function discovery(origin: string, prefix: string, contact: string): XmlValue {
  return {
    changeset: DISCOVERY_CHANGESET,
    contact,
    key_service: `An administrator of your city creates an API key for your app: in the portal, or with POST ${origin}/api/v1/keys (role "developer"). Send it as api_key.`,
    endpoints: list('endpoint', [
      {
        specification: SPECIFICATION,
        url: `${origin}${prefix}`,
        changeset: DISCOVERY_CHANGESET,
        type: 'production',
        formats: list('format', MEDIA_TYPES),
      },
    ]),
  };
}
