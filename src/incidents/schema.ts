/** The tables of incidents: incidents, the alerts that joined them, their units, and the timeline. */
import type { Migration } from '../platform/store/migrate.ts';

/**
 * - `incidents`: one row per incident; `plan` is the response plan as it was when opened (a later change of the plans
 *   does not rewrite a running incident); `steps` maps step id → { doneAt, doneBy }. `version` counts changes,
 *   `hub_version` the version last written to the hub's Incident entity (the sweeper mends rows where it lags).
 *   Indexes: open incidents by type and position (the 200 m join check), unacknowledged ones by due time (the sweeper).
 * - `incident_alerts`: which alert joined which incident; the primary key makes an alert join at most once, however
 *   often its entity changes and however many processes hear of it.
 * - `incident_units`: a unit's part in an incident, with a time per status; the partial unique index lets a unit
 *   take part in one incident at a time (a second dispatch anywhere is refused by the database itself).
 * - `incident_events`: the timeline (kind, actor, details), in order of `seq`.
 */
export const incidentsMigration: Migration = {
  id: '0014_incidents',
  sql: `
    CREATE SEQUENCE incident_numbers;
    CREATE TABLE incidents (
      tenant_id text NOT NULL REFERENCES tenants (id),
      id text NOT NULL,
      type text NOT NULL,
      title text NOT NULL,
      status text NOT NULL CHECK (status IN ('open', 'acknowledged', 'closed')),
      severity text NOT NULL CHECK (severity IN ('critical', 'major', 'minor', 'warning', 'indeterminate')),
      lat double precision NOT NULL,
      long double precision NOT NULL,
      district text,
      service_code text,
      opened_by text NOT NULL,
      opened_at timestamptz NOT NULL,
      ack_due_at timestamptz NOT NULL,
      acknowledged_by text,
      acknowledged_at timestamptz,
      escalated_at timestamptz,
      closed_by text,
      closed_at timestamptz,
      outcome text,
      note text,
      request_ids text[] NOT NULL DEFAULT '{}',
      plan jsonb NOT NULL,
      steps jsonb NOT NULL DEFAULT '{}',
      version int NOT NULL DEFAULT 1,
      hub_version int NOT NULL DEFAULT 0,
      PRIMARY KEY (tenant_id, id)
    );
    CREATE INDEX incidents_open_nearby ON incidents (tenant_id, type, lat, long) WHERE status <> 'closed';
    CREATE INDEX incidents_ack_due ON incidents (ack_due_at) WHERE status = 'open' AND escalated_at IS NULL;
    CREATE INDEX incidents_hub_lag ON incidents (tenant_id) WHERE hub_version < version;
    CREATE INDEX incidents_by_time ON incidents (tenant_id, opened_at);
    CREATE TABLE incident_alerts (
      tenant_id text NOT NULL,
      alert_id text NOT NULL,
      incident_id text NOT NULL,
      joined_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, alert_id)
    );
    CREATE INDEX incident_alerts_by_incident ON incident_alerts (tenant_id, incident_id);
    CREATE TABLE incident_units (
      id bigserial PRIMARY KEY,
      tenant_id text NOT NULL,
      incident_id text NOT NULL,
      unit_id text NOT NULL,
      vehicle_kind text,
      status text NOT NULL CHECK (status IN ('dispatched', 'enRoute', 'onScene', 'clear')),
      dispatched_by text NOT NULL,
      dispatched_at timestamptz NOT NULL,
      en_route_at timestamptz,
      on_scene_at timestamptz,
      cleared_at timestamptz
    );
    CREATE INDEX incident_units_by_incident ON incident_units (tenant_id, incident_id);
    CREATE UNIQUE INDEX incident_units_active ON incident_units (tenant_id, unit_id) WHERE status <> 'clear';
    CREATE TABLE incident_events (
      tenant_id text NOT NULL,
      incident_id text NOT NULL,
      seq bigserial,
      at timestamptz NOT NULL,
      actor text NOT NULL,
      kind text NOT NULL,
      details jsonb NOT NULL DEFAULT '{}',
      PRIMARY KEY (tenant_id, incident_id, seq)
    );`,
};
