/** The citizen service request endpoints the portal calls (/api/v1/requests), typed as src/requests/API.md describes them. */
import { ApiError, apiRequest, authHeaders } from '../../api/client.ts';
import type { LocalizedText, Problem } from '../../api/types.ts';

const BASE = '/api/v1/requests';

export type Datatype = 'string' | 'number' | 'datetime' | 'text' | 'singlevaluelist' | 'multivaluelist';

export interface ServiceAttribute {
  code: string;
  /** false: information shown to the citizen, not a question. */
  variable: boolean;
  datatype: Datatype;
  required: boolean;
  order: number;
  description: LocalizedText;
  datatypeDescription?: LocalizedText;
  values?: { key: string; name: LocalizedText }[];
}

export interface ServiceView {
  code: string;
  name: LocalizedText;
  description: LocalizedText;
  group: string;
  keywords: string[];
  type: 'realtime' | 'batch' | 'blackbox';
  department: string;
  metadata: boolean;
  attributes: ServiceAttribute[];
}

export const STATUSES = ['open', 'acknowledged', 'in_progress', 'planned', 'fixed', 'closed'] as const;
export type RequestStatus = (typeof STATUSES)[number];

export const CLOSE_REASONS = ['duplicate', 'not_city_responsibility', 'no_further_action', 'referred'] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

export type AttributeValue = string | number | string[];

export interface Candidate {
  id: string;
  serviceCode: string;
  description: string;
  status: RequestStatus;
  requestedAt: string;
  distanceMeters: number;
  /** 0..1 */
  similarity: number;
  followers: number;
}

export type TimelineKind =
  | 'created'
  | 'status'
  | 'assigned'
  | 'note'
  | 'paused'
  | 'resumed'
  | 'escalated'
  | 'reopened'
  | 'rated'
  | 'media';

export interface TimelineEntry {
  at: string;
  kind: TimelineKind;
  status?: RequestStatus;
  by?: string;
  text: string;
}

export interface RequestMedia {
  id: string;
  url: string;
  contentType: string;
  review: 'pending' | 'approved' | 'rejected';
}

export interface RequestView {
  id: string;
  serviceCode: string;
  serviceName: LocalizedText;
  status: RequestStatus;
  closeReason: string | null;
  statusNotes: string | null;
  description: string;
  department: string;
  departmentName: LocalizedText;
  district: string | null;
  districtName: LocalizedText | null;
  lat: number | null;
  long: number | null;
  addressString: string | null;
  attributes: Record<string, AttributeValue>;
  media: RequestMedia[];
  requestedAt: string;
  updatedAt: string;
  dueAt: string;
  overdue: boolean;
  paused: boolean;
  escalatedAt: string | null;
  assignee: string | null;
  reopenCount: number;
  rating: { score: number; comment: string | null } | null;
  duplicateOf: string | null;
  followers: number;
  timeline: TimelineEntry[];
  /** Only for the reporter and staff. */
  reporter?: { name: string | null; phone: string | null; email: string | null };
}

export interface NewRequest {
  serviceCode: string;
  lat?: number;
  long?: number;
  addressString?: string;
  description: string;
  attributes?: Record<string, AttributeValue>;
  mediaIds?: string[];
}

export interface UploadedMedia {
  id: string;
  url: string;
  contentType: string;
  size: number;
}

export interface InboxNotification {
  id: string;
  requestId: string;
  status: RequestStatus;
  text: string;
  at: string;
  read: boolean;
}

export interface Stats {
  received: number;
  responded: number;
  resolved: number;
  overdueOpen: number;
  medianResponseMinutes: number | null;
  medianResolutionMinutes: number | null;
  onTimeRate: number | null;
  reopenRate: number | null;
  satisfactionRate: number | null;
}

export interface StatsReport {
  totals: Stats;
  byDepartment: (Stats & { department: string; name: LocalizedText })[];
  byDistrict: (Stats & { district: string; name: LocalizedText })[];
}

export interface HeatCell {
  lat: number;
  long: number;
  count: number;
}

export interface QueueQuery {
  department?: string;
  district?: string;
  status?: string;
  overdue?: boolean;
  limit?: number;
  offset?: number;
}

export interface BulkChange {
  ids: string[];
  status?: RequestStatus;
  closeReason?: CloseReason;
  note?: string;
  officer?: string;
}

export interface BulkResult {
  id: string;
  ok: boolean;
  status?: RequestStatus;
  error?: string;
}

/** The largest photo the server accepts (API.md: ≤ 10 MB). */
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
export const PHOTO_TYPES: readonly string[] = ['image/jpeg', 'image/png', 'image/webp'];

export async function fetchServices(signal?: AbortSignal): Promise<ServiceView[]> {
  const { services } = await apiRequest<{ services: ServiceView[] }>(`${BASE}/services`, { signal, auth: false });
  return services;
}

/**
 * Sends the photo's bytes as they are (`Content-Type` = the file's image type). The server answers
 * 413 for a photo over 10 MB and 415 when the bytes are not that image type; both come back as an
 * `ApiError` with that status, so the page can say what to do.
 */
export async function uploadMedia(file: Blob, signal?: AbortSignal): Promise<UploadedMedia> {
  let response: Response;
  try {
    response = await fetch(`${BASE}/media`, {
      method: 'POST',
      headers: { ...authHeaders(), 'Content-Type': file.type || 'application/octet-stream', Accept: 'application/json' },
      body: file,
      credentials: 'same-origin',
      ...(signal ? { signal } : {}),
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError('Network error', 0, 'network', undefined, { cause });
  }
  const body: unknown = /json/i.test(response.headers.get('content-type') ?? '') ? await response.json().catch(() => undefined) : undefined;
  if (!response.ok) {
    const problem = body && typeof body === 'object' ? (body as Problem) : undefined;
    const detail = typeof problem?.detail === 'string' && problem.detail ? problem.detail : undefined;
    if (detail) throw new ApiError(detail, response.status, 'problem', problem);
    throw new ApiError(`HTTP ${response.status}`, response.status, 'http', problem);
  }
  return body as UploadedMedia;
}

/**
 * A request's photo as an object URL. Photos not yet approved are only served to the reporter and
 * officers, who prove it with the Bearer token — which an `<img src>` cannot send.
 */
export async function fetchMediaObjectUrl(url: string, signal?: AbortSignal): Promise<string> {
  const response = await fetch(url, { headers: authHeaders(), credentials: 'same-origin', ...(signal ? { signal } : {}) });
  if (!response.ok) throw new ApiError(`HTTP ${response.status}`, response.status, 'http');
  return URL.createObjectURL(await response.blob());
}

export async function findDuplicates(
  body: { serviceCode: string; lat: number; long: number; description: string },
  signal?: AbortSignal,
): Promise<Candidate[]> {
  const { candidates } = await apiRequest<{ candidates: Candidate[] }>(`${BASE}/duplicates`, { method: 'POST', body, signal });
  return candidates;
}

export function submitRequest(body: NewRequest): Promise<{ request: RequestView; duplicates: Candidate[] }> {
  return apiRequest(BASE, { method: 'POST', body });
}

export async function followRequest(id: string): Promise<RequestView> {
  const { request } = await apiRequest<{ request: RequestView }>(`${BASE}/${encodeURIComponent(id)}/follow`, { method: 'POST', body: {} });
  return request;
}

export async function fetchMine(signal?: AbortSignal): Promise<RequestView[]> {
  const { requests } = await apiRequest<{ requests: RequestView[] }>(`${BASE}/mine`, { signal });
  return requests;
}

export function fetchRequest(id: string, signal?: AbortSignal): Promise<RequestView> {
  return apiRequest(`${BASE}/${encodeURIComponent(id)}`, { signal });
}

export function fetchQueue(query: QueueQuery, signal?: AbortSignal): Promise<{ requests: RequestView[]; total: number }> {
  return apiRequest(`${BASE}/queue`, {
    signal,
    query: {
      department: query.department,
      district: query.district,
      status: query.status,
      overdue: query.overdue ? 'true' : undefined,
      limit: query.limit,
      offset: query.offset,
    },
  });
}

export function changeStatus(id: string, body: { status: RequestStatus; closeReason?: CloseReason; note?: string }): Promise<RequestView> {
  return apiRequest(`${BASE}/${encodeURIComponent(id)}/status`, { method: 'POST', body });
}

export function assignRequest(id: string, officer: string): Promise<RequestView> {
  return apiRequest(`${BASE}/${encodeURIComponent(id)}/assign`, { method: 'POST', body: { officer } });
}

export function setWaiting(id: string, waiting: boolean, note?: string): Promise<RequestView> {
  return apiRequest(`${BASE}/${encodeURIComponent(id)}/wait`, { method: 'POST', body: { waiting, ...(note ? { note } : {}) } });
}

export async function bulkChange(body: BulkChange): Promise<BulkResult[]> {
  const { results } = await apiRequest<{ results: BulkResult[] }>(`${BASE}/bulk`, { method: 'POST', body });
  return results;
}

export function reopenRequest(id: string, reason: string): Promise<RequestView> {
  return apiRequest(`${BASE}/${encodeURIComponent(id)}/reopen`, { method: 'POST', body: { reason } });
}

export function rateRequest(id: string, score: number, comment?: string): Promise<RequestView> {
  return apiRequest(`${BASE}/${encodeURIComponent(id)}/rating`, { method: 'POST', body: { score, ...(comment ? { comment } : {}) } });
}

export function reviewMedia(id: string, mediaId: string, approved: boolean): Promise<RequestView> {
  return apiRequest(`${BASE}/${encodeURIComponent(id)}/media/${encodeURIComponent(mediaId)}/review`, {
    method: 'POST',
    body: { approved },
  });
}

export async function fetchNotifications(signal?: AbortSignal): Promise<InboxNotification[]> {
  const { notifications } = await apiRequest<{ notifications: InboxNotification[] }>(`${BASE}/notifications`, { signal });
  return notifications;
}

export function markNotificationsRead(ids: string[]): Promise<unknown> {
  return apiRequest(`${BASE}/notifications/read`, { method: 'POST', body: { ids } });
}

export function fetchStats(range: { from?: string; to?: string }, signal?: AbortSignal): Promise<StatsReport> {
  return apiRequest(`${BASE}/stats`, { signal, query: range });
}

export async function fetchHeatmap(range: { from?: string; to?: string }, signal?: AbortSignal): Promise<HeatCell[]> {
  const { cells } = await apiRequest<{ cells: HeatCell[] }>(`${BASE}/heatmap`, { signal, query: range });
  return cells;
}
