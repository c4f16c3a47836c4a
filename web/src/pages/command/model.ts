/**
 * The command center's view of the alarms and incidents APIs (`src/alarms/CONTRACT.md`): the shapes the pages work
 * with, read tolerantly from the server's JSON (times as ISO text or epoch ms, ids with or without their URN), and
 * the colours of severities, incident states and units.
 */
import { type KeyValues, pointOf, str } from '../overview/model.ts';

export type Severity = 'critical' | 'major' | 'minor' | 'warning' | 'indeterminate';
export const SEVERITIES: readonly Severity[] = ['critical', 'major', 'minor', 'warning', 'indeterminate'];
/** Severity colours, strongest first; readable on white and as map symbols. */
export const SEVERITY_COLOURS: Record<Severity, string> = {
  critical: '#c81e1e',
  major: '#e8590c',
  minor: '#d9a400',
  warning: '#2f6fd1',
  indeterminate: '#7c8b98',
};

export interface Bilingual {
  zh: string;
  en: string;
}

export interface AlarmView {
  id: string;
  alarmType: string;
  category: string;
  severity: Severity;
  status: 'active' | 'cleared';
  acknowledged: boolean;
  acknowledgedBy: string;
  count: number;
  firstSeen: number | null;
  lastSeen: number | null;
  originator: string;
  originatorName: string;
  district: string;
  coords: [number, number] | null;
  description: Bilingual;
  situationId: string;
}

export interface SuppressedView {
  id: string;
  at: number | null;
  alarmType: string;
  originator: string;
  originatorName: string;
  district: string;
  reason: { code: string; policyId: string; zh: string; en: string; details: Record<string, unknown> };
}

export interface AlarmStats {
  signals: number;
  suppressed: number;
  alarms: number;
  byReason: Record<string, number>;
}

export interface PlanStep {
  id: string;
  text: Bilingual;
  /** When the step is due (epoch ms), from a target time or minutes after opening. */
  dueAt: number | null;
  targetMinutes: number | null;
  done: boolean;
  doneAt: number | null;
  doneBy: string;
}

export interface IncidentUnit {
  id: string;
  name: string;
  kind: string;
  status: string;
  at: number | null;
}

export interface TimelineEvent {
  at: number | null;
  actor: string;
  kind: string;
  text: string;
  details: Record<string, unknown>;
}

export interface IncidentView {
  id: string;
  type: string;
  title: string;
  status: 'open' | 'acknowledged' | 'closed' | string;
  severity: Severity;
  coords: [number, number] | null;
  district: string;
  openedAt: number | null;
  closedAt: number | null;
  outcome: string;
  escalated: boolean;
  evacuationRadiusM: number | null;
  planName: Bilingual;
  steps: PlanStep[];
  units: IncidentUnit[];
  timeline: TimelineEvent[];
  alarmIds: string[];
}

export interface RecommendedUnit {
  id: string;
  name: string;
  kind: string;
  distanceM: number | null;
  etaS: number | null;
}

export interface RecommendationLine {
  kind: string;
  count: number;
  label: string;
  units: RecommendedUnit[];
}

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {});
const arr = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const numOr = (value: unknown, fallback: number | null = null): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);
const first = (source: Json, ...names: string[]): unknown => {
  for (const name of names) if (source[name] !== undefined && source[name] !== null) return source[name];
  return undefined;
};

/** A time as epoch ms from ISO text or a number; null when missing or unreadable. */
export function timeOf(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value) {
    const at = Date.parse(value);
    return Number.isNaN(at) ? null : at;
  }
  return null;
}

/** A bilingual text from `{zh, en}` or a plain string (both languages). */
export function bilingual(value: unknown): Bilingual {
  if (typeof value === 'string') return { zh: value, en: value };
  const o = obj(value);
  const zh = str(o.zh) || str(o.en);
  return { zh, en: str(o.en) || zh };
}

export function severityOf(value: unknown): Severity {
  return (SEVERITIES as readonly unknown[]).includes(value) ? (value as Severity) : 'indeterminate';
}

/** A location as [long, lat] from GeoJSON, `{lat, long}` or `{lat, lng}`. */
export function coordsOf(value: unknown): [number, number] | null {
  const point = pointOf(value);
  if (point) return point;
  const o = obj(value);
  const lat = numOr(o.lat);
  const long = numOr(first(o, 'long', 'lng', 'lon'));
  return lat !== null && long !== null ? [long, lat] : null;
}

/** The last part of an NGSI-LD URN (`urn:ngsi-ld:Alert:abc` → `abc`). */
export const shortId = (id: string): string => id.split(':').pop() || id;

export function alarmFrom(raw: unknown): AlarmView {
  const a = obj(raw);
  const originator = str(first(a, 'originator', 'alertSource'));
  const evidence = obj(obj(arr(a.evidence)[0]).evidence);
  return {
    id: str(a.id),
    alarmType: str(first(a, 'alarmType', 'subCategory')),
    category: str(a.category),
    severity: severityOf(first(a, 'severity', 'alarmSeverity')),
    status: a.status === 'cleared' || a.alarmStatus === 'cleared' ? 'cleared' : 'active',
    acknowledged: a.acknowledged === true || typeof a.acknowledgedAt === 'string' || typeof a.acknowledgedAt === 'number',
    acknowledgedBy: str(a.acknowledgedBy),
    count: numOr(a.count, 1) ?? 1,
    firstSeen: timeOf(first(a, 'firstSeen', 'dateIssued', 'raisedAt')),
    lastSeen: timeOf(first(a, 'lastSeen', 'updatedAt', 'firstSeen', 'dateIssued')),
    originator,
    originatorName: str(first(a, 'originatorName', 'place', 'name') ?? evidence.name),
    district: str(a.district),
    coords: coordsOf(a.location),
    description: bilingual(a.description),
    situationId: str(a.situationId),
  };
}

export function suppressedFrom(raw: unknown): SuppressedView {
  const s = obj(raw);
  const signal = obj(s.signal);
  const reason = obj(s.reason);
  const code = str(first(reason, 'code')) || str(first(s, 'reasonCode', 'code'));
  return {
    id: str(first(s, 'id', 'signalId')) || str(signal.id),
    at: timeOf(first(s, 'at', 'suppressedAt', 'observedAt') ?? signal.at),
    alarmType: str(first(s, 'alarmType') ?? signal.alarmType),
    originator: str(first(s, 'originator') ?? signal.originator),
    originatorName: str(first(s, 'originatorName', 'name')),
    district: str(first(s, 'district') ?? signal.district),
    reason: {
      code: code || 'other',
      policyId: str(first(reason, 'policyId')),
      zh: str(first(reason, 'zh')) || str(s.reasonZh) || code,
      en: str(first(reason, 'en')) || str(s.reasonEn) || code,
      details: obj(first(reason, 'details') ?? s.details),
    },
  };
}

export function statsFrom(raw: unknown): AlarmStats {
  const s = obj(raw);
  const byReason: Record<string, number> = {};
  for (const [code, n] of Object.entries(obj(s.byReason))) if (typeof n === 'number') byReason[code] = n;
  // The noise figures an operator cares about are the security sensors' raw triggers (door, window, motion, smoke,
  // gas); a congestion rule's readings are signals too but not "noise" in that sense.
  const security = obj(obj(s.byCategory).security);
  const scoped = Object.keys(security).length > 0 ? security : s;
  return { signals: numOr(scoped.signals, 0) ?? 0, suppressed: numOr(scoped.suppressed, 0) ?? 0, alarms: numOr(s.alarms, 0) ?? 0, byReason };
}

function stepFrom(raw: unknown, index: number, openedAt: number | null): PlanStep {
  const s = obj(raw);
  const targetMinutes = numOr(first(s, 'targetMinutes', 'withinMinutes', 'dueMinutes'));
  const dueAt = timeOf(first(s, 'dueAt', 'targetAt', 'due')) ?? (targetMinutes !== null && openedAt !== null ? openedAt + targetMinutes * 60_000 : null);
  const doneAt = timeOf(s.doneAt);
  return {
    id: str(first(s, 'id', 'stepId')) || String(index),
    text: bilingual(first(s, 'text', 'title', 'name', 'action', 'description')),
    dueAt,
    targetMinutes,
    done: s.done === true || doneAt !== null || s.status === 'done',
    doneAt,
    doneBy: str(s.doneBy),
  };
}

function unitFrom(raw: unknown): IncidentUnit {
  if (typeof raw === 'string') return { id: raw, name: shortId(raw), kind: '', status: 'dispatched', at: null };
  const u = obj(raw);
  const id = str(first(u, 'unitId', 'id'));
  return {
    id,
    name: str(u.name) || shortId(id),
    kind: str(first(u, 'kind', 'vehicleKind')),
    status: str(u.status) || 'dispatched',
    // The time of the unit's latest status.
    at: timeOf(first(u, 'clearedAt', 'onSceneAt', 'enRouteAt', 'dispatchedAt', 'statusAt', 'at')),
  };
}

function eventFrom(raw: unknown): TimelineEvent {
  const e = obj(raw);
  const text = first(e, 'text', 'message', 'description', 'summary', 'note') ?? first(obj(e.details), 'text', 'note');
  const b = text && typeof text === 'object' ? bilingual(text) : null;
  return {
    at: timeOf(first(e, 'at', 'time', 'createdAt')),
    actor: str(first(e, 'actor', 'by', 'user')),
    kind: str(first(e, 'kind', 'type', 'event')),
    text: b ? b.zh : str(text),
    details: obj(e.details),
  };
}

/** Bilingual texts of timeline events, when the server sends them, are shown in the page's language. */
export function eventText(raw: unknown, lang: 'zh' | 'en'): string {
  const e = obj(raw);
  const text = first(e, 'text', 'message', 'description', 'summary', 'note') ?? first(obj(e.details), 'text', 'note');
  return text && typeof text === 'object' ? bilingual(text)[lang] : str(text);
}

export function incidentFrom(raw: unknown): IncidentView {
  const i = obj(raw);
  const plan = obj(i.plan);
  const openedAt = timeOf(i.openedAt);
  const steps = arr(first(i, 'steps') ?? plan.steps).map((s, n) => stepFrom(s, n, openedAt));
  const radius = numOr(first(i, 'evacuateRadiusM', 'evacuationRadiusM') ?? first(plan, 'evacuateRadiusM', 'evacuationRadiusM'));
  return {
    id: str(i.id),
    type: str(first(i, 'type', 'incidentType')),
    title: str(i.title),
    status: str(i.status) || 'open',
    severity: severityOf(i.severity),
    coords: coordsOf(i.location),
    district: str(i.district),
    openedAt,
    closedAt: timeOf(i.closedAt),
    outcome: str(i.outcome),
    escalated: i.escalated === true,
    evacuationRadiusM: radius,
    planName: bilingual(first(plan, 'name', 'title')),
    steps,
    units: arr(i.units).map(unitFrom),
    timeline: arr(first(i, 'timeline', 'events')).map(eventFrom),
    alarmIds: arr(first(i, 'alarmIds', 'refAlerts')).filter((a): a is string => typeof a === 'string'),
  };
}

function recommendedFrom(raw: unknown): RecommendedUnit {
  const u = obj(raw);
  const id = str(first(u, 'unitId', 'id'));
  const distanceKm = numOr(u.distanceKm);
  const etaMin = numOr(first(u, 'etaMinutes', 'etaMin'));
  return {
    id,
    name: str(u.name) || str(u.station) || shortId(id),
    kind: str(first(u, 'kind', 'vehicleKind')),
    distanceM: numOr(first(u, 'distanceM', 'distanceMeters', 'distance')) ?? (distanceKm !== null ? distanceKm * 1000 : null),
    etaS: numOr(first(u, 'etaS', 'etaSeconds', 'eta')) ?? (etaMin !== null ? etaMin * 60 : null),
  };
}

/** Recommendations per plan unit line: `{lines|recommendations: [...]}` or a bare array; a flat list of units is one line. */
export function recommendationsFrom(raw: unknown): RecommendationLine[] {
  const o = obj(raw);
  const list = Array.isArray(raw) ? raw : arr(first(o, 'lines', 'recommendations', 'units'));
  const isLine = (x: unknown) => Array.isArray(obj(x).units) || Array.isArray(obj(x).candidates);
  if (list.length > 0 && !list.some(isLine)) return [{ kind: '', count: list.length, label: '', units: list.map(recommendedFrom) }];
  return list.map((line) => {
    const l = obj(line);
    return {
      kind: str(first(l, 'kind', 'vehicleKind', 'unitKind')),
      count: numOr(first(l, 'count', 'needed', 'required'), 1) ?? 1,
      label: bilingual(first(l, 'label', 'name', 'role')).zh,
      units: arr(first(l, 'units', 'candidates')).map(recommendedFrom),
    };
  });
}

// ---------- units on the map ----------

export type UnitStatus = 'available' | 'dispatched' | 'enRoute' | 'onScene' | 'returning' | 'unknown';
export const UNIT_STATUSES: readonly UnitStatus[] = ['available', 'dispatched', 'enRoute', 'onScene', 'returning'];
export const UNIT_COLOURS: Record<UnitStatus, string> = {
  available: '#2e9d4f',
  dispatched: '#d62020',
  enRoute: '#f07c12',
  onScene: '#7b3fc4',
  returning: '#2f6fd1',
  unknown: '#9aa9b5',
};
/** How an incident is closed (the incidents API's outcomes). */
export const OUTCOMES = ['resolved', 'falseAlarm', 'transferred', 'duplicate', 'noActionNeeded'] as const;
export const UNIT_KINDS = ['fireEngine', 'ambulance', 'policeCar'] as const;
/** Map symbols by kind: a fire engine a square, an ambulance a cross, a police car a triangle. */
export const UNIT_SYMBOLS: Record<string, string> = {
  fireEngine: 'roundRect',
  ambulance: 'path://M3,0h4v3h3v4h-3v3h-4v-3h-3v-4h3z',
  policeCar: 'triangle',
};

export function unitStatus(value: unknown): UnitStatus {
  return (UNIT_STATUSES as readonly unknown[]).includes(value) ? (value as UnitStatus) : 'unknown';
}

export interface UnitOnMap {
  id: string;
  name: string;
  kind: string;
  status: UnitStatus;
  coords: [number, number] | null;
  incident: string;
}

export function unitOnMap(entity: KeyValues): UnitOnMap {
  return {
    id: entity.id,
    name: str(entity.name) || shortId(entity.id),
    kind: str(entity.vehicleKind),
    status: unitStatus(entity.status),
    coords: pointOf(entity.location),
    incident: str(entity.refIncident),
  };
}

/** Midnight in the city (Asia/Shanghai, UTC+8 all year) before `now`, for "today" counts. */
export function cityDayStart(now: number): number {
  const offset = 8 * 3_600_000;
  return Math.floor((now + offset) / 86_400_000) * 86_400_000 - offset;
}

/** Points of a circle of `radiusM` around [long, lat], for drawing an evacuation radius on the map. */
export function circle([long, lat]: [number, number], radiusM: number, steps = 72): [number, number][] {
  const dLat = radiusM / 111_320;
  const dLong = radiusM / (111_320 * Math.cos((lat * Math.PI) / 180));
  return Array.from({ length: steps + 1 }, (_, i) => {
    const a = (2 * Math.PI * i) / steps;
    return [long + dLong * Math.cos(a), lat + dLat * Math.sin(a)] as [number, number];
  });
}

type Box = [minX: number, minY: number, maxX: number, maxY: number];

/** The bounding box of every coordinate in a GeoJSON collection (or of a list of points). */
export function boxOf(values: unknown): Box {
  const box: Box = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (value: unknown): void => {
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'number') {
      box[0] = Math.min(box[0], value[0]);
      box[1] = Math.min(box[1], value[1]);
      box[2] = Math.max(box[2], value[0]);
      box[3] = Math.max(box[3], value[1]);
    } else if (Array.isArray(value)) for (const item of value) walk(item);
    else if (value && typeof value === 'object') {
      const o = value as { features?: unknown; geometry?: { coordinates?: unknown } };
      if (o.features) walk(o.features);
      else if (o.geometry) walk(o.geometry.coordinates);
    }
  };
  walk(values);
  return box;
}

/** Centre and zoom of a geo map whose full extent is `districts` that frame `points` (at least `minSpan` degrees wide). */
export function frameOf(districts: Box, points: [number, number][], minSpan = 0.02): { center: [number, number]; zoom: number } | null {
  const box = boxOf(points);
  if (!Number.isFinite(box[0]) || !Number.isFinite(districts[0])) return null;
  const width = Math.max(box[2] - box[0], minSpan);
  const height = Math.max(box[3] - box[1], minSpan);
  const zoom = Math.min((districts[2] - districts[0]) / width, (districts[3] - districts[1]) / height) * 0.85;
  return { center: [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2], zoom: Math.min(40, Math.max(1, zoom)) };
}
