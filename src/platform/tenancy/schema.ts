/** Tables of cities (tenants), their departments and platform-wide settings. */
import type { Migration } from '../store/migrate.ts';

export const tenancyMigration: Migration = {
  id: '0001_tenancy',
  sql: `
    CREATE TABLE platform_settings (
      key text PRIMARY KEY,
      value jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE tenants (
      id text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_-]{0,62}$'),
      name_zh text NOT NULL,
      name_en text NOT NULL,
      profile jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE departments (
      tenant_id text NOT NULL REFERENCES tenants (id),
      id text NOT NULL,
      name_zh text NOT NULL,
      name_en text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id)
    );`,
};
