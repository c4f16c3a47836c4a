/** Validation of a submission (portal JSON or Open311 form): every refusal names its field and says how to fix it. */
import { AppError } from '../platform/errors/app-error.ts';
import { containsMarkup } from './moderation.ts';
import { type AttributeValue, MAX_DESCRIPTION, type ServiceCategory, type SubmitInput } from './model.ts';

export interface Submission {
  lat: number | null;
  long: number | null;
  addressString: string | null;
  addressId: string | null;
  description: string;
  attributes: Record<string, AttributeValue>;
  mediaIds: string[];
  mediaUrl: string | null;
  reporter: { name: string; phone: string; email: string; deviceId: string | null; accountId: string | null };
}

const MAX_MEDIA = 5;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const PHONE = /^\+?[0-9][0-9\s()-]{2,30}$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

function bad(field: string, message: string, extra: Record<string, unknown> = {}): AppError {
  return new AppError('BAD_REQUEST_DATA', message, { details: { field, ...extra } });
}

function optionalText(value: unknown, field: string, max: number): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw bad(field, `${field} must be text`);
  const trimmed = value.trim();
  if (trimmed.length > max) throw bad(field, `${field} is ${trimmed.length} characters long; at most ${max} are allowed`);
  if (containsMarkup(trimmed)) throw bad(field, `${field} must be plain text: remove the HTML markup (such as <script> or <img …>)`);
  return trimmed || null;
}

function coordinate(value: unknown, field: 'lat' | 'long', limit: number): number | null {
  if (value === undefined || value === null || value === '') return null;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*[+-]?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(n) || Math.abs(n) > limit) {
    throw bad(field, `${field} must be a WGS84 ${field === 'lat' ? 'latitude between -90 and 90' : 'longitude between -180 and 180'} in decimal degrees, e.g. ${field === 'lat' ? '30.27' : '120.15'}`);
  }
  return n;
}

/** Converts and checks the attribute values against the category's definition (all six Open311 datatypes). */
export function readAttributes(category: ServiceCategory, raw: SubmitInput['attributes']): Record<string, AttributeValue> {
  const given = raw ?? {};
  if (typeof given !== 'object' || Array.isArray(given)) throw bad('attributes', 'attributes must be an object of attribute code → value');
  const defined = new Map(category.attributes.filter((a) => a.variable).map((a) => [a.code, a]));
  for (const code of Object.keys(given)) {
    if (!defined.has(code) && !category.attributes.some((a) => a.code === code)) {
      const known = [...defined.keys()];
      throw bad(
        `attributes.${code}`,
        known.length === 0 ? `Service "${category.code}" takes no attributes; remove "${code}"` : `Service "${category.code}" has no attribute "${code}"; its attributes are ${known.join(', ')}`,
      );
    }
  }
  const out: Record<string, AttributeValue> = {};
  for (const a of defined.values()) {
    const field = `attributes.${a.code}`;
    const value = Object.hasOwn(given, a.code) ? given[a.code] : undefined;
    const empty = value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
    if (empty) {
      if (a.required) throw bad(field, `${field} is required for "${category.code}": ${a.description.en} (${a.description.zh})`);
      continue;
    }
    const label = `${field} (${a.description.en})`;
    switch (a.datatype) {
      case 'number': {
        const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value) ? Number(value) : Number.NaN;
        if (!Number.isFinite(n)) throw bad(field, `${label} must be a number, e.g. 8 — got ${JSON.stringify(value).slice(0, 40)}`);
        out[a.code] = n;
        break;
      }
      case 'datetime': {
        const text = typeof value === 'string' ? value.trim() : '';
        const time = ISO_DATETIME.test(text) ? Date.parse(text) : Number.NaN;
        if (Number.isNaN(time)) throw bad(field, `${label} must be an ISO 8601 date and time, e.g. 2025-05-01T08:30:00+08:00`);
        out[a.code] = new Date(time).toISOString();
        break;
      }
      case 'string':
      case 'text': {
        if (typeof value !== 'string' && typeof value !== 'number') throw bad(field, `${label} must be text`);
        const text = String(value).trim();
        if (a.datatype === 'string' && /[\r\n]/.test(text)) throw bad(field, `${label} must be one line (datatype string); use no line breaks`);
        const max = a.datatype === 'string' ? 500 : MAX_DESCRIPTION;
        if (text.length > max) throw bad(field, `${label} is ${text.length} characters long; at most ${max} are allowed`);
        if (containsMarkup(text)) throw bad(field, `${label} must be plain text: remove the HTML markup`);
        out[a.code] = text;
        break;
      }
      case 'singlevaluelist': {
        const keys = (a.values ?? []).map((v) => v.key);
        if (typeof value !== 'string' || !keys.includes(value)) throw bad(field, `${label} must be one of ${keys.join(', ')} — got ${JSON.stringify(value).slice(0, 40)}`);
        out[a.code] = value;
        break;
      }
      case 'multivaluelist': {
        const keys = (a.values ?? []).map((v) => v.key);
        const list = Array.isArray(value) ? value : [value];
        const wrong = list.find((v) => typeof v !== 'string' || !keys.includes(v));
        if (wrong !== undefined) throw bad(field, `${label} takes values from ${keys.join(', ')} — got ${JSON.stringify(wrong).slice(0, 40)}`);
        out[a.code] = [...new Set(list as string[])];
        break;
      }
    }
  }
  return out;
}

/** Checks a submission for `category`; `defaultName` is the signed-in user's name when the input gives none. */
export function readSubmission(category: ServiceCategory, input: SubmitInput, defaultName: string): Submission {
  const lat = coordinate(input.lat, 'lat', 90);
  const long = coordinate(input.long, 'long', 180);
  if ((lat === null) !== (long === null)) {
    const missing = lat === null ? 'lat' : 'long';
    throw bad(missing, `Send both lat and long (a pin on the map) — ${missing} is missing`);
  }
  const addressString = optionalText(input.addressString, 'addressString', 500);
  const addressId = optionalText(input.addressId, 'addressId', 100);
  if (lat === null && addressString === null && addressId === null) {
    throw bad('location', 'Say where the problem is: a pin on the map (lat and long), or an address (addressString or addressId)');
  }
  if (input.description !== undefined && input.description !== null && typeof input.description !== 'string') throw bad('description', 'description must be text');
  const description = (input.description ?? '').replace(/\r\n?/g, '\n').trim();
  if ([...description].length > MAX_DESCRIPTION) {
    throw bad('description', `The description is ${[...description].length} characters long; shorten it to at most ${MAX_DESCRIPTION}`);
  }
  if (containsMarkup(description)) {
    throw bad('description', 'The description must be plain text: remove the HTML markup (such as <script> or <img …>) and send it again');
  }
  const attributes = readAttributes(category, input.attributes);
  const mediaIds = input.mediaIds ?? [];
  if (!Array.isArray(mediaIds) || mediaIds.some((id) => typeof id !== 'string' || id.length === 0 || id.length > 64)) {
    throw bad('mediaIds', 'mediaIds must be a list of photo ids returned by POST /api/v1/requests/media');
  }
  if (mediaIds.length > MAX_MEDIA) throw bad('mediaIds', `Attach at most ${MAX_MEDIA} photos`);
  const mediaUrl = optionalText(input.mediaUrl, 'mediaUrl', 2000);
  if (mediaUrl !== null && !/^https?:\/\/[^\s]+$/i.test(mediaUrl)) throw bad('mediaUrl', 'mediaUrl must be an http:// or https:// URL');
  const email = optionalText(input.email, 'email', 254);
  if (email !== null && !EMAIL.test(email)) throw bad('email', `email "${email.slice(0, 60)}" is not an e-mail address`);
  const phone = optionalText(input.phone, 'phone', 32);
  if (phone !== null && !PHONE.test(phone)) throw bad('phone', 'phone must be a telephone number: digits, spaces, dashes and a leading +');
  const first = optionalText(input.firstName, 'firstName', 100);
  const last = optionalText(input.lastName, 'lastName', 100);
  const name = [first, last].filter((n) => n !== null).join(' ') || defaultName;
  return {
    lat,
    long,
    addressString,
    addressId,
    description,
    attributes,
    mediaIds: [...new Set(mediaIds)],
    mediaUrl,
    reporter: { name, phone: phone ?? '', email: email ?? '', deviceId: optionalText(input.deviceId, 'deviceId', 100), accountId: optionalText(input.accountId, 'accountId', 100) },
  };
}
