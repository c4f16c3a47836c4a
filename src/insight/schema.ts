/** Insight's own tables: which hours the indicator job computed per city, and the economic indicators the city publishes. */
import type { Migration } from '../platform/store/migrate.ts';

/**
 * - `insight_runs`: one row per (city, hour end) the job claimed. A process claims an hour with one conditional
 *   INSERT … ON CONFLICT DO UPDATE … WHERE (a failed run, or a claim gone stale), so two processes never compute the
 *   same hour; `status = 'done'` rows are the job's bookkeeping (the last hour computed, the catch-up's starting point).
 *   Indicator values themselves are `CityIndicator` entities in the hub, their history in the temporal store.
 * - `insight_published`: economic indicators the city publishes (GDP, retail sales…), one row per indicator and period;
 *   an upload of the same (indicator, period) replaces the figure.
 */
export const insightMigration: Migration = {
  id: '0015_insight',
  sql: `
    CREATE TABLE insight_runs (
      tenant_id text NOT NULL,
      hour_end timestamptz NOT NULL,
      status text NOT NULL CHECK (status IN ('running', 'done', 'failed')),
      claimed_by text NOT NULL,
      started_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz,
      indicators int,
      forecasts int,
      anomalies int,
      error text,
      PRIMARY KEY (tenant_id, hour_end)
    );
    CREATE INDEX insight_runs_done ON insight_runs (tenant_id, hour_end DESC) WHERE status = 'done';
    CREATE TABLE insight_published (
      tenant_id text NOT NULL,
      indicator text NOT NULL,
      period text NOT NULL,
      value double precision NOT NULL,
      unit text NOT NULL DEFAULT '',
      source text NOT NULL DEFAULT '',
      uploaded_by text,
      uploaded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, indicator, period)
    );`,
};
