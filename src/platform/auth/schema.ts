/** Tables of principals: users (scrypt password hashes) and API keys (hashed secrets). */
import type { Migration } from '../store/migrate.ts';

export const authMigration: Migration = {
  id: '0002_auth',
  sql: `
    CREATE TABLE users (
      tenant_id text NOT NULL REFERENCES tenants (id),
      id uuid NOT NULL,
      username text NOT NULL,
      display_name text NOT NULL,
      password_hash text NOT NULL,
      roles text[] NOT NULL,
      department_id text,
      disabled boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id),
      UNIQUE (tenant_id, username),
      FOREIGN KEY (tenant_id, department_id) REFERENCES departments (tenant_id, id)
    );
    -- Keys are looked up by id alone (the id is in the key), so the id is unique platform-wide.
    CREATE TABLE api_keys (
      id text PRIMARY KEY,
      tenant_id text NOT NULL REFERENCES tenants (id),
      name text NOT NULL,
      role text NOT NULL,
      department_id text,
      secret_hash text NOT NULL,
      created_by text,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz,
      revoked_at timestamptz,
      FOREIGN KEY (tenant_id, department_id) REFERENCES departments (tenant_id, id)
    );
    CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, created_at);`,
};
