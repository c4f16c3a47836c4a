/**
 * The one fetch wrapper of the portal: JSON in and out, `Authorization: Bearer <token>`,
 * `Accept-Language` from the chosen language, and RFC 7807 problems turned into `ApiError`
 * whose message is the problem's `detail`.
 */
import type { Problem } from './types.ts';

export type ApiErrorKind = 'problem' | 'http' | 'network' | 'unexpected';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  readonly kind: ApiErrorKind;
  readonly problem: Problem | undefined;

  constructor(message: string, status: number, kind: ApiErrorKind, problem?: Problem, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
    this.kind = kind;
    this.problem = problem;
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

interface ClientHooks {
  /** The current access token, or null when signed out. */
  getToken: () => string | null;
  /** Called when a request that carried a token is answered 401 (expired or revoked token). */
  onUnauthorized: () => void;
  /** BCP 47 tag for `Accept-Language`. */
  getLanguage: () => string;
}

const hooks: ClientHooks = {
  getToken: () => null,
  onUnauthorized: () => {},
  getLanguage: () => 'zh-CN',
};

export function configureApiClient(next: Partial<ClientHooks>): void {
  Object.assign(hooks, next);
}

/** The headers every API call carries (credential and language), for calls that cannot go through `apiFetch` (streams). */
export function authHeaders(): Record<string, string> {
  const headers: Record<string, string> = { 'Accept-Language': hooks.getLanguage() };
  const token = hooks.getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  return headers;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  query?: Record<string, string | number | undefined | null>;
  signal?: AbortSignal;
  /** Send the token (default true). The login and register calls turn it off. */
  auth?: boolean;
  /** `Accept` header (default JSON or problem+JSON), e.g. `application/geo+json`. */
  accept?: string;
}

/** A successful response: the parsed body and the headers (e.g. `NGSILD-Results-Count`). */
export interface ApiResponse<T> {
  body: T;
  headers: Headers;
  status: number;
}

function withQuery(path: string, query: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}${path.includes('?') ? '&' : '?'}${text}` : path;
}

function isJson(response: Response): boolean {
  const type = response.headers.get('content-type') ?? '';
  return /^application\/([\w.+-]+\+)?json/i.test(type);
}

function asProblem(value: unknown): Problem | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Problem) : undefined;
}

export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  return (await apiFetch<T>(path, options)).body;
}

/** Like `apiRequest`, but also hands back the response headers and status. */
export async function apiFetch<T>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {
    Accept: options.accept ?? 'application/json, application/problem+json',
    'Accept-Language': hooks.getLanguage(),
  };
  const token = options.auth === false ? null : hooks.getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  const init: RequestInit = { method: options.method ?? 'GET', headers, credentials: 'same-origin' };
  if (options.signal) init.signal = options.signal;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }

  let response: Response;
  try {
    response = await fetch(withQuery(path, options.query), init);
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError('Network error', 0, 'network', undefined, { cause });
  }

  let body: unknown;
  if (response.status !== 204 && isJson(response)) {
    try {
      body = await response.json();
    } catch (cause) {
      throw new ApiError(`Malformed JSON (HTTP ${response.status})`, response.status, 'unexpected', undefined, {
        cause,
      });
    }
  }

  if (!response.ok) {
    if (response.status === 401 && token) hooks.onUnauthorized();
    const problem = asProblem(body);
    const detail = typeof problem?.detail === 'string' && problem.detail ? problem.detail : undefined;
    const title = typeof problem?.title === 'string' && problem.title ? problem.title : undefined;
    const message = detail ?? title;
    if (message) throw new ApiError(message, response.status, 'problem', problem);
    throw new ApiError(`HTTP ${response.status}`, response.status, 'http', problem);
  }

  if (response.status === 204) return { body: undefined as T, headers: response.headers, status: 204 };
  if (body === undefined) {
    // A 2xx that is not JSON, e.g. the SPA's index.html served for a path the server does not know.
    throw new ApiError(`Expected JSON from ${path}`, response.status, 'unexpected');
  }
  return { body: body as T, headers: response.headers, status: response.status };
}
