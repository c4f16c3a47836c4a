/** The append-only audit table: triggers refuse UPDATE, DELETE and TRUNCATE. */
import type { Migration } from '../store/migrate.ts';

export const auditMigration: Migration = {
  id: '0003_audit',
  sql: `
    CREATE TABLE audit_log (
      tenant_id text NOT NULL,
      id bigint GENERATED ALWAYS AS IDENTITY,
      at timestamptz NOT NULL DEFAULT now(),
      actor_type text NOT NULL,
      actor_id text,
      actor_name text,
      action text NOT NULL,
      target_type text,
      target_id text,
      outcome text NOT NULL CHECK (outcome IN ('success', 'denied', 'failure')),
      reason text,
      request_id text,
      details jsonb NOT NULL DEFAULT '{}'::jsonb,
      PRIMARY KEY (tenant_id, id)
    );
    CREATE INDEX audit_log_by_action ON audit_log (tenant_id, action, id);
    CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
    END $$;
    CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();`,
};
