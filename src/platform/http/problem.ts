/** Turns any error into an RFC 7807 problem body using the one status table. */
import { type AppError, type ErrorCode, isAppError } from '../errors/app-error.ts';
import { codeForStatus, STATUS_TABLE } from '../errors/status-table.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  [extra: string]: unknown;
}

export interface ClassifiedError {
  code: ErrorCode;
  problem: Problem;
  /** True for errors that are our bug rather than the client's (logged with their stack). */
  unexpected: boolean;
  retryAfter?: number;
}

interface FrameworkError extends Error {
  code?: string;
  statusCode?: number;
  validation?: unknown;
  validationContext?: string;
}

// Messages a person can act on, for errors raised by the framework before our code runs.
const FRAMEWORK_DETAIL: Record<string, (e: FrameworkError, limit: number) => string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (_e, limit) =>
    `The body is larger than the ${limit} bytes this server accepts; send less data per request (split a batch)`,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
    'The Content-Type is not supported here; send application/json (or application/ld+json on the NGSI-LD API)',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => 'The Content-Length header does not match the body that was sent',
  FST_ERR_CTP_INVALID_TYPE: () => 'The Content-Type header is malformed',
  FST_ERR_BAD_URL: () => 'The URL is malformed: a percent-encoding in its path is not valid UTF-8 (e.g. "%C3%28" or a lone "%")',
  FST_ERR_MAX_PARAM_LENGTH: () => 'A path segment of the URL is longer than 2048 characters (entity ids and attribute names must be shorter)',
  FST_ERR_ASYNC_CONSTRAINT: () => 'The request could not be routed',
};

function problemOf(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}): Problem {
  const kind = STATUS_TABLE[code];
  return { type: kind.type, title: kind.title, status: kind.status, detail, ...extra };
}

/** A database error caused by a value the client sent (SQLSTATE class 22 data exception, 54 limits exceeded). */
function databaseRefusal(error: unknown): { code: ErrorCode; detail: string } | undefined {
  const e = error as { code?: unknown; severity?: unknown; message?: unknown };
  if (typeof e !== 'object' || e === null || typeof e.code !== 'string' || typeof e.severity !== 'string') return undefined;
  if (e.code.startsWith('22') || e.code.startsWith('54')) {
    return { code: 'BAD_REQUEST_DATA', detail: `A value in the request cannot be used: ${String(e.message)}` };
  }
  if (e.code === '57014') {
    return { code: 'SERVICE_UNAVAILABLE', detail: 'The query took too long and was cancelled; narrow it (type, q, geoQ) or page with a smaller limit' };
  }
  return undefined;
}

export function classifyError(error: unknown, bodyLimit: number): ClassifiedError {
  const refusal = databaseRefusal(error);
  if (refusal) return { code: refusal.code, problem: problemOf(refusal.code, refusal.detail), unexpected: false };
  if (isAppError(error)) {
    const e = error as AppError;
    return {
      code: e.code,
      problem: problemOf(e.code, e.message, e.details),
      unexpected: e.code === 'INTERNAL',
      ...(e.retryAfter !== undefined ? { retryAfter: e.retryAfter } : {}),
    };
  }
  const e = error as FrameworkError;
  if (e && typeof e === 'object' && e.validation) {
    return {
      code: 'BAD_REQUEST_DATA',
      problem: problemOf('BAD_REQUEST_DATA', `Invalid ${e.validationContext ?? 'request'}: ${e.message}`),
      unexpected: false,
    };
  }
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code = codeForStatus(status);
    const explain = e.code ? FRAMEWORK_DETAIL[e.code] : undefined;
    const detail = explain ? explain(e, bodyLimit) : (e.message ?? 'Bad request');
    return { code, problem: problemOf(code, detail), unexpected: false };
  }
  return {
    code: 'INTERNAL',
    problem: problemOf('INTERNAL', 'An unexpected error occurred on the server; it was logged with the request id'),
    unexpected: true,
  };
}
