/** Access tokens: compact JWS (HS256) carrying the principal, checked without a database round trip. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors/app-error.ts';
import { ROLES, type Principal, type Role } from './model.ts';

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

interface Claims {
  sub: string;
  ten: string;
  roles: Role[];
  dept: string | null;
  name: string;
  iat: number;
  exp: number;
}

function sign(input: string, secret: string): string {
  return createHmac('sha256', secret).update(input).digest('base64url');
}

export function signAccessToken(principal: Principal, secret: string, ttlSeconds: number, now = Date.now()): string {
  const iat = Math.floor(now / 1000);
  const claims: Claims = {
    sub: principal.id ?? '',
    ten: principal.tenant,
    roles: [...principal.roles],
    dept: principal.department,
    name: principal.name ?? '',
    iat,
    exp: iat + ttlSeconds,
  };
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${HEADER}.${body}.${sign(`${HEADER}.${body}`, secret)}`;
}

const invalid = (why: string) =>
  new AppError('UNAUTHENTICATED', `The access token is not valid (${why}); log in again to get a new one`);

/** Checks signature, algorithm and expiry; the principal the token was issued to and when the token expires (ms). */
function checkAccessToken(token: string, secret: string, now: number): { principal: Principal; expiresAt: number } {
  const parts = token.split('.');
  if (parts.length !== 3) throw invalid('not a JWT');
  const [header, body, signature] = parts as [string, string, string];
  // Only our own header is accepted: this refuses alg=none and algorithm confusion outright.
  if (header !== HEADER) throw invalid('unsupported algorithm');
  const expected = Buffer.from(sign(`${header}.${body}`, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid('bad signature');
  let claims: Claims;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Claims;
  } catch {
    throw invalid('unreadable claims');
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now) {
    throw new AppError('UNAUTHENTICATED', 'The access token has expired; log in again to get a new one');
  }
  if (typeof claims.sub !== 'string' || typeof claims.ten !== 'string' || !Array.isArray(claims.roles)) {
    throw invalid('missing claims');
  }
  const principal: Principal = {
    kind: 'user',
    id: claims.sub,
    name: claims.name,
    tenant: claims.ten,
    roles: claims.roles.filter((r): r is Role => (ROLES as readonly string[]).includes(r)),
    department: claims.dept ?? null,
  };
  return { principal, expiresAt: claims.exp * 1000 };
}

/** Checks signature, algorithm and expiry; returns the principal the token was issued to. */
export function verifyAccessToken(token: string, secret: string, now = Date.now()): Principal {
  return checkAccessToken(token, secret, now).principal;
}

/**
 * The access tokens this process has verified, by their text. A client sends the same token with every request
 * for its lifetime; the check is a function of token, secret and time alone, so each token's HMAC and claims are
 * checked once and only its expiry on every later request (they were 3 % of the server's CPU per geo-query).
 * A token that fails is not kept. Each caller gets its own copy of the principal.
 */
export class VerifiedTokens {
  readonly #entries = new Map<string, { principal: Principal; expiresAt: number }>();

  constructor(
    private readonly secret: string,
    private readonly limit = 10_000,
  ) {}

  verify(token: string, now = Date.now()): Principal {
    let entry = this.#entries.get(token);
    if (entry === undefined || entry.expiresAt <= now) {
      if (entry !== undefined) this.#entries.delete(token);
      entry = checkAccessToken(token, this.secret, now);
      if (this.#entries.size >= this.limit) this.#entries.delete(this.#entries.keys().next().value as string);
      this.#entries.set(token, entry);
    }
    return { ...entry.principal, roles: [...entry.principal.roles] };
  }
}
