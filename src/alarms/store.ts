/** The SQL of the alarms service: configuration documents, engine state, alarms with their timeline, and suppressed signals. */
import { PLAN_ONCE, type Queryable } from '../platform/store/store.ts';
import type { AlarmState, Bilingual, Signal, StateRow, SuppressionReason } from './engine/model.ts';
import type { AlarmFilter, AlarmStats, AlarmTimelineEntry, AlarmView, SuppressedFilter, SuppressedView } from './model.ts';

export const ALERT_PREFIX = 'urn:ngsi-ld:Alert:';

/** The tables holding configuration documents. */
export type DocumentTable = 'alarm_rules' | 'alarm_policies';

export interface DocumentRow {
  id: string;
  document: Record<string, unknown>;
  enabled: boolean;
  version: number;
  updated_by: string | null;
  updated_at: Date;
}

export interface SilenceRow {
  id: string;
  document: Record<string, unknown>;
  from_at: Date;
  to_at: Date;
  created_by: string | null;
  created_at: Date;
}

export interface AlarmRow {
  id: string;
  originator: string;
  originator_type: string;
  alarm_type: string;
  category: string;
  severity: AlarmState['severity'];
  status: 'active' | 'cleared';
  acknowledged: boolean;
  acknowledged_by: string | null;
  acknowledged_at: Date | null;
  count: number;
  first_seen: Date;
  last_seen: Date;
  cleared_at: Date | null;
  location: AlarmState['location'] | null;
  district: string | null;
  situation_id: string | null;
  rule_id: string;
  policy_id: string | null;
  evidence: Signal[];
  description: Bilingual;
  version: number;
}

const ALARM_COLUMNS = `id, originator, originator_type, alarm_type, category, severity, status, acknowledged, acknowledged_by, acknowledged_at,
  count, first_seen, last_seen, cleared_at, location, district, situation_id, rule_id, policy_id, evidence, description, version`;

const iso = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());

/** Parameters numbered as they are added. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

// ---- configuration ---------------------------------------------------------------------------------------------

export async function listDocuments(q: Queryable, table: DocumentTable, tenant: string): Promise<DocumentRow[]> {
  return q.query<DocumentRow>(`SELECT id, document, enabled, version, updated_by, updated_at FROM ${table} WHERE tenant_id = $1 ORDER BY id`, [tenant]);
}

export async function findDocument(q: Queryable, table: DocumentTable, tenant: string, id: string): Promise<DocumentRow | undefined> {
  const [row] = await q.query<DocumentRow>(`SELECT id, document, enabled, version, updated_by, updated_at FROM ${table} WHERE tenant_id = $1 AND id = $2`, [tenant, id]);
  return row;
}

/** Inserts a document; false when the id is taken. */
export async function insertDocument(q: Queryable, table: DocumentTable, tenant: string, id: string, document: unknown, enabled: boolean, by: string | null): Promise<boolean> {
  const rows = await q.query(
    `INSERT INTO ${table} (tenant_id, id, document, enabled, updated_by) VALUES ($1, $2, $3::jsonb, $4, $5) ON CONFLICT DO NOTHING RETURNING id`,
    [tenant, id, JSON.stringify(document), enabled, by],
  );
  return rows.length > 0;
}

/** Replaces a document; the new version, or undefined when there is none with that id. */
export async function replaceDocument(q: Queryable, table: DocumentTable, tenant: string, id: string, document: unknown, enabled: boolean, by: string | null): Promise<number | undefined> {
  const [row] = await q.query<{ version: number }>(
    `UPDATE ${table} SET document = $3::jsonb, enabled = $4, updated_by = $5, updated_at = now(), version = version + 1
      WHERE tenant_id = $1 AND id = $2 RETURNING version`,
    [tenant, id, JSON.stringify(document), enabled, by],
  );
  return row?.version;
}

export async function deleteDocument(q: Queryable, table: DocumentTable | 'alarm_silences', tenant: string, id: string): Promise<boolean> {
  const rows = await q.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND id = $2 RETURNING id`, [tenant, id]);
  return rows.length > 0;
}

/** Writes the default rule set of a city the first time it is used; false when it was seeded before. */
export async function seedOnce(q: Queryable, tenant: string, rules: Array<{ id: string; document: unknown; enabled: boolean }>, policies: Array<{ id: string; document: unknown; enabled: boolean }>): Promise<boolean> {
  const [row] = await q.query<{ seeded: boolean }>(
    `WITH seed AS (INSERT INTO alarm_seeds (tenant_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING tenant_id),
     r AS (INSERT INTO alarm_rules (tenant_id, id, document, enabled, updated_by)
           SELECT seed.tenant_id, x.id, x.document, x.enabled, 'defaults' FROM seed, jsonb_to_recordset($2::jsonb) AS x(id text, document jsonb, enabled boolean)
           ON CONFLICT DO NOTHING),
     p AS (INSERT INTO alarm_policies (tenant_id, id, document, enabled, updated_by)
           SELECT seed.tenant_id, x.id, x.document, x.enabled, 'defaults' FROM seed, jsonb_to_recordset($3::jsonb) AS x(id text, document jsonb, enabled boolean)
           ON CONFLICT DO NOTHING)
     SELECT EXISTS (SELECT 1 FROM seed) AS seeded`,
    [tenant, JSON.stringify(rules), JSON.stringify(policies)],
  );
  return row?.seeded ?? false;
}

export async function listSilences(q: Queryable, tenant: string): Promise<SilenceRow[]> {
  return q.query<SilenceRow>('SELECT id, document, from_at, to_at, created_by, created_at FROM alarm_silences WHERE tenant_id = $1 ORDER BY from_at DESC, id', [tenant]);
}

export async function insertSilence(q: Queryable, tenant: string, id: string, document: unknown, from: string, to: string, by: string | null): Promise<boolean> {
  const rows = await q.query(
    `INSERT INTO alarm_silences (tenant_id, id, document, from_at, to_at, created_by) VALUES ($1, $2, $3::jsonb, $4::timestamptz, $5::timestamptz, $6)
     ON CONFLICT DO NOTHING RETURNING id`,
    [tenant, id, JSON.stringify(document), from, to, by],
  );
  return rows.length > 0;
}

// ---- engine state and active alarms ----------------------------------------------------------------------------

export async function loadState(q: Queryable, tenant: string): Promise<StateRow[]> {
  return q.query<StateRow>('SELECT key, value FROM alarm_engine_state WHERE tenant_id = $1', [tenant]);
}

export function stateOf(row: AlarmRow): AlarmState {
  const state: AlarmState = {
    id: row.id,
    originator: row.originator,
    originatorType: row.originator_type,
    alarmType: row.alarm_type,
    category: row.category,
    severity: row.severity,
    ruleId: row.rule_id,
    status: row.status,
    count: row.count,
    firstSeen: new Date(row.first_seen).getTime(),
    lastSeen: new Date(row.last_seen).getTime(),
    evidence: row.evidence,
    description: row.description,
  };
  if (row.policy_id) state.policyId = row.policy_id;
  if (row.cleared_at) state.clearedAt = new Date(row.cleared_at).getTime();
  if (row.location) state.location = row.location;
  if (row.district) state.district = row.district;
  if (row.situation_id) state.situationId = row.situation_id;
  return state;
}

export async function loadActiveAlarms(q: Queryable, tenant: string): Promise<AlarmState[]> {
  const rows = await q.query<AlarmRow>(`SELECT ${ALARM_COLUMNS} FROM alarms WHERE tenant_id = $1 AND status = 'active'`, [tenant]);
  return rows.map(stateOf);
}

// ---- the flusher's batch ---------------------------------------------------------------------------------------

export interface EventInsert {
  alarmId: string;
  at: string;
  kind: 'raised' | 'repeated' | 'acknowledged' | 'cleared';
  actor: string | null;
  note: string | null;
  count: number | null;
  signals: number;
}

export interface SuppressedInsert {
  at: string;
  signal: Signal;
  reason: SuppressionReason;
}

export interface DecisionBatch {
  /** The latest state of each alarm the batch touched. */
  alarms: AlarmState[];
  /** Situations formed around alarms: alarm id → situation id. */
  situations: Array<{ alarmId: string; situationId: string }>;
  suppressed: SuppressedInsert[];
  events: EventInsert[];
  state: StateRow[];
}

function alarmRecord(a: AlarmState) {
  return {
    id: a.id,
    originator: a.originator,
    originator_type: a.originatorType,
    alarm_type: a.alarmType,
    category: a.category,
    severity: a.severity,
    status: a.status,
    count: a.count,
    first_seen: new Date(a.firstSeen).toISOString(),
    last_seen: new Date(a.lastSeen).toISOString(),
    cleared_at: a.clearedAt === undefined ? null : new Date(a.clearedAt).toISOString(),
    location: a.location ?? null,
    district: a.district ?? null,
    situation_id: a.situationId ?? null,
    rule_id: a.ruleId,
    policy_id: a.policyId ?? null,
    evidence: a.evidence,
    description: a.description,
  };
}

/**
 * Writes one flush: one statement per table (alarms, situations, suppressed signals, timeline, state rows), each
 * carrying its rows as one jsonb parameter. Run it in one transaction. The alarm upsert never touches the
 * acknowledgement (an operator's, written separately) and keeps a situation already known. Returns the ids of
 * the alarms whose `Alert` entity is to be written.
 */
export async function writeDecisions(q: Queryable, tenant: string, batch: DecisionBatch): Promise<string[]> {
  const touched = new Set<string>();
  if (batch.alarms.length > 0) {
    const rows = await q.query<{ id: string }>(
      `${PLAN_ONCE}INSERT INTO alarms (tenant_id, id, originator, originator_type, alarm_type, category, severity, status, count, first_seen, last_seen,
                          cleared_at, location, district, situation_id, rule_id, policy_id, evidence, description)
       SELECT $1, x.id, x.originator, x.originator_type, x.alarm_type, x.category, x.severity, x.status, x.count, x.first_seen, x.last_seen,
              x.cleared_at, x.location, x.district, x.situation_id, x.rule_id, x.policy_id, coalesce(x.evidence, '[]'), x.description
         FROM jsonb_to_recordset($2::jsonb) AS x(id text, originator text, originator_type text, alarm_type text, category text, severity text,
              status text, count int, first_seen timestamptz, last_seen timestamptz, cleared_at timestamptz, location jsonb, district text,
              situation_id text, rule_id text, policy_id text, evidence jsonb, description jsonb)
       ON CONFLICT (tenant_id, id) DO UPDATE SET
         severity = excluded.severity, status = excluded.status, count = excluded.count, last_seen = excluded.last_seen,
         cleared_at = excluded.cleared_at, location = coalesce(excluded.location, alarms.location), district = coalesce(excluded.district, alarms.district),
         situation_id = coalesce(excluded.situation_id, alarms.situation_id), evidence = excluded.evidence, description = excluded.description,
         version = alarms.version + 1
       RETURNING id`,
      [tenant, JSON.stringify(batch.alarms.map(alarmRecord))],
    );
    for (const r of rows) touched.add(r.id);
  }
  if (batch.situations.length > 0) {
    const rows = await q.query<{ id: string }>(
      `UPDATE alarms a SET situation_id = x.situation_id, version = a.version + 1
         FROM jsonb_to_recordset($2::jsonb) AS x(alarm_id text, situation_id text)
        WHERE a.tenant_id = $1 AND a.id = x.alarm_id AND a.situation_id IS DISTINCT FROM x.situation_id
       RETURNING a.id`,
      [tenant, JSON.stringify(batch.situations.map((s) => ({ alarm_id: s.alarmId, situation_id: s.situationId })))],
    );
    for (const r of rows) touched.add(r.id);
  }
  if (batch.suppressed.length > 0) {
    await q.query(
      `INSERT INTO alarm_suppressed (tenant_id, at, signal, reason_code, reason, alarm_type, originator)
       SELECT $1, x.at, x.signal,
              -- a suppressWhen's code is the generic 'condition': its policy (wind, cooking fumes, …) is the reason to count by
              CASE WHEN x.reason ->> 'code' = 'condition' AND x.reason ? 'policyId' THEN x.reason ->> 'policyId' ELSE x.reason ->> 'code' END,
              x.reason, x.signal ->> 'alarmType', x.signal ->> 'originator'
         FROM jsonb_to_recordset($2::jsonb) AS x(at timestamptz, signal jsonb, reason jsonb, n int) ORDER BY x.n`,
      // n keeps the order of the decisions in the sequence (a listing by time shows ties in decision order).
      [tenant, JSON.stringify(batch.suppressed.map((s, n) => ({ ...s, n })))],
    );
  }
  if (batch.events.length > 0) {
    await q.query(
      `INSERT INTO alarm_events (tenant_id, alarm_id, at, kind, actor, note, count, signals)
       SELECT $1, x."alarmId", x.at, x.kind, x.actor, x.note, x.count, x.signals
         FROM jsonb_to_recordset($2::jsonb) AS x("alarmId" text, at timestamptz, kind text, actor text, note text, count int, signals int, n int)
        ORDER BY x.n`,
      [tenant, JSON.stringify(batch.events.map((e, n) => ({ ...e, n })))],
    );
  }
  if (batch.state.length > 0) {
    // Later rows of one key win (drainState may list a key twice across requeued batches).
    const latest = new Map<string, unknown>();
    for (const row of batch.state) latest.set(row.key, row.value);
    const entries = [...latest].map(([key, value]) => ({ key, value: value ?? null }));
    await q.query(
      `WITH rows AS (SELECT x.key, x.value FROM jsonb_to_recordset($2::jsonb) AS x(key text, value jsonb)),
       gone AS (DELETE FROM alarm_engine_state s USING rows WHERE s.tenant_id = $1 AND s.key = rows.key AND (rows.value IS NULL OR rows.value = 'null'::jsonb))
       INSERT INTO alarm_engine_state (tenant_id, key, value)
       SELECT $1, key, value FROM rows WHERE value IS NOT NULL AND value <> 'null'::jsonb
       ON CONFLICT (tenant_id, key) DO UPDATE SET value = excluded.value`,
      [tenant, JSON.stringify(entries)],
    );
  }
  return [...touched];
}

// ---- operator actions ------------------------------------------------------------------------------------------

/** Marks an alarm acknowledged once; the row after, or undefined when it was acknowledged already (or is missing). */
export async function acknowledge(q: Queryable, tenant: string, id: string, by: string, at: string, note: string | null): Promise<boolean> {
  const rows = await q.query(
    `WITH ack AS (
       UPDATE alarms SET acknowledged = true, acknowledged_by = $3, acknowledged_at = $4::timestamptz, version = version + 1
        WHERE tenant_id = $1 AND id = $2 AND NOT acknowledged RETURNING tenant_id, id, count)
     INSERT INTO alarm_events (tenant_id, alarm_id, at, kind, actor, note, count)
     SELECT tenant_id, id, $4::timestamptz, 'acknowledged', $3, $5, count FROM ack RETURNING alarm_id`,
    [tenant, id, by, at, note],
  );
  return rows.length > 0;
}

// ---- reading -----------------------------------------------------------------------------------------------------

export function alarmView(row: AlarmRow): AlarmView {
  return {
    id: row.id,
    entityId: `${ALERT_PREFIX}${row.id}`,
    originator: row.originator,
    originatorType: row.originator_type,
    alarmType: row.alarm_type,
    category: row.category,
    severity: row.severity,
    status: row.status,
    acknowledged: row.acknowledged,
    acknowledgedBy: row.acknowledged_by,
    acknowledgedAt: iso(row.acknowledged_at),
    count: row.count,
    firstSeen: iso(row.first_seen) as string,
    lastSeen: iso(row.last_seen) as string,
    clearedAt: iso(row.cleared_at),
    location: row.location ?? null,
    district: row.district,
    situationId: row.situation_id,
    ruleId: row.rule_id,
    policyId: row.policy_id,
    description: row.description,
    evidence: row.evidence,
  };
}

export async function findAlarm(q: Queryable, tenant: string, id: string): Promise<AlarmRow | undefined> {
  const [row] = await q.query<AlarmRow>(`SELECT ${ALARM_COLUMNS} FROM alarms WHERE tenant_id = $1 AND id = $2`, [tenant, id]);
  return row;
}

export async function alarmRows(q: Queryable, tenant: string, ids: readonly string[]): Promise<AlarmRow[]> {
  return q.query<AlarmRow>(`SELECT ${ALARM_COLUMNS} FROM alarms WHERE tenant_id = $1 AND id = ANY($2::text[])`, [tenant, ids]);
}

export async function timeline(q: Queryable, tenant: string, id: string): Promise<AlarmTimelineEntry[]> {
  const rows = await q.query<{ at: Date; kind: AlarmTimelineEntry['kind']; actor: string | null; note: string | null; count: number | null }>(
    'SELECT at, kind, actor, note, count FROM alarm_events WHERE tenant_id = $1 AND alarm_id = $2 ORDER BY seq',
    [tenant, id],
  );
  return rows.map((r) => ({ at: iso(r.at) as string, kind: r.kind, actor: r.actor, note: r.note, count: r.count }));
}

export async function listAlarms(q: Queryable, tenant: string, filter: AlarmFilter): Promise<{ rows: AlarmRow[]; total: number }> {
  const p = new Params();
  const where = [`tenant_id = ${p.add(tenant)}`];
  const status = filter.status ?? 'active';
  if (status !== 'all') where.push(`status = ${p.add(status)}`);
  if (filter.ack !== undefined) where.push(`acknowledged = ${p.add(filter.ack)}`);
  if (filter.severity) where.push(`severity = ANY(${p.add(filter.severity.split(','))}::text[])`);
  if (filter.district) where.push(`district = ${p.add(filter.district)}`);
  if (filter.type) where.push(`alarm_type = ANY(${p.add(filter.type.split(','))}::text[])`);
  const sqlWhere = where.join(' AND ');
  const [count] = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM alarms WHERE ${sqlWhere}`, p.values);
  const limit = p.add(filter.limit ?? 50);
  const offset = p.add(filter.offset ?? 0);
  const rows = await q.query<AlarmRow>(`SELECT ${ALARM_COLUMNS} FROM alarms WHERE ${sqlWhere} ORDER BY last_seen DESC, id LIMIT ${limit}::int OFFSET ${offset}::int`, p.values);
  return { rows, total: count?.n ?? 0 };
}

export async function listSuppressed(
  q: Queryable,
  tenant: string,
  filter: SuppressedFilter & { from: string; to: string },
): Promise<{ suppressed: SuppressedView[]; total: number; byReason: Record<string, number> }> {
  const [counts] = await q.query<{ by_reason: Record<string, number> | null }>(
    `SELECT jsonb_object_agg(reason_code, n) AS by_reason FROM (
       SELECT reason_code, count(*)::int AS n FROM alarm_suppressed
        WHERE tenant_id = $1 AND at >= $2::timestamptz AND at < $3::timestamptz GROUP BY reason_code) c`,
    [tenant, filter.from, filter.to],
  );
  const byReason = counts?.by_reason ?? {};
  const reasons = filter.reason ? filter.reason.split(',') : undefined;
  const total = reasons ? reasons.reduce((sum, code) => sum + (byReason[code] ?? 0), 0) : Object.values(byReason).reduce((sum, n) => sum + n, 0);
  const rows = await q.query<{ seq: string; at: Date; signal: Signal; reason: SuppressionReason }>(
    `SELECT seq::text AS seq, at, signal, reason FROM alarm_suppressed
      WHERE tenant_id = $1 AND at >= $2::timestamptz AND at < $3::timestamptz AND ($4::text[] IS NULL OR reason_code = ANY($4::text[]))
      ORDER BY at DESC, seq DESC LIMIT $5::int OFFSET $6::int`,
    [tenant, filter.from, filter.to, reasons ?? null, filter.limit ?? 50, filter.offset ?? 0],
  );
  return { suppressed: rows.map((r) => ({ id: r.seq, at: iso(r.at) as string, signal: r.signal, reason: r.reason })), total, byReason };
}

export async function stats(q: Queryable, tenant: string, from: string, to: string): Promise<AlarmStats> {
  const [row] = await q.query<{
    suppressed: number;
    alarm_signals: number;
    alarms: number;
    by_reason: Record<string, number> | null;
    by_severity: Record<string, number> | null;
    by_type: Record<string, number> | null;
    by_category: Record<string, { signals: number; suppressed: number; alarms: number }> | null;
  }>(
    `SELECT
       (SELECT count(*)::int FROM alarm_suppressed WHERE tenant_id = $1 AND at >= $2::timestamptz AND at < $3::timestamptz) AS suppressed,
       (SELECT coalesce(sum(signals), 0)::int FROM alarm_events WHERE tenant_id = $1 AND at >= $2::timestamptz AND at < $3::timestamptz) AS alarm_signals,
       (SELECT count(*)::int FROM alarms WHERE tenant_id = $1 AND first_seen >= $2::timestamptz AND first_seen < $3::timestamptz) AS alarms,
       (SELECT jsonb_object_agg(reason_code, n) FROM (SELECT reason_code, count(*)::int AS n FROM alarm_suppressed
          WHERE tenant_id = $1 AND at >= $2::timestamptz AND at < $3::timestamptz GROUP BY reason_code) r) AS by_reason,
       (SELECT jsonb_object_agg(severity, n) FROM (SELECT severity, count(*)::int AS n FROM alarms
          WHERE tenant_id = $1 AND first_seen >= $2::timestamptz AND first_seen < $3::timestamptz GROUP BY severity) s) AS by_severity,
       (SELECT jsonb_object_agg(alarm_type, n) FROM (SELECT alarm_type, count(*)::int AS n FROM alarms
          WHERE tenant_id = $1 AND first_seen >= $2::timestamptz AND first_seen < $3::timestamptz GROUP BY alarm_type) t) AS by_type,
       (SELECT jsonb_object_agg(category, jsonb_build_object('signals', suppressed + behind, 'suppressed', suppressed, 'alarms', raised)) FROM (
          SELECT category, sum(suppressed)::int AS suppressed, sum(behind)::int AS behind, sum(raised)::int AS raised FROM (
            SELECT signal->>'category' AS category, 1 AS suppressed, 0 AS behind, 0 AS raised FROM alarm_suppressed
             WHERE tenant_id = $1 AND at >= $2::timestamptz AND at < $3::timestamptz
            UNION ALL
            SELECT a.category, 0, e.signals, CASE WHEN e.kind = 'raised' THEN 1 ELSE 0 END FROM alarm_events e
              JOIN alarms a ON a.tenant_id = e.tenant_id AND a.id = e.alarm_id
             WHERE e.tenant_id = $1 AND e.at >= $2::timestamptz AND e.at < $3::timestamptz
          ) x GROUP BY category) c) AS by_category`,
    [tenant, from, to],
  );
  return {
    from,
    to,
    signals: (row?.suppressed ?? 0) + (row?.alarm_signals ?? 0),
    suppressed: row?.suppressed ?? 0,
    alarms: row?.alarms ?? 0,
    byReason: row?.by_reason ?? {},
    bySeverity: row?.by_severity ?? {},
    byType: row?.by_type ?? {},
    byCategory: row?.by_category ?? {},
  };
}

/** Alarms whose `Alert` entity lags (a failed or interrupted hub write). */
export async function laggingAlarms(q: Queryable, limit: number): Promise<Array<{ tenant_id: string; id: string }>> {
  return q.query('SELECT tenant_id, id FROM alarms WHERE hub_version < version ORDER BY tenant_id LIMIT $1', [limit]);
}

export async function recordHubVersions(q: Queryable, tenant: string, written: Array<{ id: string; version: number }>): Promise<void> {
  if (written.length === 0) return;
  await q.query(
    `UPDATE alarms a SET hub_version = x.version FROM jsonb_to_recordset($2::jsonb) AS x(id text, version int)
      WHERE a.tenant_id = $1 AND a.id = ANY($3::text[]) AND a.id = x.id AND a.hub_version < x.version`,
    [tenant, JSON.stringify(written), written.map((w) => w.id)],
  );
}
