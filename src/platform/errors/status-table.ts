/** The one table mapping error codes to HTTP statuses and RFC 7807 problem types. */
import type { ErrorCode } from './app-error.ts';

const NGSI_LD = 'https://uri.etsi.org/ngsi-ld/errors/';
const CITYCLOUD = 'urn:citycloud:errors:';

export interface ProblemKind {
  status: number;
  /** RFC 7807 `type`: the NGSI-LD error type URI where the specification defines one. */
  type: string;
  title: string;
}

export const STATUS_TABLE: Readonly<Record<ErrorCode, ProblemKind>> = {
  BAD_REQUEST_DATA: { status: 400, type: `${NGSI_LD}BadRequestData`, title: 'Bad request data' },
  INVALID_REQUEST: { status: 400, type: `${NGSI_LD}InvalidRequest`, title: 'Invalid request' },
  UNAUTHENTICATED: { status: 401, type: `${CITYCLOUD}Unauthenticated`, title: 'Not authenticated' },
  FORBIDDEN: { status: 403, type: `${CITYCLOUD}Forbidden`, title: 'Forbidden' },
  NOT_FOUND: { status: 404, type: `${NGSI_LD}ResourceNotFound`, title: 'Resource not found' },
  NONEXISTENT_TENANT: { status: 404, type: `${NGSI_LD}NonexistentTenant`, title: 'Nonexistent tenant' },
  ALREADY_EXISTS: { status: 409, type: `${NGSI_LD}AlreadyExists`, title: 'Already exists' },
  CONFLICT: { status: 409, type: `${NGSI_LD}Conflict`, title: 'Conflict' },
  PAYLOAD_TOO_LARGE: { status: 413, type: `${CITYCLOUD}PayloadTooLarge`, title: 'Payload too large' },
  URI_TOO_LONG: { status: 414, type: `${CITYCLOUD}UriTooLong`, title: 'URI too long' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    type: `${CITYCLOUD}UnsupportedMediaType`,
    title: 'Unsupported media type',
  },
  NOT_ACCEPTABLE: { status: 406, type: `${CITYCLOUD}NotAcceptable`, title: 'Not acceptable' },
  TOO_MANY_REQUESTS: { status: 429, type: `${CITYCLOUD}TooManyRequests`, title: 'Too many requests' },
  TOO_MANY_RESULTS: { status: 403, type: `${NGSI_LD}TooManyResults`, title: 'Too many results' },
  OPERATION_NOT_SUPPORTED: {
    status: 422,
    type: `${NGSI_LD}OperationNotSupported`,
    title: 'Operation not supported',
  },
  LD_CONTEXT_NOT_AVAILABLE: {
    status: 503,
    type: `${NGSI_LD}LdContextNotAvailable`,
    title: 'JSON-LD @context not available',
  },
  SERVICE_UNAVAILABLE: { status: 503, type: `${CITYCLOUD}ServiceUnavailable`, title: 'Service unavailable' },
  INTERNAL: { status: 500, type: `${NGSI_LD}InternalError`, title: 'Internal error' },
};

/** The code for a bare HTTP status (errors raised by the framework rather than by our code). */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 406:
      return 'NOT_ACCEPTABLE';
    case 409:
      return 'CONFLICT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 414:
      return 'URI_TOO_LONG';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'TOO_MANY_REQUESTS';
    case 503:
      return 'SERVICE_UNAVAILABLE';
    default:
      return status >= 400 && status < 500 ? 'BAD_REQUEST_DATA' : 'INTERNAL';
  }
}
