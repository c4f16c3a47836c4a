/** Subscriptions and the notification outbox: tables. */
import type { Migration } from '../platform/store/migrate.ts';

/**
 * - `ngsi_subscriptions`: one row per subscription (clause 5.2.12) of a city. `body` holds the subscription as
 *   checked (attribute names expanded, q/type as written), `context` the @context its terms are read and its
 *   notifications compacted with, `owner` the principal whose read policy its notifications obey. The status
 *   counters (timesSent …) are columns, added to in batches by whichever process delivered.
 *   `next_periodic_at`: when a periodic (timeInterval) subscription is due; one process claims it by moving it on.
 * - `ngsi_subscription_revision`: one row, bumped by every change of a subscription, so other processes see cheaply
 *   that their cached subscriptions are stale.
 * - `ngsi_notification_outbox`: one row per notification item still to deliver, written in the same statement as
 *   the entity change that caused it. `seq` orders them (per entity, writes are serialised, so seq follows them);
 *   `lease_owner`/`lease_until`: the process that is delivering the row; a row whose lease ran out is taken over
 *   by another (FOR UPDATE SKIP LOCKED). Delivered rows are deleted.
 */
export const subscriptionsMigration: Migration = {
  id: '0007_subscriptions',
  sql: `
    CREATE TABLE ngsi_subscriptions (
      tenant text NOT NULL,
      id text NOT NULL,
      owner jsonb NOT NULL,
      context jsonb,
      body jsonb NOT NULL,
      is_active boolean NOT NULL DEFAULT true,
      expires_at timestamptz,
      time_interval double precision,
      next_periodic_at timestamptz,
      created_at timestamptz NOT NULL,
      modified_at timestamptz NOT NULL,
      times_sent bigint NOT NULL DEFAULT 0,
      times_failed bigint NOT NULL DEFAULT 0,
      last_notification timestamptz,
      last_success timestamptz,
      last_failure timestamptz,
      last_failure_reason text,
      PRIMARY KEY (tenant, id)
    );
    CREATE INDEX ngsi_subscriptions_periodic ON ngsi_subscriptions (next_periodic_at) WHERE time_interval IS NOT NULL;
    CREATE TABLE ngsi_subscription_revision (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      revision bigint NOT NULL
    );
    INSERT INTO ngsi_subscription_revision (revision) VALUES (0);
    CREATE TABLE ngsi_notification_outbox (
      key text PRIMARY KEY,
      seq bigint GENERATED ALWAYS AS IDENTITY,
      tenant text NOT NULL,
      subscription_id text NOT NULL,
      entity_id text NOT NULL,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      lease_owner text,
      lease_until timestamptz
    );
    CREATE INDEX ngsi_notification_outbox_queue ON ngsi_notification_outbox (tenant, subscription_id, seq);
    CREATE INDEX ngsi_notification_outbox_lease ON ngsi_notification_outbox (lease_until);`,
};
