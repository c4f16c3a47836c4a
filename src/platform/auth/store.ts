/** SQL for users and API keys. */
import type { Queryable } from '../store/store.ts';
import type { ApiKeyRecord, Role, UserRecord } from './model.ts';

interface UserRow {
  tenant_id: string;
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  roles: Role[];
  department_id: string | null;
  disabled: boolean;
  created_at: Date;
}

interface KeyRow {
  id: string;
  tenant_id: string;
  name: string;
  role: Role;
  department_id: string | null;
  secret_hash: string;
  created_by: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface StoredUser extends UserRecord {
  passwordHash: string;
}

export interface StoredKey extends ApiKeyRecord {
  tenant: string;
  secretHash: string;
}

const toUser = (r: UserRow): StoredUser => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  roles: r.roles,
  tenant: r.tenant_id,
  department: r.department_id,
  disabled: r.disabled,
  createdAt: r.created_at.toISOString(),
  passwordHash: r.password_hash,
});

const toKey = (r: KeyRow): StoredKey => ({
  id: r.id,
  tenant: r.tenant_id,
  name: r.name,
  role: r.role,
  department: r.department_id,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  lastUsedAt: r.last_used_at?.toISOString() ?? null,
  revokedAt: r.revoked_at?.toISOString() ?? null,
  secretHash: r.secret_hash,
});

export async function insertUser(
  q: Queryable,
  user: { tenant: string; id: string; username: string; displayName: string; passwordHash: string; roles: Role[]; department: string | null },
): Promise<StoredUser | undefined> {
  const rows = await q.query<UserRow>(
    `INSERT INTO users (tenant_id, id, username, display_name, password_hash, roles, department_id)
     VALUES ($1, $2, $3, $4, $5, $6::text[], $7)
     ON CONFLICT (tenant_id, username) DO NOTHING
     RETURNING *`,
    [user.tenant, user.id, user.username, user.displayName, user.passwordHash, user.roles, user.department],
  );
  return rows[0] && toUser(rows[0]);
}

export async function findUserByName(q: Queryable, tenant: string, username: string): Promise<StoredUser | undefined> {
  const rows = await q.query<UserRow>('SELECT * FROM users WHERE tenant_id = $1 AND username = $2', [tenant, username]);
  return rows[0] && toUser(rows[0]);
}

export async function findUserById(q: Queryable, tenant: string, id: string): Promise<StoredUser | undefined> {
  const rows = await q.query<UserRow>('SELECT * FROM users WHERE tenant_id = $1 AND id::text = $2', [tenant, id]);
  return rows[0] && toUser(rows[0]);
}

export async function listUsers(q: Queryable, tenant: string): Promise<StoredUser[]> {
  const rows = await q.query<UserRow>('SELECT * FROM users WHERE tenant_id = $1 ORDER BY created_at, username', [tenant]);
  return rows.map(toUser);
}

export async function countAdmins(q: Queryable, tenant: string): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM users WHERE tenant_id = $1 AND 'admin' = ANY (roles)`,
    [tenant],
  );
  return row?.n ?? 0;
}

export async function insertKey(
  q: Queryable,
  key: { id: string; tenant: string; name: string; role: Role; department: string | null; secretHash: string; createdBy: string | null },
): Promise<StoredKey> {
  const rows = await q.query<KeyRow>(
    `INSERT INTO api_keys (id, tenant_id, name, role, department_id, secret_hash, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [key.id, key.tenant, key.name, key.role, key.department, key.secretHash, key.createdBy],
  );
  return toKey(rows[0] as KeyRow);
}

export async function findKey(q: Queryable, id: string): Promise<StoredKey | undefined> {
  const rows = await q.query<KeyRow>('SELECT * FROM api_keys WHERE id = $1', [id]);
  return rows[0] && toKey(rows[0]);
}

export async function listKeys(q: Queryable, tenant: string): Promise<StoredKey[]> {
  const rows = await q.query<KeyRow>('SELECT * FROM api_keys WHERE tenant_id = $1 ORDER BY created_at', [tenant]);
  return rows.map(toKey);
}

export async function revokeKey(q: Queryable, tenant: string, id: string): Promise<boolean> {
  const rows = await q.query(
    'UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING id',
    [tenant, id],
  );
  return rows.length > 0;
}

export async function touchKeys(q: Queryable, ids: readonly string[]): Promise<void> {
  await q.query('UPDATE api_keys SET last_used_at = now() WHERE id = ANY ($1::text[])', [ids]);
}

export async function updatePassword(q: Queryable, tenant: string, username: string, passwordHash: string): Promise<string | undefined> {
  const rows = await q.query<{ id: string }>(
    'UPDATE users SET password_hash = $3 WHERE tenant_id = $1 AND username = $2 RETURNING id::text AS id',
    [tenant, username, passwordHash],
  );
  return rows[0]?.id;
}
