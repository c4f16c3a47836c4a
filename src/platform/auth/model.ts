/** Who is acting: principals (users, API keys, the system) and their roles inside one city. */

export const ROLES = ['citizen', 'enterprise', 'officer', 'operator', 'developer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type PrincipalKind = 'user' | 'apiKey' | 'system' | 'anonymous';

export interface Principal {
  kind: PrincipalKind;
  /** User id or API key id; null for anonymous. */
  id: string | null;
  name: string | null;
  /** The city this principal belongs to; it never acts in another. */
  tenant: string;
  roles: readonly Role[];
  department: string | null;
}

export interface User {
  id: string;
  username: string;
  displayName: string;
  roles: Role[];
  tenant: string;
  department: string | null;
}

export interface UserRecord extends User {
  createdAt: string;
  disabled: boolean;
}

export interface ApiKeyRecord {
  id: string;
  name: string;
  role: Role;
  department: string | null;
  createdAt: string;
  createdBy: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export function anonymous(tenant: string): Principal {
  return { kind: 'anonymous', id: null, name: null, tenant, roles: [], department: null };
}

export function systemPrincipal(tenant: string, name = 'system'): Principal {
  return { kind: 'system', id: null, name, tenant, roles: ['admin'], department: null };
}

export function hasAnyRole(principal: Principal, roles: readonly Role[]): boolean {
  return principal.roles.some((role) => roles.includes(role));
}
