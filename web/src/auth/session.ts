/** The signed-in session, kept in localStorage so a reload or a new tab stays signed in. */
import { isRole, type LoginResponse, type Role, type User } from '../api/types.ts';

export interface Session {
  token: string;
  user: User;
  /** Epoch milliseconds after which the token is no longer valid. */
  expiresAt: number;
}

export const SESSION_STORAGE_KEY = 'citycloud.session';

function isUser(value: unknown): value is User {
  if (value === null || typeof value !== 'object') return false;
  const user = value as Record<string, unknown>;
  return (
    typeof user.id === 'string' &&
    typeof user.username === 'string' &&
    typeof user.displayName === 'string' &&
    typeof user.tenant === 'string' &&
    Array.isArray(user.roles) &&
    (user.department === null || user.department === undefined || typeof user.department === 'string')
  );
}

/** Cleans a user object from the server or storage: unknown roles are dropped. */
export function normalizeUser(user: User): User {
  return { ...user, roles: user.roles.filter(isRole), department: user.department ?? null };
}

export function sessionFromLogin(response: LoginResponse, now: number = Date.now()): Session {
  const ttl = Number.isFinite(response.expiresIn) && response.expiresIn > 0 ? response.expiresIn : 3600;
  return { token: response.accessToken, user: normalizeUser(response.user), expiresAt: now + ttl * 1000 };
}

export function loadSession(now: number = Date.now()): Session | null {
  try {
    const raw = window.localStorage.getItem(SESSION_STORAGE_KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<Session>;
    if (typeof parsed.token !== 'string' || !parsed.token || !isUser(parsed.user)) return null;
    if (typeof parsed.expiresAt !== 'number' || parsed.expiresAt <= now) {
      window.localStorage.removeItem(SESSION_STORAGE_KEY);
      return null;
    }
    return { token: parsed.token, user: normalizeUser(parsed.user), expiresAt: parsed.expiresAt };
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  try {
    window.localStorage.setItem(SESSION_STORAGE_KEY, JSON.stringify(session));
  } catch {
    // Storage unavailable: the session lasts as long as the page.
  }
}

export function clearSession(): void {
  try {
    window.localStorage.removeItem(SESSION_STORAGE_KEY);
  } catch {
    // Nothing stored.
  }
}

export function hasAnyRole(user: User | null | undefined, roles: readonly Role[] | 'all'): boolean {
  if (!user) return false;
  if (roles === 'all') return true;
  return user.roles.some((role) => roles.includes(role));
}
