/** The device registry: one row per device, with its key hash and its activity counters. */
import type { Migration } from '../platform/store/migrate.ts';

export const devicesMigration: Migration = {
  id: '0008_devices',
  sql: `
    CREATE TABLE devices (
      tenant_id text NOT NULL REFERENCES tenants (id),
      id text NOT NULL,
      -- Keys are looked up by their id alone (it is in the key), so the id is unique platform-wide.
      key_id text NOT NULL UNIQUE,
      secret_hash text NOT NULL,
      entity_id text NOT NULL,
      entity_type text NOT NULL,
      attributes jsonb NOT NULL DEFAULT '[]',
      owner_department text,
      description text NOT NULL DEFAULT '',
      created_by text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      last_seen_at timestamptz,
      message_count bigint NOT NULL DEFAULT 0,
      error_count bigint NOT NULL DEFAULT 0,
      throttled_count bigint NOT NULL DEFAULT 0,
      last_error text,
      last_error_at timestamptz,
      PRIMARY KEY (tenant_id, id),
      FOREIGN KEY (tenant_id, owner_department) REFERENCES departments (tenant_id, id)
    );
    CREATE INDEX devices_by_department ON devices (tenant_id, owner_department);`,
};
