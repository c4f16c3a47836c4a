/** Shapes of the CityCloud server API (/api/v1) as the portal uses them. */

export const ROLES = ['citizen', 'enterprise', 'officer', 'operator', 'developer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export interface User {
  id: string;
  username: string;
  displayName: string;
  roles: Role[];
  tenant: string;
  department: string | null;
}

export interface AdminUser extends User {
  createdAt: string;
  disabled: boolean;
}

/** RFC 7807 problem details, as every error response of the server carries. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  [extra: string]: unknown;
}

export interface LoginRequest {
  username: string;
  password: string;
  tenant?: string;
}

export interface RegisterRequest {
  username: string;
  password: string;
  displayName?: string;
}

export interface LoginResponse {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds until the token expires. */
  expiresIn: number;
  user: User;
}

export interface LocalizedText {
  zh: string;
  en: string;
}

export type Position = [number, number] | number[];
export interface PolygonGeometry {
  type: 'Polygon';
  coordinates: Position[][];
}
export interface MultiPolygonGeometry {
  type: 'MultiPolygon';
  coordinates: Position[][][];
}
export interface DistrictProperties {
  id: string;
  /** Chinese name. */
  name: string;
  nameEn: string;
  [extra: string]: unknown;
}
export interface DistrictFeature {
  type: 'Feature';
  id?: string | number;
  geometry: PolygonGeometry | MultiPolygonGeometry;
  properties: DistrictProperties;
}
export interface DistrictCollection {
  type: 'FeatureCollection';
  features: DistrictFeature[];
}

export interface City {
  tenant: string;
  name: LocalizedText;
  /** [longitude, latitude] */
  center: [number, number];
  districts: DistrictCollection;
}

export interface Department {
  id: string;
  name: LocalizedText;
}

export interface CreateUserRequest {
  username: string;
  password: string;
  displayName?: string;
  roles: Role[];
  department?: string;
}

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  department: string | null;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreateKeyRequest {
  name: string;
  role: Role;
  department?: string;
}

export interface CreatedKey {
  apiKey: ApiKey;
  /** The full secret (`cck_…`); the server returns it only in this response. */
  key: string;
}

export type ActorType = 'user' | 'apiKey' | 'system' | 'anonymous';
export type AuditOutcome = 'success' | 'denied' | 'failure';

export interface AuditEntry {
  id: string;
  at: string;
  actor: { type: ActorType; id: string | null; name: string | null };
  action: string;
  target: { type: string | null; id: string | null };
  outcome: AuditOutcome;
  requestId: string | null;
  details: Record<string, unknown>;
}

export interface AuditPage {
  entries: AuditEntry[];
  next: string | null;
}

export interface AuditQuery {
  limit?: number;
  before?: string;
  action?: string;
}
