/** The one error type of CityCloud: pure code throws it, the HTTP layer maps its code to a status. */

export const ERROR_CODES = [
  'BAD_REQUEST_DATA',
  'INVALID_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'NONEXISTENT_TENANT',
  'ALREADY_EXISTS',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'URI_TOO_LONG',
  'UNSUPPORTED_MEDIA_TYPE',
  'NOT_ACCEPTABLE',
  'TOO_MANY_REQUESTS',
  'TOO_MANY_RESULTS',
  'OPERATION_NOT_SUPPORTED',
  'LD_CONTEXT_NOT_AVAILABLE',
  'SERVICE_UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AppErrorOptions {
  cause?: unknown;
  /** Machine-readable extras placed in the problem body (e.g. which field is wrong). */
  details?: Record<string, unknown>;
  /** Seconds a client should wait before retrying (TOO_MANY_REQUESTS, SERVICE_UNAVAILABLE). */
  retryAfter?: number;
}

/**
 * An error a person can act on: `message` says what is wrong and how to fix it.
 * @example throw new AppError('NOT_FOUND', `No user "${name}" in city "${tenant}"`)
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
    this.retryAfter = options.retryAfter;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
