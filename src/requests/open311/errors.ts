/** Open311 errors: any refusal as `[{ code, description }]` / `<errors><error>…</error></errors>`, with 400, 403 or 404. */
import { type ErrorCode, isAppError } from '../../platform/errors/app-error.ts';
import { classifyError } from '../../platform/http/problem.ts';
import { list, type XmlValue } from './xml.ts';

export interface Open311Failure {
  /** The HTTP status: 404 for what does not exist, 403 for a missing or wrong api_key, 400 for anything else the client can fix. */
  status: number;
  errors: { code: number; description: string }[];
  /** Our bug rather than the client's: logged with its stack. */
  unexpected: boolean;
  retryAfter?: number;
}

// GeoReport v2, "Errors": 404 for resources that don't exist, 403 for a wrong or missing api_key,
// 400 for any other request that cannot be fulfilled. Throttling and unavailability keep their
// statuses (clients must see Retry-After), and our own bugs stay 500 so they are never mistaken for the client's.
function statusOf(code: ErrorCode): number {
  switch (code) {
    case 'NOT_FOUND':
    case 'NONEXISTENT_TENANT':
      return 404;
    case 'FORBIDDEN':
    case 'UNAUTHENTICATED':
      return 403;
    case 'TOO_MANY_REQUESTS':
      return 429;
    case 'SERVICE_UNAVAILABLE':
    case 'LD_CONTEXT_NOT_AVAILABLE':
      return 503;
    case 'INTERNAL':
      return 500;
    default:
      return 400;
  }
}

// The workflow names its inputs as the portal's JSON does; an Open311 client sent the form's names.
const PARAMETER: Record<string, string> = {
  serviceCode: 'service_code',
  lat: 'lat',
  long: 'long',
  location: 'location (lat & long, address_string or address_id)',
  addressString: 'address_string',
  addressId: 'address_id',
  description: 'description',
  email: 'email',
  phone: 'phone',
  firstName: 'first_name',
  lastName: 'last_name',
  deviceId: 'device_id',
  accountId: 'account_id',
  mediaUrl: 'media_url',
  mediaIds: 'media',
  media: 'media',
  photos: 'media',
};

/** The Open311 parameter a workflow error is about (`attributes.depth_cm` → `attribute[depth_cm]`). */
export function parameterOf(field: unknown): string | undefined {
  if (typeof field !== 'string') return undefined;
  if (field.startsWith('attributes.')) return `attribute[${field.slice('attributes.'.length)}]`;
  return PARAMETER[field];
}

const RENAMES: readonly [RegExp, string][] = [
  [/\battributes\.([A-Za-z0-9_-]+)/g, 'attribute[$1]'],
  ...(['serviceCode', 'addressString', 'addressId', 'mediaUrl', 'mediaIds', 'firstName', 'lastName', 'deviceId', 'accountId'] as const).map(
    (name): [RegExp, string] => [new RegExp(`\\b${name}\\b`, 'g'), PARAMETER[name] as string],
  ),
];

/** A workflow message with the portal's field names replaced by the form's (`addressString` → `address_string`). */
export function inOpen311Terms(message: string): string {
  return RENAMES.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), message);
}

interface FrameworkError extends Error {
  code?: string;
  statusCode?: number;
}

const FORM_TYPES = 'application/x-www-form-urlencoded (or multipart/form-data to attach a photo as the "media" part)';

// Errors raised by Fastify and @fastify/multipart before our code runs, in words an Open311 client can act on.
function frameworkDescription(error: FrameworkError, bodyLimit: number): string | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return `POST requests takes ${FORM_TYPES}`;
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `The form is larger than the ${bodyLimit} bytes accepted; a description is at most 4,000 characters, and a photo goes in a multipart "media" part`;
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'The Content-Length header does not match the body that was sent';
    case 'FST_REQ_FILE_TOO_LARGE':
      return 'The photo in "media" is larger than 10 MB; send a smaller JPEG, PNG or WebP image';
    case 'FST_FILES_LIMIT':
      return 'Send at most one file, as the "media" part';
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
      return 'The form has too many fields';
    case 'FST_PROTO_VIOLATION':
      return 'A form field may not be named "__proto__" or "constructor"';
    default:
      return undefined;
  }
}

/** Turns any error into the Open311 error answer. */
export function open311FailureOf(error: unknown, bodyLimit: number): Open311Failure {
  if (!isAppError(error)) {
    const e = error as FrameworkError;
    const described = e && typeof e === 'object' ? frameworkDescription(e, bodyLimit) : undefined;
    if (described !== undefined) return { status: 400, errors: [{ code: 400, description: described }], unexpected: false };
  }
  const classified = classifyError(error, bodyLimit);
  const status = statusOf(classified.code);
  let description = isAppError(error) ? inOpen311Terms(classified.problem.detail) : classified.problem.detail;
  const parameter = isAppError(error) ? parameterOf(error.details?.field) : undefined;
  if (parameter !== undefined && !description.includes(parameter)) description = `${parameter}: ${description}`;
  return {
    status,
    errors: [{ code: status, description }],
    unexpected: classified.unexpected,
    ...(classified.retryAfter !== undefined ? { retryAfter: classified.retryAfter } : {}),
  };
}

/** The errors as the value the XML writer and the Spark mapping render (root element `errors`). */
export function errorsValue(errors: Open311Failure['errors']): XmlValue {
  return list('error', errors);
}
