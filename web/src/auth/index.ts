export { type AuthValue, AuthProvider, useAuth } from './AuthProvider.tsx';
export { clearSession, hasAnyRole, loadSession, type Session, saveSession } from './session.ts';
