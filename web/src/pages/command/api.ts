/** The command center's calls to the alarms and incidents APIs (`/api/v1/alarms…`, `/api/v1/incidents…`). */
import { apiRequest } from '../../api/client.ts';
import {
  type AlarmStats,
  type AlarmView,
  alarmFrom,
  type IncidentView,
  incidentFrom,
  type RecommendationLine,
  recommendationsFrom,
  type SuppressedView,
  statsFrom,
  suppressedFrom,
} from './model.ts';

const ALARMS = '/api/v1/alarms';
const INCIDENTS = '/api/v1/incidents';
const enc = encodeURIComponent;

export async function fetchAlarms(signal: AbortSignal, status: 'active' | 'all' = 'all', limit = 200): Promise<{ alarms: AlarmView[]; total: number }> {
  const body = await apiRequest<{ alarms?: unknown[]; total?: number }>(ALARMS, { query: { status, limit }, signal });
  const alarms = (body.alarms ?? []).map(alarmFrom);
  return { alarms, total: body.total ?? alarms.length };
}

export async function fetchSuppressed(signal: AbortSignal, from: number, limit = 100): Promise<{ suppressed: SuppressedView[]; total: number; byReason: Record<string, number> }> {
  const body = await apiRequest<{ suppressed?: unknown[]; total?: number; byReason?: Record<string, number> }>(`${ALARMS}/suppressed`, {
    query: { from: new Date(from).toISOString(), limit },
    signal,
  });
  return { suppressed: (body.suppressed ?? []).map(suppressedFrom), total: body.total ?? 0, byReason: body.byReason ?? {} };
}

export async function fetchStats(signal: AbortSignal, from: number): Promise<AlarmStats> {
  return statsFrom(await apiRequest<unknown>(`${ALARMS}/stats`, { query: { from: new Date(from).toISOString() }, signal }));
}

export const acknowledgeAlarm = (id: string, note?: string) => apiRequest<unknown>(`${ALARMS}/${enc(id)}/acknowledge`, { method: 'POST', body: note ? { note } : {} });

export async function fetchIncidents(signal: AbortSignal, status: 'open' | 'closed' | 'all' = 'open'): Promise<IncidentView[]> {
  const body = await apiRequest<{ incidents?: unknown[] } | unknown[]>(INCIDENTS, { query: { status, limit: 100 }, signal });
  return (Array.isArray(body) ? body : (body.incidents ?? [])).map(incidentFrom);
}

export async function fetchIncident(id: string, signal?: AbortSignal): Promise<{ incident: IncidentView; raw: unknown }> {
  const raw = await apiRequest<unknown>(`${INCIDENTS}/${enc(id)}`, signal ? { signal } : {});
  const body = raw && typeof raw === 'object' && 'incident' in raw ? (raw as { incident: unknown }).incident : raw;
  return { incident: incidentFrom(body), raw: body };
}

export async function fetchRecommendations(id: string, signal?: AbortSignal): Promise<RecommendationLine[]> {
  return recommendationsFrom(await apiRequest<unknown>(`${INCIDENTS}/${enc(id)}/recommendations`, signal ? { signal } : {}));
}

const post = (path: string, body: unknown = {}) => apiRequest<unknown>(`${INCIDENTS}/${path}`, { method: 'POST', body });
export const acknowledgeIncident = (id: string) => post(`${enc(id)}/acknowledge`);
export const dispatchUnits = (id: string, unitIds: string[]) => post(`${enc(id)}/dispatch`, { unitIds });
export const setUnitStatus = (id: string, unitId: string, status: 'enRoute' | 'onScene' | 'clear') => post(`${enc(id)}/units/${enc(unitId)}/status`, { status });
export const markStepDone = (id: string, stepId: string) => post(`${enc(id)}/steps/${enc(stepId)}/done`);
export const addNote = (id: string, text: string) => post(`${enc(id)}/notes`, { text });
export const closeIncident = (id: string, outcome: string, note?: string) => post(`${enc(id)}/close`, note ? { outcome, note } : { outcome });

// ---------- rules, policies, silences ----------

export type ConfigKind = 'rules' | 'policies' | 'silences';

/** A rule, policy or silence as listed: its stored input (what the form edits) and the server's own fields. */
export interface ConfigItem {
  id: string;
  enabled: boolean;
  input: Record<string, unknown>;
  raw: Record<string, unknown>;
}

function itemFrom(raw: unknown): ConfigItem {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const input = (o.input && typeof o.input === 'object' ? o.input : o) as Record<string, unknown>;
  return { id: String(o.id ?? input.id ?? ''), enabled: o.enabled !== false && input.enabled !== false, input, raw: o };
}

export async function fetchConfig(kind: ConfigKind, signal: AbortSignal): Promise<ConfigItem[]> {
  const body = await apiRequest<Record<string, unknown> | unknown[]>(`${ALARMS}/${kind}`, { signal });
  const list = Array.isArray(body) ? body : ((body[kind] ?? body.items ?? []) as unknown[]);
  return list.map(itemFrom);
}

export const saveConfig = (kind: ConfigKind, input: Record<string, unknown>, id?: string) =>
  apiRequest<unknown>(id ? `${ALARMS}/${kind}/${enc(id)}` : `${ALARMS}/${kind}`, { method: id ? 'PUT' : 'POST', body: input });

export const deleteConfig = (kind: ConfigKind, id: string) => apiRequest<unknown>(`${ALARMS}/${kind}/${enc(id)}`, { method: 'DELETE' });
