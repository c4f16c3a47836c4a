import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { configureApiClient } from '../api/client.ts';
import { fetchMe, login as loginRequest, register as registerRequest } from '../api/endpoints.ts';
import type { LoginRequest, RegisterRequest, User } from '../api/types.ts';
import { currentLang, LOCALE } from '../i18n/index.ts';
import { navigate } from '../router/index.ts';
import {
  clearSession,
  loadSession,
  normalizeUser,
  SESSION_STORAGE_KEY,
  type Session,
  saveSession,
  sessionFromLogin,
} from './session.ts';

export interface AuthValue {
  session: Session | null;
  user: User | null;
  login: (request: LoginRequest) => Promise<User>;
  register: (request: RegisterRequest) => Promise<User>;
  /** Signs out locally and goes to the sign-in page. */
  logout: () => void;
}

const AuthContext = createContext<AuthValue | null>(null);

/** The sign-in page; after an expiry it brings the person back to where they were. */
function loginPath(reason?: 'expired'): string {
  if (!reason) return '/login';
  const here = window.location.pathname + window.location.search;
  const params = new URLSearchParams();
  if (here !== '/' && !here.startsWith('/login') && !here.startsWith('/register')) params.set('next', here);
  params.set('reason', reason);
  return `/login?${params.toString()}`;
}

/**
 * The session the API client reads. It is module state (not only React state) so that the
 * very first requests made by child components, whose effects run before this provider's,
 * already carry the token.
 */
let activeSession: Session | null = null;
let onRejectedToken: () => void = () => {};

configureApiClient({
  getToken: () => (activeSession && activeSession.expiresAt > Date.now() ? activeSession.token : null),
  onUnauthorized: () => onRejectedToken(),
  getLanguage: () => LOCALE[currentLang()],
});

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSessionState] = useState<Session | null>(() => {
    activeSession = loadSession();
    return activeSession;
  });
  const sessionRef = useRef(session);

  const setSession = useCallback((next: Session | null) => {
    activeSession = next;
    sessionRef.current = next;
    setSessionState(next);
  }, []);

  const endSession = useCallback(
    (reason?: 'expired') => {
      clearSession();
      setSession(null);
      navigate(loginPath(reason), { replace: reason === 'expired' });
    },
    [setSession],
  );

  // Assigned during render (not in an effect) so a 401 on the children's first requests is handled too.
  onRejectedToken = () => {
    if (activeSession) endSession('expired');
  };

  // Refresh the stored user (roles may have changed) once per token.
  const token = session?.token;
  useEffect(() => {
    if (!token) return;
    const controller = new AbortController();
    fetchMe(controller.signal).then(
      (user) => {
        const current = sessionRef.current;
        if (!current || current.token !== token) return;
        const next = { ...current, user: normalizeUser(user) };
        saveSession(next);
        setSession(next);
      },
      () => {
        // 401 is handled by the client (sign-out); other failures keep the stored user.
      },
    );
    return () => controller.abort();
  }, [token, setSession]);

  // Expire the session on time, even if no request is made.
  const expiresAt = session?.expiresAt;
  useEffect(() => {
    if (!expiresAt) return;
    const delay = Math.max(0, Math.min(expiresAt - Date.now(), 2_147_483_647));
    const timer = window.setTimeout(() => endSession('expired'), delay);
    return () => window.clearTimeout(timer);
  }, [expiresAt, endSession]);

  // Signing in or out in another tab applies here too.
  useEffect(() => {
    function onStorage(event: StorageEvent) {
      if (event.key !== SESSION_STORAGE_KEY) return;
      const next = loadSession();
      setSession(next);
      if (!next) navigate(loginPath(), { replace: true });
    }
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, [setSession]);

  const start = useCallback(
    (next: Session) => {
      saveSession(next);
      setSession(next);
      return next.user;
    },
    [setSession],
  );

  const login = useCallback(
    async (request: LoginRequest) => start(sessionFromLogin(await loginRequest(request))),
    [start],
  );
  const register = useCallback(
    async (request: RegisterRequest) => start(sessionFromLogin(await registerRequest(request))),
    [start],
  );
  const logout = useCallback(() => endSession(), [endSession]);

  const value = useMemo<AuthValue>(
    () => ({ session, user: session?.user ?? null, login, register, logout }),
    [session, login, register, logout],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth() must be used inside <AuthProvider>');
  return value;
}
