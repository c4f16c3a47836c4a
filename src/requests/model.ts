/** Citizen service requests: the catalog, requests and their views, and the inputs the workflow accepts. */

/** A name or text in both languages of the platform. */
export interface Text {
  zh: string;
  en: string;
}

/** The six Open311 attribute datatypes. */
export const DATATYPES = ['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'] as const;
export type Datatype = (typeof DATATYPES)[number];

/** One attribute of a service definition (Open311 `attributes`). */
export interface ServiceAttribute {
  code: string;
  /** false: informational only (no input is taken, e.g. a safety note). */
  variable: boolean;
  datatype: Datatype;
  required: boolean;
  order: number;
  description: Text;
  datatypeDescription?: Text;
  /** singlevaluelist / multivaluelist: the values one may pick. */
  values?: { key: string; name: Text }[];
}

export type ServiceType = 'realtime' | 'batch' | 'blackbox';

/** A category as the public sees it (`GET /services`, Open311 services and service definitions). */
export interface ServiceView {
  code: string;
  name: Text;
  description: Text;
  group: string;
  keywords: string[];
  type: ServiceType;
  department: string;
  /** Whether the service has a definition with attributes (Open311 `metadata`). */
  metadata: boolean;
  attributes: ServiceAttribute[];
}

/** A category with its workflow settings: targets and routing exceptions. */
export interface ServiceCategory extends ServiceView {
  /** Hours within which the department should first act (acknowledge) on a request. */
  responseHours: number;
  /** Hours within which the request should be fixed (the SLA's resolution target; `dueAt`). */
  resolutionHours: number;
  /** District id → department, where a district routes this category elsewhere than `department`. */
  districtDepartments: Record<string, string>;
}

export const REQUEST_STATUSES = ['open', 'acknowledged', 'in_progress', 'planned', 'fixed', 'closed'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export const CLOSE_REASONS = ['duplicate', 'not_city_responsibility', 'no_further_action', 'referred'] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

/** On Open311 `fixed` and `closed` are `closed`; every other status is `open`. */
export type Open311Status = 'open' | 'closed';

export function open311Status(status: RequestStatus): Open311Status {
  return status === 'fixed' || status === 'closed' ? 'closed' : 'open';
}

/** A value of an attribute as stored after validation: numbers for `number`, lists for `multivaluelist`. */
export type AttributeValue = string | number | string[];

export type TimelineKind = 'created' | 'status' | 'assigned' | 'note' | 'paused' | 'resumed' | 'escalated' | 'reopened' | 'rated' | 'media';

export interface TimelineEntry {
  at: string;
  kind: TimelineKind;
  status?: RequestStatus;
  /** Who acted: a user name, or "system" for the sweeper; absent in the public view for the reporter's own entries. */
  by?: string;
  text: string;
}

export interface MediaRef {
  id: string;
  url: string;
  contentType: string;
  review: 'pending' | 'approved' | 'rejected';
}

/** The personal data of the reporter: shown only to the reporter and to staff. */
export interface ReporterInfo {
  name: string;
  phone: string;
  email: string;
}

/**
 * A request as the API shows it. The public view masks phone numbers, ID-card numbers and e-mail
 * addresses in `description`, `statusNotes` and the timeline, lists approved media only and has no `reporter`.
 * Timestamps are ISO 8601 UTC with `Z`.
 */
export interface RequestView {
  id: string;
  serviceCode: string;
  serviceName: Text;
  status: RequestStatus;
  closeReason: CloseReason | null;
  statusNotes: string | null;
  description: string;
  department: string;
  departmentName: Text;
  district: string | null;
  districtName: Text | null;
  lat: number | null;
  long: number | null;
  addressString: string | null;
  /** Extension: the Open311 `address_id` given at submission. */
  addressId: string | null;
  /** Extension: an external media URL given at submission (Open311 `media_url`); uploaded photos are in `media`. */
  mediaUrl: string | null;
  attributes: Record<string, AttributeValue>;
  media: MediaRef[];
  requestedAt: string;
  updatedAt: string;
  dueAt: string;
  overdue: boolean;
  paused: boolean;
  escalatedAt: string | null;
  assignee: string | null;
  reopenCount: number;
  rating: { score: number; comment: string } | null;
  duplicateOf: string | null;
  followers: number;
  timeline: TimelineEntry[];
  reporter?: ReporterInfo;
}

/** An existing report like the one being filed (duplicate detection). */
export interface Candidate {
  id: string;
  serviceCode: string;
  /** Public view (masked). */
  description: string;
  status: RequestStatus;
  requestedAt: string;
  distanceMeters: number;
  /** Chinese text similarity of the descriptions, 0..1 (character-bigram Dice). */
  similarity: number;
  followers: number;
}

/**
 * What a citizen submits: the portal's JSON and the Open311 POST form map to it directly.
 * Numbers may arrive as strings (a form): the service converts and validates them. Validation errors
 * are `AppError('BAD_REQUEST_DATA', …, { details: { field } })` where `field` names the input key
 * (`serviceCode`, `lat`, `long`, `location`, `description`, `email`, `attributes.<code>`, `mediaIds`, …);
 * an unknown service code has `details: { field: 'serviceCode', reason: 'unknown' }`.
 */
export interface SubmitInput {
  /** Open311 `service_code`. */
  serviceCode: string;
  /** WGS84; both or neither. Open311 `lat` / `long`. */
  lat?: number | string;
  long?: number | string;
  /** Open311 `address_string`. */
  addressString?: string;
  /** Open311 `address_id`. One of lat/long, addressString or addressId is required. */
  addressId?: string;
  /** Plain text, ≤ 4,000 characters, no HTML markup. Open311 `description`. */
  description?: string;
  /**
   * Open311 `attribute[code]`: strings from a form or typed JSON values; a multivaluelist takes an array
   * (`attribute[code][]=a&attribute[code][]=b`) or a single string. Converted by the attribute's datatype.
   */
  attributes?: Record<string, string | number | string[]>;
  /** Photos uploaded first through `POST /api/v1/requests/media` by the same principal. */
  mediaIds?: string[];
  /**
   * Photos sent with the request itself (Open311 multipart `media`): checked like uploads (≤ 10 MB, JPEG/PNG/WebP
   * bytes; refusals have `details: { field: 'media' }`) before anything is written, stored in the same statement.
   */
  photos?: { bytes: Uint8Array; declaredType?: string; filename?: string }[];
  /** Open311 `media_url`: an external http(s) URL. */
  mediaUrl?: string;
  /** Open311 reporter fields; a signed-in user's own name is used when none is given. */
  email?: string;
  phone?: string;
  firstName?: string;
  lastName?: string;
  deviceId?: string;
  accountId?: string;
}

export interface SubmitResult {
  request: RequestView;
  /** Set for `batch` services: Open311 answers with the token instead of the id. */
  token?: string;
  /** Open reports of the same category nearby: the citizen may follow one of them instead. */
  duplicates: Candidate[];
  /** What happens next (Open311 `service_notice`). */
  notice: Text;
}

/** Open311 `tokens/{id}`: the request a token stands for. */
export interface TokenLookup {
  token: string;
  serviceRequestId: string;
}

/**
 * The Open311 `GET requests` filter. `ids` overrides every other argument (as the spec says).
 * `start` / `end` bound `requestedAt` (inclusive); the service applies no default window (the binding
 * applies Open311's 90 days). Results are newest first.
 */
export interface SearchFilter {
  ids?: string[];
  serviceCodes?: string[];
  statuses?: Open311Status[];
  start?: Date | string;
  end?: Date | string;
  limit: number;
  offset: number;
}

/** The officer's queue: one department's requests by `dueAt` ascending. */
export interface QueueFilter {
  department?: string;
  district?: string;
  status?: RequestStatus;
  overdue?: boolean;
  limit?: number;
  offset?: number;
}

export interface StatusChange {
  status: RequestStatus;
  closeReason?: CloseReason;
  /** Shown to the citizen as `statusNotes`; the status's response template when absent. */
  note?: string;
}

export interface BulkAction {
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

export interface NotificationView {
  id: string;
  requestId: string;
  status: RequestStatus;
  text: string;
  at: string;
  read: boolean;
}

/** Statistics over the requests received in a period (see API.md for each definition). */
export interface Stats {
  received: number;
  responded: number;
  resolved: number;
  overdueOpen: number;
  medianResponseMinutes: number | null;
  medianResolutionMinutes: number | null;
  /** Resolved by dueAt ÷ (resolved + open overdue). */
  onTimeRate: number | null;
  /** Reopened at least once ÷ resolved. */
  reopenRate: number | null;
  /** Ratings ≥ 4 ÷ ratings. */
  satisfactionRate: number | null;
}

export interface StatsReport {
  totals: Stats;
  byDepartment: (Stats & { department: string; name: Text })[];
  byDistrict: (Stats & { district: string; name: Text })[];
}

export interface HeatCell {
  lat: number;
  long: number;
  count: number;
}

/** An uploaded photo, as stored. */
export interface StoredMedia {
  id: string;
  contentType: string;
  size: number;
  bytes: Uint8Array;
  uploadedBy: string | null;
  requestId: string | null;
  review: 'pending' | 'approved' | 'rejected';
}

export const MAX_DESCRIPTION = 4000;
export const MAX_MEDIA_BYTES = 10 * 1024 * 1024;
export const MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];
