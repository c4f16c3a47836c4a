/** The insight pages' calls to `/api/v1/insight` (src/insight/CONTRACT.md). */
import { ApiError, apiRequest, authHeaders } from '../../api/client.ts';
import { type Audience, type Dashboard, type Definition, dashboardFrom, definitionsFrom, type Series, seriesFromAnswer, type WhatIfLine, whatIfFrom } from './model.ts';

const INSIGHT = '/api/v1/insight';

export async function fetchDefinitions(signal: AbortSignal): Promise<Definition[]> {
  return definitionsFrom(await apiRequest<unknown>(`${INSIGHT}/indicators`, { signal }));
}

export async function fetchDashboard(audience: Audience, from: number, to: number, signal: AbortSignal): Promise<Dashboard> {
  const body = await apiRequest<unknown>(`${INSIGHT}/dashboards/${audience}`, { query: { from: new Date(from).toISOString(), to: new Date(to).toISOString() }, signal });
  return dashboardFrom(audience, body);
}

/** The points of a line the dashboard sent deferred (one station of many), for the same window. */
export async function fetchSeries(line: Series, from: number, to: number, signal: AbortSignal): Promise<Series> {
  const body = await apiRequest<unknown>(`${INSIGHT}/indicators/${encodeURIComponent(line.indicator)}/series`, {
    query: { scope: line.scope, scopeId: line.scopeId, from: new Date(from).toISOString(), to: new Date(to).toISOString() },
    signal,
  });
  return seriesFromAnswer(line, body);
}

export type Scenario = 'heavyRainEvening' | 'holiday' | 'normal';
export const SCENARIOS: readonly Scenario[] = ['heavyRainEvening', 'holiday', 'normal'];

export async function runWhatIf(scenario: Scenario, date: string, signal?: AbortSignal): Promise<{ lines: WhatIfLine[]; description: { zh: string; en: string } | null }> {
  const raw = await apiRequest<{ description?: { zh: string; en: string } }>(`${INSIGHT}/what-if`, { method: 'POST', body: { scenario, date }, ...(signal ? { signal } : {}) });
  return { lines: whatIfFrom(raw), description: raw && typeof raw.description === 'object' ? raw.description : null };
}

export interface ForecastRequest {
  /** ISO 8601 (the API takes epoch ms too; text is the form every JSON schema reads the same). */
  timestamps: string[];
  values: (number | null)[];
  horizon: number;
  period?: number;
}

export const requestForecast = (input: ForecastRequest) => apiRequest<unknown>(`${INSIGHT}/forecast`, { method: 'POST', body: input });

export interface PublishedRow {
  indicator: string;
  period: string;
  value: number;
  unit: string;
  source: string;
}

export async function fetchPublished(signal: AbortSignal): Promise<PublishedRow[]> {
  const body = await apiRequest<{ indicators?: unknown[]; rows?: unknown[] } | unknown[]>(`${INSIGHT}/published`, { signal });
  const rows = Array.isArray(body) ? body : (body.indicators ?? body.rows ?? []);
  return rows.map((raw) => {
    const o = (raw ?? {}) as Record<string, unknown>;
    return { indicator: String(o.indicator ?? ''), period: String(o.period ?? ''), value: Number(o.value), unit: String(o.unit ?? ''), source: String(o.source ?? '') };
  });
}

/** Sends the officer's CSV as it is (text/csv): the server parses and validates it and says which row is wrong. */
export async function uploadPublished(csv: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${INSIGHT}/published`, { method: 'POST', headers: { ...authHeaders(), 'Content-Type': 'text/csv; charset=utf-8', Accept: 'application/json, application/problem+json' }, body: csv });
  } catch (cause) {
    throw new ApiError('Network error', 0, 'network', undefined, { cause });
  }
  const body = (await response.json().catch(() => undefined)) as { detail?: string; title?: string } | undefined;
  if (!response.ok) {
    const message = body?.detail || body?.title;
    throw message ? new ApiError(message, response.status, 'problem', body) : new ApiError(`HTTP ${response.status}`, response.status, 'http');
  }
  return body;
}
