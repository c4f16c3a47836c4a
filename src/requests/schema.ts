/** The tables of citizen service requests: catalog, requests, timeline, media, tokens, followers, inbox and outbox. */
import type { Migration } from '../platform/store/migrate.ts';

/**
 * - `service_request_categories`: each city's catalog (seeded from catalog.ts the first time a city's catalog is read).
 * - `service_requests`: one row per request. `version` counts changes; `hub_version` is the version last written to
 *   the hub's ServiceRequest entity (the sweeper mends rows where it lags). `paused_at` is set while the SLA clock
 *   waits on the citizen; resuming adds the pause to `due_at`.
 *   Indexes: the duplicate check is one range scan of `service_requests_nearby` (open requests by category and
 *   latitude, longitude filtered in the index); the sweeper reads `service_requests_due` (open, unescalated, by due time).
 * - `service_request_events`: the timeline; `public` false hides an entry (e.g. a reopening reason) from the public view.
 * - `service_request_media`: uploaded photos (bytes in the store) and their review state.
 * - `service_request_inbox`: portal notifications by recipient (`user:<id>`, `apiKey:<id>` or `department:<id>`).
 * - `service_request_outbox`: webhook deliveries (taken with FOR UPDATE SKIP LOCKED, retried with backoff) and
 *   e-mails queued for a relay.
 */
export const requestsMigration: Migration = {
  id: '0010_service_requests',
  sql: `
    CREATE TABLE service_request_categories (
      tenant_id text NOT NULL REFERENCES tenants (id),
      code text NOT NULL,
      position int NOT NULL,
      definition jsonb NOT NULL,
      PRIMARY KEY (tenant_id, code)
    );
    CREATE SEQUENCE service_request_numbers;
    CREATE TABLE service_requests (
      tenant_id text NOT NULL REFERENCES tenants (id),
      id text NOT NULL,
      service_code text NOT NULL,
      status text NOT NULL CHECK (status IN ('open', 'acknowledged', 'in_progress', 'planned', 'fixed', 'closed')),
      close_reason text CHECK (close_reason IN ('duplicate', 'not_city_responsibility', 'no_further_action', 'referred')),
      status_notes text,
      description text NOT NULL,
      department text NOT NULL,
      district text,
      lat double precision,
      long double precision,
      address_string text,
      address_id text,
      media_url text,
      attributes jsonb NOT NULL DEFAULT '{}',
      reporter_key text,
      reporter_name text NOT NULL DEFAULT '',
      reporter_phone text NOT NULL DEFAULT '',
      reporter_email text NOT NULL DEFAULT '',
      reporter_device text,
      reporter_account text,
      requested_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      responded_at timestamptz,
      resolved_at timestamptz,
      due_at timestamptz NOT NULL,
      paused_at timestamptz,
      escalated_at timestamptz,
      assignee text,
      reopen_count int NOT NULL DEFAULT 0,
      rating_score int CHECK (rating_score BETWEEN 1 AND 5),
      rating_comment text,
      duplicate_of text,
      followers int NOT NULL DEFAULT 0,
      version int NOT NULL DEFAULT 1,
      hub_version int NOT NULL DEFAULT 0,
      PRIMARY KEY (tenant_id, id)
    );
    CREATE INDEX service_requests_nearby ON service_requests (tenant_id, service_code, lat, long, requested_at)
      WHERE status NOT IN ('fixed', 'closed') AND lat IS NOT NULL;
    CREATE INDEX service_requests_due ON service_requests (due_at)
      WHERE escalated_at IS NULL AND paused_at IS NULL AND status NOT IN ('fixed', 'closed');
    CREATE INDEX service_requests_hub_lag ON service_requests (tenant_id) WHERE hub_version < version;
    CREATE INDEX service_requests_by_time ON service_requests (tenant_id, requested_at);
    CREATE INDEX service_requests_by_department ON service_requests (tenant_id, department, due_at);
    CREATE INDEX service_requests_by_reporter ON service_requests (tenant_id, reporter_key, requested_at);
    CREATE TABLE service_request_events (
      tenant_id text NOT NULL,
      request_id text NOT NULL,
      seq bigserial,
      at timestamptz NOT NULL,
      kind text NOT NULL,
      status text,
      actor text,
      text text NOT NULL,
      public boolean NOT NULL DEFAULT true,
      PRIMARY KEY (tenant_id, request_id, seq)
    );
    CREATE TABLE service_request_media (
      tenant_id text NOT NULL REFERENCES tenants (id),
      id text NOT NULL,
      request_id text,
      content_type text NOT NULL,
      size int NOT NULL,
      bytes bytea NOT NULL,
      uploaded_by text NOT NULL,
      review text NOT NULL DEFAULT 'pending' CHECK (review IN ('pending', 'approved', 'rejected')),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id)
    );
    CREATE INDEX service_request_media_by_request ON service_request_media (tenant_id, request_id);
    CREATE TABLE service_request_tokens (
      tenant_id text NOT NULL,
      token text NOT NULL,
      request_id text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, token)
    );
    CREATE TABLE service_request_followers (
      tenant_id text NOT NULL,
      request_id text NOT NULL,
      follower_key text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, request_id, follower_key)
    );
    CREATE INDEX service_request_followers_by_follower ON service_request_followers (tenant_id, follower_key);
    CREATE TABLE service_request_inbox (
      id bigserial PRIMARY KEY,
      tenant_id text NOT NULL,
      recipient_key text NOT NULL,
      request_id text NOT NULL,
      status text NOT NULL,
      text text NOT NULL,
      at timestamptz NOT NULL,
      read_at timestamptz
    );
    CREATE INDEX service_request_inbox_by_recipient ON service_request_inbox (tenant_id, recipient_key, id);
    CREATE TABLE service_request_outbox (
      id bigserial PRIMARY KEY,
      tenant_id text NOT NULL,
      channel text NOT NULL CHECK (channel IN ('webhook', 'email')),
      target text NOT NULL,
      payload jsonb NOT NULL,
      attempts int NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      leased_until timestamptz,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      delivered_at timestamptz,
      failed_at timestamptz
    );
    CREATE INDEX service_request_outbox_due ON service_request_outbox (next_attempt_at)
      WHERE channel = 'webhook' AND delivered_at IS NULL AND failed_at IS NULL;
    -- Aborts the statement that files a request when a check over its own CTEs fails (e.g. a photo already used),
    -- so nothing of it is written: SQLSTATE 22023 with the message naming the problem.
    CREATE FUNCTION service_request_check(ok boolean, message text) RETURNS boolean LANGUAGE plpgsql AS $$
    BEGIN
      IF NOT ok THEN
        RAISE EXCEPTION '%', message USING ERRCODE = '22023';
      END IF;
      RETURN true;
    END $$;`,
};
