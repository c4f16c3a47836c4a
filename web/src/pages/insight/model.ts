/**
 * What the insight pages draw, read from the `/api/v1/insight` answers (src/insight/CONTRACT.md). The readers are
 * forgiving about shape (a name as `{zh,en}` or as `name`/`nameEn`, a band as `lower/upper` or `low80…high95`) so that
 * one page survives the service's small choices; they never invent data: what is missing stays missing.
 */
import { type Lang, localized } from '../../i18n/index.ts';

export type Audience = 'government' | 'industry' | 'livelihood';
export const AUDIENCES: readonly Audience[] = ['government', 'industry', 'livelihood'];

export interface Text {
  zh: string;
  en: string;
}

export interface Definition {
  id: string;
  name: Text;
  definition: Text;
  unit: string;
}

export interface Kpi {
  id: string;
  indicator: string;
  label: Text;
  value: number | null;
  unit: string;
  level: number | null;
  detail: Text | null;
  colour: string | null;
  /** The latest value lies outside its forecast band. */
  anomaly: boolean;
}

export interface Point {
  at: number;
  value: number;
}

export interface BandPoint {
  at: number;
  value: number;
  low80: number;
  high80: number;
  low95: number;
  high95: number;
}

export interface Series {
  id: string;
  indicator: string;
  scope: string;
  scopeId: string;
  name: Text;
  unit: string;
  points: Point[];
  forecast: BandPoint[];
  method: string;
  /** Sent without its points (one of many stations): read from the series endpoint when chosen. */
  deferred: boolean;
}

export interface MapValue {
  id: string;
  value: number;
  colour: string | null;
  label: string;
}

export interface MapLayer {
  id: string;
  indicator: string;
  /** district, station, road… ('' when the answer does not say). */
  scope: string;
  name: Text;
  unit: string;
  /** Values per district (coloured areas). */
  districts: MapValue[];
  /** Values at places (stations, car parks), drawn as dots. */
  points: (MapValue & { coords: [number, number] })[];
  /** Values at places the answer gave no position for (listed under the map, not dropped). */
  unplaced: MapValue[];
}

export interface Table {
  id: string;
  title: Text;
  columns: { id: string; label: Text }[];
  rows: Record<string, unknown>[];
}

export interface Dashboard {
  audience: Audience;
  now: number;
  kpis: Kpi[];
  series: Series[];
  maps: MapLayer[];
  tables: Table[];
}

type Obj = Record<string, unknown>;
const obj = (value: unknown): Obj => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
export const num = (value: unknown): number | null => {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  const o = obj(value);
  return 'value' in o ? num(o.value) : null;
};
const str = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '');
export const time = (value: unknown): number | null => {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
};

/** A bilingual text from `{zh,en}`, a plain string, or `name` + `nameEn` fields of `o`. */
export function text(value: unknown, o: Obj = {}, key = 'name'): Text {
  if (typeof value === 'string') return { zh: value, en: str(o[`${key}En`]) || value };
  const t = obj(value);
  const zh = str(t.zh) || str(t.en);
  const en = str(t.en) || zh;
  return { zh, en };
}

export const say = (value: Text | null | undefined, lang: Lang): string => localized(value ?? null, lang);

export function definitionsFrom(body: unknown): Definition[] {
  return list(obj(body).indicators ?? body).map((raw) => {
    const o = obj(raw);
    return { id: str(o.id), name: text(o.name, o), definition: text(o.definition, o, 'definition'), unit: str(o.unit) };
  });
}

function pointsFrom(value: unknown): Point[] {
  const points: Point[] = [];
  for (const raw of list(value)) {
    const o = obj(raw);
    const at = Array.isArray(raw) ? time(raw[0]) : time(o.at ?? o.time ?? o.observedAt);
    const v = Array.isArray(raw) ? num(raw[1]) : num(o.value);
    if (at !== null && v !== null) points.push({ at, value: v });
  }
  return points.sort((a, b) => a.at - b.at);
}

/** Forecast points with their 80 % and 95 % bands; accepts `{lower:{80,95},upper:{…}}` and `{low80,…,high95}`. */
export function bandFrom(value: unknown): BandPoint[] {
  const points: BandPoint[] = [];
  for (const raw of list(obj(value).points ?? value)) {
    const o = obj(raw);
    const at = time(o.at);
    const v = num(o.value);
    if (at === null || v === null) continue;
    const lower = obj(o.lower);
    const upper = obj(o.upper);
    const low80 = num(o.low80 ?? lower['80']) ?? v;
    const high80 = num(o.high80 ?? upper['80']) ?? v;
    points.push({ at, value: v, low80, high80, low95: num(o.low95 ?? lower['95']) ?? low80, high95: num(o.high95 ?? upper['95']) ?? high80 });
  }
  return points.sort((a, b) => a.at - b.at);
}

function seriesFrom(raw: unknown, index: number): Series {
  const o = obj(raw);
  const forecast = o.forecast ?? o.band;
  return {
    id: str(o.id) || `${str(o.indicator)}-${str(o.scopeId) || index}`,
    indicator: str(o.indicator) || str(o.id),
    scope: str(o.scope) || 'city',
    scopeId: str(o.scopeId),
    name: text(o.name ?? o.title ?? o.label, o),
    unit: str(o.unit ?? o.unitCode),
    points: pointsFrom(o.points ?? o.values ?? o.data),
    forecast: bandFrom(forecast),
    method: str(obj(forecast).method ?? o.method),
    deferred: o.deferred === true,
  };
}

/** One line from `GET /insight/indicators/{id}/series` (a deferred line of a dashboard), with the dashboard's names. */
export function seriesFromAnswer(line: Series, raw: unknown): Series {
  const fresh = seriesFrom({ ...obj(raw), id: line.id, name: line.name, scope: line.scope, scopeId: line.scopeId }, 0);
  return { ...fresh, indicator: line.indicator, unit: fresh.unit || line.unit, deferred: false };
}

function mapValue(raw: unknown): MapValue & { coords: [number, number] | null } {
  const o = obj(raw);
  const location = obj(o.location);
  const coordinates = list(location.coordinates ?? obj(location.value).coordinates ?? o.coords);
  const long = num(coordinates[0]);
  const lat = num(coordinates[1]);
  return {
    id: str(o.scopeId ?? o.district ?? o.id),
    value: num(o.value) ?? Number.NaN,
    colour: str(o.colour ?? o.color) || null,
    label: str(o.name ?? o.label ?? o.scopeId ?? o.id),
    coords: long !== null && lat !== null ? [long, lat] : null,
  };
}

function mapFrom(raw: unknown, index: number): MapLayer {
  const o = obj(raw);
  const values = list(o.features ?? o.values ?? o.districts ?? o.data ?? o.items).map(mapValue).filter((v) => Number.isFinite(v.value));
  const scope = str(o.scope);
  const districts: MapValue[] = [];
  const points: (MapValue & { coords: [number, number] })[] = [];
  const unplaced: MapValue[] = [];
  for (const v of values) {
    if (scope === 'district' || (!scope && !v.coords)) districts.push(v);
    else if (v.coords) points.push({ ...v, coords: v.coords });
    else unplaced.push(v);
  }
  for (const p of list(o.points)) {
    const v = mapValue(p);
    if (v.coords && Number.isFinite(v.value)) points.push({ ...v, coords: v.coords });
  }
  return { id: str(o.id) || `map-${index}`, indicator: str(o.indicator) || str(o.id), scope, name: text(o.name ?? o.title, o), unit: str(o.unit), districts, points, unplaced };
}

function tableFrom(raw: unknown, index: number): Table {
  const o = obj(raw);
  const names = list(o.columns).map((c) => (typeof c === 'string' ? c : str(obj(c).id ?? obj(c).key)));
  // Rows come as records or as arrays in the order of the columns.
  const rows = list(o.rows).map((r) => (Array.isArray(r) ? Object.fromEntries(names.map((n, i) => [n, r[i]])) : obj(r)));
  const declared = list(o.columns).map((c) => {
    const co = obj(c);
    return typeof c === 'string' ? { id: c, label: { zh: c, en: c } } : { id: str(co.id ?? co.key), label: text(co.label ?? co.name ?? co.id, co, 'label') };
  });
  const columns = declared.length > 0 ? declared : Object.keys(rows[0] ?? {}).map((id) => ({ id, label: { zh: id, en: id } }));
  return { id: str(o.id) || `table-${index}`, title: text(o.title ?? o.name, o, 'title'), columns, rows };
}

function kpiFrom(raw: unknown, index: number): Kpi {
  const o = obj(raw);
  const detail = o.detail ?? o.note;
  return {
    id: str(o.id) || `kpi-${index}`,
    indicator: str(o.indicator) || str(o.id),
    label: text(o.label ?? o.name ?? o.title, o, o.label ? 'label' : 'name'),
    value: num(o.value),
    unit: str(o.unit ?? o.unitCode),
    level: num(o.level),
    detail: detail ? text(detail, o, 'detail') : null,
    colour: str(o.colour ?? o.color) || null,
    anomaly: o.anomaly === true,
  };
}

export function dashboardFrom(audience: Audience, body: unknown): Dashboard {
  const o = obj(body);
  return {
    audience,
    now: time(o.now ?? o.to ?? o.generatedAt) ?? Date.now(),
    kpis: list(o.kpis ?? o.tiles).map(kpiFrom),
    series: list(o.series ?? o.charts).map(seriesFrom),
    maps: list(o.maps ?? o.mapLayers ?? o.layers).map(mapFrom),
    tables: list(o.tables).map(tableFrom),
  };
}

// ---- what-if ----------------------------------------------------------------------------------------------------

export interface WhatIfLine {
  indicator: string;
  name: Text;
  unit: string;
  baseline: Point[];
  scenario: Point[];
}

/** Baseline and scenario per indicator; accepts `{indicators:[{indicator,baseline,scenario}]}` or `{baseline:{id:[…]},scenario:{id:[…]}}`. */
export function whatIfFrom(body: unknown): WhatIfLine[] {
  const o = obj(body);
  const lines = list(o.indicators ?? o.series ?? o.lines);
  if (lines.length > 0) {
    return lines.map((raw) => {
      const l = obj(raw);
      return { indicator: str(l.indicator ?? l.id), name: text(l.name, l), unit: str(l.unit), baseline: pointsFrom(l.baseline), scenario: pointsFrom(l.scenario) };
    });
  }
  // `{ baseline: [{ indicator, unit, points }], scenario: [...] }`: paired by indicator.
  if (Array.isArray(o.baseline) || Array.isArray(o.scenario)) {
    const byIndicator = (value: unknown) => new Map(list(value).map((raw) => [str(obj(raw).indicator), obj(raw)] as const));
    const base = byIndicator(o.baseline);
    const scen = byIndicator(o.scenario);
    return [...new Set([...base.keys(), ...scen.keys()])].map((indicator) => {
      const b = base.get(indicator) ?? {};
      const s = scen.get(indicator) ?? {};
      return { indicator, name: text(s.name ?? b.name ?? indicator, s), unit: str(s.unit ?? b.unit), baseline: pointsFrom(b.points), scenario: pointsFrom(s.points) };
    });
  }
  const baseline = obj(o.baseline);
  const scenario = obj(o.scenario);
  return [...new Set([...Object.keys(baseline), ...Object.keys(scenario)])].map((indicator) => ({
    indicator,
    name: { zh: indicator, en: indicator },
    unit: '',
    baseline: pointsFrom(obj(baseline[indicator]).points ?? baseline[indicator]),
    scenario: pointsFrom(obj(scenario[indicator]).points ?? scenario[indicator]),
  }));
}

export const mean = (points: readonly Point[]): number | null => (points.length === 0 ? null : points.reduce((s, p) => s + p.value, 0) / points.length);

// ---- forecast tool ------------------------------------------------------------------------------------------------

export interface ParsedSeries {
  timestamps: number[];
  values: (number | null)[];
  /** Line numbers (1-based) that could not be read, with why. */
  problems: string[];
}

/**
 * `time,value` lines (a header line is skipped; `;` or tab also separate; an empty value is missing). Times may be
 * ISO 8601 or epoch milliseconds.
 */
export function parseSeriesCsv(textIn: string): ParsedSeries {
  const timestamps: number[] = [];
  const values: (number | null)[] = [];
  const problems: string[] = [];
  textIn.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (!trimmed) return;
    const [rawTime = '', rawValue = ''] = trimmed.split(/[,;\t]/).map((cell) => cell.trim().replace(/^"|"$/g, ''));
    const at = /^\d{10,}$/.test(rawTime) ? Number(rawTime) : Date.parse(rawTime.includes('T') || !rawTime.includes(' ') ? rawTime : `${rawTime.replace(' ', 'T')}+08:00`);
    if (Number.isNaN(at)) {
      if (timestamps.length === 0 && i === 0) return; // a header
      problems.push(`${i + 1}`);
      return;
    }
    const value = rawValue === '' || /^(na|nan|null)$/i.test(rawValue) ? null : Number(rawValue);
    if (value !== null && !Number.isFinite(value)) {
      problems.push(`${i + 1}`);
      return;
    }
    timestamps.push(at);
    values.push(value);
  });
  return { timestamps, values, problems };
}

// ---- export -----------------------------------------------------------------------------------------------------

const cell = (value: unknown): string => {
  const s = value === null || value === undefined ? '' : String(value);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return `${[header, ...rows].map((row) => row.map(cell).join(',')).join('\n')}\n`;
}

/** A series and its forecast as CSV rows: observed values, then the forecast with its bands. */
export function seriesCsv(series: Series): string {
  const iso = (at: number) => new Date(at).toISOString();
  return toCsv(
    ['time', 'kind', 'value', 'low80', 'high80', 'low95', 'high95'],
    [
      ...series.points.map((p) => [iso(p.at), 'observed', p.value, '', '', '', '']),
      ...series.forecast.map((p) => [iso(p.at), 'forecast', round(p.value), round(p.low80), round(p.high80), round(p.low95), round(p.high95)]),
    ],
  );
}

export const round = (value: number, digits = 3): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** Starts a download of `content` as `filename` (the browser's own download, nothing leaves the page). */
export function download(filename: string, content: string | Blob, type = 'text/csv;charset=utf-8'): void {
  // A byte-order mark so that spreadsheet programs read the Chinese text as UTF-8.
  const blob = typeof content === 'string' ? new Blob(['\ufeff', content], { type }) : content;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadDataUrl(filename: string, dataUrl: string): void {
  const link = document.createElement('a');
  link.href = dataUrl;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
}

// ---- time ranges ---------------------------------------------------------------------------------------------------

export type RangeId = '24h' | '7d' | '30d' | 'custom';
export const RANGES: readonly RangeId[] = ['24h', '7d', '30d', 'custom'];
const HOUR = 3_600_000;
export const RANGE_MS: Record<Exclude<RangeId, 'custom'>, number> = { '24h': 24 * HOUR, '7d': 7 * 24 * HOUR, '30d': 30 * 24 * HOUR };

/** AQI level colours (HJ 633-2012, levels 1–6). */
export const AQI_LEVEL_COLOURS = ['#00e400', '#ffff00', '#ff7e00', '#ff0000', '#99004c', '#7e0023'] as const;

/** A sequential scale from pale to dark for district values (min → max). */
export function scaleColour(value: number, min: number, max: number): string {
  const stops = ['#e3f1f5', '#a9d3e0', '#5fa8c2', '#1f7a9c', '#0b4a63'];
  const share = max > min ? Math.min(1, Math.max(0, (value - min) / (max - min))) : 0.5;
  return stops[Math.min(stops.length - 1, Math.floor(share * stops.length))] as string;
}
