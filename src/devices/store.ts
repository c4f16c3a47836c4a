/** The SQL of the device registry. Activity counters are added in one statement per flush, never per message. */
import type { Queryable } from '../platform/store/store.ts';
import type { AttributeMapping, Device, DeviceActivity, DeviceCredential, DeviceView } from './model.ts';

interface DeviceRow {
  tenant_id: string;
  id: string;
  key_id: string;
  secret_hash: string;
  entity_id: string;
  entity_type: string;
  attributes: AttributeMapping[];
  owner_department: string | null;
  description: string;
  created_by: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  last_seen_at: Date | string | null;
  message_count: string | number;
  error_count: string | number;
  throttled_count: string | number;
  last_error: string | null;
  last_error_at: Date | string | null;
}

const COLUMNS = `tenant_id, id, key_id, secret_hash, entity_id, entity_type, attributes, owner_department, description,
  created_by, created_at, updated_at, last_seen_at, message_count, error_count, throttled_count, last_error, last_error_at`;

const iso = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());

function device(row: DeviceRow): Device {
  return {
    id: row.id,
    tenant: row.tenant_id,
    entityId: row.entity_id,
    entityType: row.entity_type,
    attributes: row.attributes,
    ownerDepartment: row.owner_department,
    description: row.description,
    keyId: row.key_id,
    createdBy: row.created_by,
    createdAt: iso(row.created_at) as string,
    updatedAt: iso(row.updated_at) as string,
  };
}

function view(row: DeviceRow): DeviceView {
  return {
    ...device(row),
    lastSeenAt: iso(row.last_seen_at),
    messageCount: Number(row.message_count),
    errorCount: Number(row.error_count),
    throttledCount: Number(row.throttled_count),
    lastError: row.last_error,
    lastErrorAt: iso(row.last_error_at),
  };
}

export async function insertDevice(
  q: Queryable,
  d: Omit<Device, 'createdAt' | 'updatedAt'> & { secretHash: string },
): Promise<DeviceView | undefined> {
  const rows = await q.query<DeviceRow>(
    `INSERT INTO devices (tenant_id, id, key_id, secret_hash, entity_id, entity_type, attributes, owner_department, description, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10)
     ON CONFLICT (tenant_id, id) DO NOTHING
     RETURNING ${COLUMNS}`,
    [d.tenant, d.id, d.keyId, d.secretHash, d.entityId, d.entityType, JSON.stringify(d.attributes), d.ownerDepartment, d.description, d.createdBy],
  );
  return rows[0] ? view(rows[0]) : undefined;
}

/** The devices of a city, or of one department of it. */
export async function listDevices(q: Queryable, tenant: string, department: string | null | undefined): Promise<DeviceView[]> {
  const rows =
    department === undefined
      ? await q.query<DeviceRow>(`SELECT ${COLUMNS} FROM devices WHERE tenant_id = $1 ORDER BY id`, [tenant])
      : await q.query<DeviceRow>(`SELECT ${COLUMNS} FROM devices WHERE tenant_id = $1 AND owner_department IS NOT DISTINCT FROM $2 ORDER BY id`, [
          tenant,
          department,
        ]);
  return rows.map(view);
}

export async function findDevice(q: Queryable, tenant: string, id: string): Promise<DeviceView | undefined> {
  const rows = await q.query<DeviceRow>(`SELECT ${COLUMNS} FROM devices WHERE tenant_id = $1 AND id = $2`, [tenant, id]);
  return rows[0] ? view(rows[0]) : undefined;
}

export async function findByKeyId(q: Queryable, keyId: string): Promise<DeviceCredential | undefined> {
  const rows = await q.query<DeviceRow>(`SELECT ${COLUMNS} FROM devices WHERE key_id = $1`, [keyId]);
  return rows[0] ? { device: device(rows[0]), secretHash: rows[0].secret_hash } : undefined;
}

export async function updateDevice(q: Queryable, tenant: string, id: string, change: { attributes?: AttributeMapping[]; description?: string }): Promise<DeviceView | undefined> {
  const rows = await q.query<DeviceRow>(
    `UPDATE devices SET attributes = COALESCE($3::jsonb, attributes), description = COALESCE($4, description), updated_at = now()
     WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [tenant, id, change.attributes ? JSON.stringify(change.attributes) : null, change.description ?? null],
  );
  return rows[0] ? view(rows[0]) : undefined;
}

export async function replaceKey(q: Queryable, tenant: string, id: string, keyId: string, secretHash: string): Promise<{ oldKeyId: string } | undefined> {
  const rows = await q.query<{ old_key_id: string }>(
    `UPDATE devices d SET key_id = $3, secret_hash = $4, updated_at = now()
     FROM (SELECT key_id AS old_key_id FROM devices WHERE tenant_id = $1 AND id = $2 FOR UPDATE) old
     WHERE d.tenant_id = $1 AND d.id = $2 RETURNING old.old_key_id`,
    [tenant, id, keyId, secretHash],
  );
  return rows[0] ? { oldKeyId: rows[0].old_key_id } : undefined;
}

export async function deleteDevice(q: Queryable, tenant: string, id: string): Promise<{ keyId: string } | undefined> {
  const rows = await q.query<{ key_id: string }>(`DELETE FROM devices WHERE tenant_id = $1 AND id = $2 RETURNING key_id`, [tenant, id]);
  return rows[0] ? { keyId: rows[0].key_id } : undefined;
}

/** Activity to add to a device's counters: the deltas since the last flush. */
export interface ActivityDelta {
  tenant: string;
  id: string;
  messages: number;
  errors: number;
  throttled: number;
  lastSeenAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
}

/** Adds the deltas of many devices in one statement (increments, so several nodes may flush at once). */
export async function addActivity(q: Queryable, deltas: readonly ActivityDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  await q.query(
    `UPDATE devices d SET
       message_count = d.message_count + x.messages,
       error_count = d.error_count + x.errors,
       throttled_count = d.throttled_count + x.throttled,
       last_seen_at = GREATEST(d.last_seen_at, x.last_seen_at),
       last_error = CASE WHEN x.last_error_at IS NOT NULL AND (d.last_error_at IS NULL OR x.last_error_at >= d.last_error_at) THEN x.last_error ELSE d.last_error END,
       last_error_at = GREATEST(d.last_error_at, x.last_error_at)
     FROM jsonb_to_recordset($1::jsonb) AS x(tenant text, id text, messages bigint, errors bigint, throttled bigint,
       last_seen_at timestamptz, last_error text, last_error_at timestamptz)
     WHERE d.tenant_id = x.tenant AND d.id = x.id`,
    [
      JSON.stringify(
        deltas.map((d) => ({
          tenant: d.tenant,
          id: d.id,
          messages: d.messages,
          errors: d.errors,
          throttled: d.throttled,
          last_seen_at: d.lastSeenAt,
          last_error: d.lastError,
          last_error_at: d.lastErrorAt,
        })),
      ),
    ],
  );
}

export function emptyActivity(): DeviceActivity {
  return { lastSeenAt: null, messageCount: 0, errorCount: 0, throttledCount: 0, lastError: null, lastErrorAt: null };
}
