/** One typed function per server endpoint the portal calls. */
import { apiRequest } from './client.ts';
import type {
  AdminUser,
  ApiKey,
  AuditPage,
  AuditQuery,
  City,
  CreatedKey,
  CreateKeyRequest,
  CreateUserRequest,
  Department,
  LoginRequest,
  LoginResponse,
  RegisterRequest,
  User,
} from './types.ts';

const V1 = '/api/v1';

export function login(body: LoginRequest): Promise<LoginResponse> {
  return apiRequest(`${V1}/auth/login`, { method: 'POST', body, auth: false });
}

export function register(body: RegisterRequest): Promise<LoginResponse> {
  return apiRequest(`${V1}/auth/register`, { method: 'POST', body, auth: false });
}

export async function fetchMe(signal?: AbortSignal): Promise<User> {
  const { user } = await apiRequest<{ user: User }>(`${V1}/me`, { signal });
  return user;
}

export function fetchCity(signal?: AbortSignal): Promise<City> {
  return apiRequest(`${V1}/city`, { signal });
}

export async function fetchDepartments(signal?: AbortSignal): Promise<Department[]> {
  const { departments } = await apiRequest<{ departments: Department[] }>(`${V1}/departments`, { signal });
  return departments;
}

export async function fetchUsers(signal?: AbortSignal): Promise<AdminUser[]> {
  const { users } = await apiRequest<{ users: AdminUser[] }>(`${V1}/users`, { signal });
  return users;
}

export async function createUser(body: CreateUserRequest): Promise<User> {
  const { user } = await apiRequest<{ user: User }>(`${V1}/users`, { method: 'POST', body });
  return user;
}

export async function fetchKeys(signal?: AbortSignal): Promise<ApiKey[]> {
  const { keys } = await apiRequest<{ keys: ApiKey[] }>(`${V1}/keys`, { signal });
  return keys;
}

export function createKey(body: CreateKeyRequest): Promise<CreatedKey> {
  return apiRequest(`${V1}/keys`, { method: 'POST', body });
}

export function revokeKey(id: string): Promise<void> {
  return apiRequest(`${V1}/keys/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export function fetchAudit(query: AuditQuery, signal?: AbortSignal): Promise<AuditPage> {
  return apiRequest(`${V1}/audit`, {
    query: { limit: query.limit ?? 50, before: query.before, action: query.action },
    signal,
  });
}
