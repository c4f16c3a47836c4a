/** The tables of the alarms service: rules, noise policies, silences, engine state, alarms, suppressed signals and the alarm timeline. */
import type { Migration } from '../platform/store/migrate.ts';

/**
 * - `alarm_rules`, `alarm_policies`: each city's detection rules and noise policies as sent (`document`, the
 *   `AlarmRuleInput` / `NoisePolicyInput`), re-validated into the engine at start. `version` counts edits.
 * - `alarm_silences`: silences and maintenance windows over `[from_at, to_at)`.
 * - `alarm_seeds`: a city whose rule set was seeded from `defaults.ts` (once: deleting every rule does not bring them back).
 * - `alarm_engine_state`: the engine's state rows (`drainState()`), by key, so a restart in the middle of a `for`
 *   duration or a corroboration window continues where it stopped.
 * - `alarms`: one row per alarm (active or cleared). `version` counts changes; `hub_version` is the version last
 *   written to the hub's `Alert` entity (the sweeper mends rows where it lags). `alarms_active` restores the
 *   engine's active alarms at start; `alarms_by_time` serves the console's list, newest first.
 * - `alarm_suppressed`: every suppressed signal with why (`reason_code` + the reason with its figures).
 * - `alarm_events`: the timeline of an alarm (raised, repeated, acknowledged, cleared — who and when); `signals`
 *   counts the raw triggers behind the entry, for the "noise filtered" figures.
 */
export const alarmsMigration: Migration = {
  id: '0013_alarms',
  sql: `
    CREATE TABLE alarm_rules (
      tenant_id text NOT NULL REFERENCES tenants (id),
      id text NOT NULL,
      document jsonb NOT NULL,
      enabled boolean NOT NULL,
      version int NOT NULL DEFAULT 1,
      updated_by text,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id)
    );
    CREATE TABLE alarm_policies (
      tenant_id text NOT NULL REFERENCES tenants (id),
      id text NOT NULL,
      document jsonb NOT NULL,
      enabled boolean NOT NULL,
      version int NOT NULL DEFAULT 1,
      updated_by text,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id)
    );
    CREATE TABLE alarm_silences (
      tenant_id text NOT NULL REFERENCES tenants (id),
      id text NOT NULL,
      document jsonb NOT NULL,
      from_at timestamptz NOT NULL,
      to_at timestamptz NOT NULL,
      created_by text,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id)
    );
    CREATE TABLE alarm_seeds (
      tenant_id text PRIMARY KEY REFERENCES tenants (id),
      seeded_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE alarm_engine_state (
      tenant_id text NOT NULL,
      key text NOT NULL,
      value jsonb NOT NULL,
      PRIMARY KEY (tenant_id, key)
    );
    CREATE TABLE alarms (
      tenant_id text NOT NULL REFERENCES tenants (id),
      id text NOT NULL,
      originator text NOT NULL,
      originator_type text NOT NULL,
      alarm_type text NOT NULL,
      category text NOT NULL,
      severity text NOT NULL CHECK (severity IN ('critical', 'major', 'minor', 'warning', 'indeterminate')),
      status text NOT NULL CHECK (status IN ('active', 'cleared')),
      acknowledged boolean NOT NULL DEFAULT false,
      acknowledged_by text,
      acknowledged_at timestamptz,
      count int NOT NULL,
      first_seen timestamptz NOT NULL,
      last_seen timestamptz NOT NULL,
      cleared_at timestamptz,
      location jsonb,
      district text,
      situation_id text,
      rule_id text NOT NULL,
      policy_id text,
      evidence jsonb NOT NULL DEFAULT '[]',
      description jsonb NOT NULL,
      version int NOT NULL DEFAULT 1,
      hub_version int NOT NULL DEFAULT 0,
      PRIMARY KEY (tenant_id, id)
    );
    CREATE INDEX alarms_active ON alarms (tenant_id) WHERE status = 'active';
    CREATE INDEX alarms_by_time ON alarms (tenant_id, last_seen DESC);
    CREATE INDEX alarms_by_first_seen ON alarms (tenant_id, first_seen);
    CREATE INDEX alarms_hub_lag ON alarms (tenant_id) WHERE hub_version < version;
    CREATE TABLE alarm_suppressed (
      tenant_id text NOT NULL,
      seq bigserial,
      at timestamptz NOT NULL,
      signal jsonb NOT NULL,
      reason_code text NOT NULL,
      reason jsonb NOT NULL,
      alarm_type text NOT NULL,
      originator text NOT NULL,
      PRIMARY KEY (tenant_id, seq)
    );
    CREATE INDEX alarm_suppressed_by_time ON alarm_suppressed (tenant_id, at DESC);
    CREATE INDEX alarm_suppressed_by_reason ON alarm_suppressed (tenant_id, reason_code, at DESC);
    CREATE TABLE alarm_events (
      tenant_id text NOT NULL,
      alarm_id text NOT NULL,
      seq bigserial,
      at timestamptz NOT NULL,
      kind text NOT NULL CHECK (kind IN ('raised', 'repeated', 'acknowledged', 'cleared')),
      actor text,
      note text,
      count int,
      signals int NOT NULL DEFAULT 0,
      PRIMARY KEY (tenant_id, alarm_id, seq)
    );
    CREATE INDEX alarm_events_by_time ON alarm_events (tenant_id, at);`,
};
