/** The service-request workflow: catalog, submission, views, status changes, SLA, notifications and statistics. */
import { randomBytes, randomUUID } from 'node:crypto';
import { hasAnyRole, type Principal } from '../platform/auth/model.ts';
import { AppError } from '../platform/errors/app-error.ts';
import type { Queryable, Store } from '../platform/store/store.ts';
import type { Tenancy } from '../platform/tenancy/service.ts';
import { CatalogCache } from './catalog.ts';
import { CityCache } from './city.ts';
import { boundingBox, DUPLICATE_RADIUS_METERS, DUPLICATE_WINDOW_DAYS, rankCandidates } from './duplicates.ts';
import type { HubMirror } from './hub-mirror.ts';
import { readSubmission } from './input.ts';
import { checkPhoto } from './media.ts';
import { containsMarkup } from './moderation.ts';
import {
  type BulkAction,
  type BulkResult,
  type Candidate,
  CLOSE_REASONS,
  type CloseReason,
  type HeatCell,
  type NotificationView,
  type QueueFilter,
  REQUEST_STATUSES,
  type RequestStatus,
  type RequestView,
  type SearchFilter,
  type ServiceCategory,
  type ServiceView,
  type StatsReport,
  type StatusChange,
  type SubmitInput,
  type SubmitResult,
  type TokenLookup,
} from './model.ts';
import { departmentFor, districtOf } from './routing.ts';
import { heatmap, stats } from './stats.ts';
import * as sql from './store.ts';
import { toCandidate, toView } from './views.ts';
import { checkTransition, initialDueAt, isResolved, resumedDueAt, STATUS_TEMPLATES, templateNote } from './workflow.ts';

export interface ServiceRequestsDeps {
  store: Store;
  tenancy: Tenancy;
  mirror: HubMirror;
  /** The SLA's clock. */
  now: () => Date;
  /** Where status changes are POSTed (REQUESTS_WEBHOOK_URL); none: no webhook rows are queued. */
  webhookUrl: string | undefined;
  /** Told after a change queued outbox rows (the delivery starts at once instead of at its next poll). */
  onChange?: () => void;
}

const DAY_MS = 86_400_000;
const MAX_NOTE = 2000;
const MAX_PAGE = 1000;
const WRITE_ATTEMPTS = 4;

/** How a principal is remembered as a reporter, follower, uploader or inbox recipient. */
export function principalKey(principal: Principal): string {
  return `${principal.kind}:${principal.id ?? principal.name ?? 'anonymous'}`;
}

function actorName(principal: Principal): string {
  return principal.name ?? principal.kind;
}

function bad(field: string, message: string, extra: Record<string, unknown> = {}): AppError {
  return new AppError('BAD_REQUEST_DATA', message, { details: { field, ...extra } });
}

function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `There is no service request "${String(id).slice(0, 64)}" in this city`);
}

function signedIn(principal: Principal): void {
  if (principal.kind === 'anonymous') throw new AppError('UNAUTHENTICATED', 'Log in first: send "Authorization: Bearer <access token or API key>"');
}

function isAdmin(principal: Principal): boolean {
  return principal.kind === 'system' || hasAnyRole(principal, ['admin']);
}

/** Staff of a request: admins everywhere, officers of its department. */
function isStaffFor(principal: Principal, department: string): boolean {
  return isAdmin(principal) || (hasAnyRole(principal, ['officer']) && principal.department === department);
}

function isReporter(principal: Principal, row: { reporter_key: string | null }): boolean {
  return principal.kind !== 'anonymous' && row.reporter_key !== null && row.reporter_key === principalKey(principal);
}

function assertStaff(principal: Principal, department: string): void {
  signedIn(principal);
  if (isStaffFor(principal, department)) return;
  if (hasAnyRole(principal, ['officer'])) {
    throw new AppError('FORBIDDEN', `This request belongs to department "${department}"; officers act only on their own department's requests (${principal.department ?? 'none'})`);
  }
  throw new AppError('FORBIDDEN', 'Only officers of the responsible department and admins may do this');
}

function plainNote(value: unknown, field: string, max = MAX_NOTE): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw bad(field, `${field} must be text`);
  const text = value.trim();
  if (text.length > max) throw bad(field, `${field} is ${text.length} characters long; at most ${max} are allowed`);
  if (containsMarkup(text)) throw bad(field, `${field} must be plain text: remove the HTML markup (such as <script> or <img …>)`);
  return text || undefined;
}

function parseTime(value: Date | string | undefined, field: string): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const time = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(time.getTime())) throw bad(field, `${field} must be an ISO 8601 date and time, e.g. 2025-05-01T00:00:00Z`);
  return time;
}

function page(value: number | undefined, fallback: number, max: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0 || value > max) throw bad(field, `${field} must be a whole number from 0 to ${max}`);
  return value;
}

export class ServiceRequests {
  readonly #deps: ServiceRequestsDeps;
  readonly #catalog: CatalogCache;
  readonly #city: CityCache;

  constructor(deps: ServiceRequestsDeps) {
    this.#deps = deps;
    this.#catalog = new CatalogCache(deps.store);
    this.#city = new CityCache(deps.tenancy);
    deps.mirror.attach((tenant) => this.#catalog.get(tenant), deps.now);
  }

  // ── catalog ──────────────────────────────────────────────────────────────

  /** The city's catalog, in display order. Cached; `tenant` must exist. */
  async listServices(tenant: string): Promise<ServiceView[]> {
    await this.#deps.tenancy.assertExists(tenant);
    return [...(await this.#catalog.get(tenant)).values()].map(publicService);
  }

  /** One category; NOT_FOUND (details `{ field: 'serviceCode' }`) when the city has no such code. */
  async getService(tenant: string, code: string): Promise<ServiceView> {
    return publicService(await this.#category(tenant, code, 'NOT_FOUND'));
  }

  async #category(tenant: string, code: unknown, unknownAs: 'NOT_FOUND' | 'BAD_REQUEST_DATA'): Promise<ServiceCategory> {
    if (typeof code !== 'string' || code.trim() === '') throw bad('serviceCode', 'serviceCode is required: the code of a service from GET /api/v1/requests/services, e.g. "pothole"');
    await this.#deps.tenancy.assertExists(tenant);
    const catalog = await this.#catalog.get(tenant);
    const category = catalog.get(code);
    if (!category) {
      throw new AppError(unknownAs, `There is no service "${code.slice(0, 64)}" in this city; the services are ${[...catalog.keys()].join(', ')}`, {
        details: { field: 'serviceCode', reason: 'unknown' },
      });
    }
    return category;
  }

  // ── filing ───────────────────────────────────────────────────────────────

  /**
   * Files a request for `principal` (a signed-in user or an API key; anonymous is UNAUTHENTICATED):
   * validates the input (see SubmitInput for the error shape), routes it by category and district, and in
   * ONE statement looks for duplicates and writes the request, its photos, token and notifications.
   * `token` is set for `batch` services. The hub entity follows right after (see hub-mirror.ts).
   * @example await service.submit('hangzhou', { serviceCode: 'pothole', lat: 30.27, long: 120.15, description: '…', attributes: { depth_cm: '12', lane: 'motorway' } }, principal)
   */
  async submit(tenant: string, input: SubmitInput, principal: Principal): Promise<SubmitResult> {
    signedIn(principal);
    if (principal.tenant !== tenant) throw new AppError('FORBIDDEN', `This credential belongs to city "${principal.tenant}"`);
    if (input === null || typeof input !== 'object') throw bad('serviceCode', 'Send the request as an object with serviceCode, a location and a description');
    const category = await this.#category(tenant, input.serviceCode, 'BAD_REQUEST_DATA');
    const submission = readSubmission(category, input, principal.name ?? '');
    const photos = (Array.isArray(input.photos) ? input.photos : []).map((photo) => {
      const contentType = checkPhoto(photo.bytes, photo.declaredType, 'media');
      return { id: `m${randomBytes(12).toString('hex')}`, contentType, bytes: photo.bytes };
    });
    if (photos.length + submission.mediaIds.length > 5) throw bad('media', 'Attach at most 5 photos');
    const city = await this.#city.get(tenant);
    const { lat, long } = submission;
    const district = lat !== null && long !== null ? (districtOf(city.districts, lat, long)?.id ?? null) : null;
    const department = departmentFor(category, district);
    const now = this.#deps.now();
    const dueAt = initialDueAt(now, category.resolutionHours);
    const token = category.type === 'batch' ? randomUUID() : null;
    const key = principalKey(principal);
    const notes = templateNote('open', null);
    const probe =
      lat !== null && long !== null
        ? { tenant, serviceCode: category.code, box: boundingBox(lat, long, DUPLICATE_RADIUS_METERS), since: new Date(now.getTime() - DUPLICATE_WINDOW_DAYS * DAY_MS) }
        : null;
    const outbox: sql.NewRequest['outbox'] = [];
    if (this.#deps.webhookUrl) {
      outbox.push({
        channel: 'webhook',
        target: this.#deps.webhookUrl,
        payload: { event: 'created', tenant, serviceCode: category.code, status: 'open', department, district, text: notes, at: now.toISOString() },
      });
    }
    if (submission.reporter.email) {
      outbox.push({ channel: 'email', target: submission.reporter.email, payload: { subject: `${category.name.zh}：已收到 / ${category.name.en}: received`, text: notes } });
    }
    let inserted: Awaited<ReturnType<typeof sql.insertRequest>>;
    try {
      inserted = await sql.insertRequest(this.#deps.store, {
        tenant,
        idPrefix: idPrefix(tenant),
        serviceCode: category.code,
        statusNotes: notes,
        description: submission.description,
        department,
        district,
        lat,
        long,
        addressString: submission.addressString,
        addressId: submission.addressId,
        mediaUrl: submission.mediaUrl,
        attributes: submission.attributes,
        reporterKey: key,
        reporter: submission.reporter,
        requestedAt: now,
        dueAt,
        createdText: `${category.name.zh}：${submission.description || '（无描述）'}`.slice(0, 4100),
        actor: actorName(principal),
        mediaIds: submission.mediaIds,
        photos,
        token,
        outbox,
        probe,
      });
    } catch (error) {
      if ((error as { code?: unknown }).code === '22023' && /photo/.test((error as Error).message)) {
        throw bad('mediaIds', 'A photo in mediaIds is not one you uploaded, or it is already attached to another request; upload it again');
      }
      throw error;
    }
    void this.#deps.mirror.schedule(tenant, [inserted.id]);
    if (outbox.length > 0) this.#deps.onChange?.();
    const duplicates =
      lat !== null && long !== null
        ? rankCandidates({ lat, long, description: submission.description }, inserted.nearby).map((c) => toCandidate(c.row, category.code, c.distanceMeters, c.similarity))
        : [];
    const row: sql.RequestRow = {
      tenant_id: tenant,
      id: inserted.id,
      service_code: category.code,
      status: 'open',
      close_reason: null,
      status_notes: notes,
      description: submission.description,
      department,
      district,
      lat,
      long,
      address_string: submission.addressString,
      address_id: submission.addressId,
      media_url: submission.mediaUrl,
      attributes: submission.attributes,
      reporter_key: key,
      reporter_name: submission.reporter.name,
      reporter_phone: submission.reporter.phone,
      reporter_email: submission.reporter.email,
      requested_at: now,
      updated_at: now,
      responded_at: null,
      resolved_at: null,
      due_at: dueAt,
      paused_at: null,
      escalated_at: null,
      assignee: null,
      reopen_count: 0,
      rating_score: null,
      rating_comment: null,
      duplicate_of: null,
      followers: 0,
      version: 1,
      timeline: [{ at: now.toISOString(), kind: 'created', status: 'open', actor: actorName(principal), text: `${category.name.zh}：${submission.description || '（无描述）'}`, public: true }],
      media: [...inserted.media, ...photos.map((p) => ({ id: p.id, contentType: p.contentType }))].map((m) => ({ id: m.id, contentType: m.contentType, review: 'pending' as const, uploadedBy: key })),
    };
    return {
      request: toView(row, city, category, now, true),
      ...(token ? { token } : {}),
      duplicates,
      notice: {
        zh: `已转交${city.departmentNames.get(department)?.zh ?? department}，将在 ${category.responseHours} 小时内响应、${category.resolutionHours} 小时内办结。`,
        en: `Routed to ${city.departmentNames.get(department)?.en ?? department}: a response within ${category.responseHours} h, resolution within ${category.resolutionHours} h.`,
      },
    };
  }

  /** Open311 `tokens/{id}`; NOT_FOUND when the city issued no such token. */
  async tokenLookup(tenant: string, token: string): Promise<TokenLookup> {
    const [row] = await this.#deps.store.query<{ request_id: string }>('SELECT request_id FROM service_request_tokens WHERE tenant_id = $1 AND token = $2', [tenant, token]);
    if (!row) throw new AppError('NOT_FOUND', `There is no token "${String(token).slice(0, 64)}" in this city`, { details: { field: 'token' } });
    return { token, serviceRequestId: row.request_id };
  }

  /** Open reports like this one: same category, not fixed or closed, within 200 m and 14 days, most alike first. */
  async findDuplicates(tenant: string, probe: { serviceCode: string; lat: number | string; long: number | string; description?: string }): Promise<Candidate[]> {
    const category = await this.#category(tenant, probe.serviceCode, 'BAD_REQUEST_DATA');
    const lat = Number(probe.lat);
    const long = Number(probe.long);
    if (probe.lat === '' || !Number.isFinite(lat) || Math.abs(lat) > 90) throw bad('lat', 'lat must be a latitude between -90 and 90');
    if (probe.long === '' || !Number.isFinite(long) || Math.abs(long) > 180) throw bad('long', 'long must be a longitude between -180 and 180');
    const description = typeof probe.description === 'string' ? probe.description : '';
    const now = this.#deps.now();
    const rows = await sql.nearbyRequests(this.#deps.store, {
      tenant,
      serviceCode: category.code,
      box: boundingBox(lat, long, DUPLICATE_RADIUS_METERS),
      since: new Date(now.getTime() - DUPLICATE_WINDOW_DAYS * DAY_MS),
    });
    return rankCandidates({ lat, long, description }, rows).map((c) => toCandidate(c.row, category.code, c.distanceMeters, c.similarity));
  }

  // ── reading ──────────────────────────────────────────────────────────────

  async #views(tenant: string, rows: sql.RequestRow[], viewer: Principal): Promise<RequestView[]> {
    if (rows.length === 0) return [];
    const [city, catalog] = await Promise.all([this.#city.get(tenant), this.#catalog.get(tenant)]);
    const now = this.#deps.now();
    return rows.map((row) => toView(row, city, catalog.get(row.service_code), now, isReporter(viewer, row) || isStaffFor(viewer, row.department)));
  }

  /** Open311 `GET requests`: the views `viewer` may see, newest first, and how many match in all. */
  async search(tenant: string, filter: SearchFilter, viewer: Principal): Promise<{ requests: RequestView[]; total: number }> {
    const p = new sql.Params();
    const where = [`r.tenant_id = ${p.add(tenant)}`];
    if (filter.ids && filter.ids.length > 0) {
      where.push(`r.id = ANY(${p.add(filter.ids.map(String))}::text[])`);
    } else {
      if (filter.serviceCodes && filter.serviceCodes.length > 0) where.push(`r.service_code = ANY(${p.add(filter.serviceCodes)}::text[])`);
      const statuses = new Set(filter.statuses ?? []);
      for (const s of statuses) if (s !== 'open' && s !== 'closed') throw bad('statuses', 'status must be open or closed');
      if (statuses.size === 1) where.push(statuses.has('closed') ? `r.status IN ('fixed', 'closed')` : `r.status NOT IN ('fixed', 'closed')`);
      const start = parseTime(filter.start, 'start');
      const end = parseTime(filter.end, 'end');
      if (start) where.push(`r.requested_at >= ${p.add(start.toISOString())}::timestamptz`);
      if (end) where.push(`r.requested_at <= ${p.add(end.toISOString())}::timestamptz`);
    }
    const limit = page(filter.limit, 50, MAX_PAGE, 'limit');
    const offset = page(filter.offset, 0, 10_000_000, 'offset');
    const condition = where.join(' AND ');
    const [rows, total] = await Promise.all([
      sql.selectRequests(this.#deps.store, condition, p, `ORDER BY r.requested_at DESC, r.id DESC LIMIT ${limit} OFFSET ${offset}`),
      sql.countRequests(this.#deps.store, condition, p),
    ]);
    return { requests: await this.#views(tenant, rows, viewer), total };
  }

  /** One request: the full view for its reporter, its department's officers and admins, else the public view. NOT_FOUND otherwise. */
  async get(tenant: string, id: string, viewer: Principal): Promise<RequestView> {
    const row = await sql.findRequest(this.#deps.store, tenant, id);
    if (!row) throw notFound(id);
    return (await this.#views(tenant, [row], viewer))[0] as RequestView;
  }

  /** The principal follows an existing report instead of filing a new one; followers are notified of its changes. */
  async follow(principal: Principal, id: string): Promise<RequestView> {
    signedIn(principal);
    const row = await sql.findRequest(this.#deps.store, principal.tenant, id);
    if (!row) throw notFound(id);
    if (!isReporter(principal, row)) await sql.addFollower(this.#deps.store, principal.tenant, id, principalKey(principal));
    return this.get(principal.tenant, id, principal);
  }

  /** Requests the principal filed or follows, newest first (at most 200). */
  async mine(principal: Principal): Promise<RequestView[]> {
    signedIn(principal);
    const p = new sql.Params();
    const t = p.add(principal.tenant);
    const key = p.add(principalKey(principal));
    const rows = await sql.selectRequests(
      this.#deps.store,
      `r.tenant_id = ${t} AND (r.reporter_key = ${key} OR r.id IN (SELECT f.request_id FROM service_request_followers f WHERE f.tenant_id = ${t} AND f.follower_key = ${key}))`,
      p,
      'ORDER BY r.requested_at DESC, r.id DESC LIMIT 200',
    );
    return this.#views(principal.tenant, rows, principal);
  }

  /** A department's queue by `dueAt` ascending (unresolved ones unless `status` says otherwise): officers see their own department only, admins any. */
  async queue(principal: Principal, filter: QueueFilter): Promise<{ requests: RequestView[]; total: number }> {
    signedIn(principal);
    let department = filter.department || undefined;
    if (!isAdmin(principal)) {
      if (!hasAnyRole(principal, ['officer']) || !principal.department) throw new AppError('FORBIDDEN', 'The queue is for department officers and admins');
      if (department !== undefined && department !== principal.department) {
        throw new AppError('FORBIDDEN', `Officers see only their own department's queue (${principal.department}), not "${department.slice(0, 64)}"`);
      }
      department = principal.department;
    }
    const p = new sql.Params();
    const where = [`r.tenant_id = ${p.add(principal.tenant)}`];
    if (department) where.push(`r.department = ${p.add(department)}`);
    if (filter.district) where.push(`r.district = ${p.add(filter.district)}`);
    if (filter.status !== undefined) {
      if (!REQUEST_STATUSES.includes(filter.status)) throw bad('status', `status must be one of ${REQUEST_STATUSES.join(', ')}`);
      where.push(`r.status = ${p.add(filter.status)}`);
    } else {
      where.push(`r.status NOT IN ('fixed', 'closed')`);
    }
    if (filter.overdue) where.push(`r.status NOT IN ('fixed', 'closed') AND r.paused_at IS NULL AND r.due_at < ${p.add(this.#deps.now().toISOString())}::timestamptz`);
    const limit = page(filter.limit, 50, 500, 'limit');
    const offset = page(filter.offset, 0, 10_000_000, 'offset');
    const condition = where.join(' AND ');
    const [rows, total] = await Promise.all([
      sql.selectRequests(this.#deps.store, condition, p, `ORDER BY r.due_at ASC, r.id LIMIT ${limit} OFFSET ${offset}`),
      sql.countRequests(this.#deps.store, condition, p),
    ]);
    return { requests: await this.#views(principal.tenant, rows, principal), total };
  }

  // ── workflow ─────────────────────────────────────────────────────────────

  /**
   * Reads the request, lets `decide` check and shape the change, and writes it if nobody changed the request
   * meanwhile (else reads again). Then the hub entity and the webhook follow.
   */
  async #mutate(principal: Principal, id: string, decide: (row: sql.RequestRow, now: Date, category: ServiceCategory | undefined) => Omit<sql.Change, 'tenant' | 'id' | 'version'> | undefined): Promise<RequestView> {
    signedIn(principal);
    const tenant = principal.tenant;
    for (let attempt = 1; ; attempt++) {
      const row = await sql.findRequest(this.#deps.store, tenant, id);
      if (!row) throw notFound(id);
      const catalog = await this.#catalog.get(tenant);
      const now = this.#deps.now();
      const change = decide(row, now, catalog.get(row.service_code));
      if (change === undefined) return (await this.#views(tenant, [row], principal))[0] as RequestView;
      if (await sql.applyChange(this.#deps.store, { ...change, tenant, id, version: row.version })) break;
      if (attempt >= WRITE_ATTEMPTS) throw new AppError('CONFLICT', 'This request is being changed by someone else right now; try again', { retryAfter: 1 });
    }
    await this.#deps.mirror.schedule(tenant, [id]);
    this.#deps.onChange?.();
    return this.get(tenant, id, principal);
  }

  #notice(row: sql.RequestRow, category: ServiceCategory | undefined, status: RequestStatus, text: string, now: Date, event = 'status'): sql.Change['notify'] {
    const name = category?.name ?? { zh: row.service_code, en: row.service_code };
    return {
      text: `${name.zh}（${row.id}）：${text}`,
      at: now.toISOString(),
      webhookUrl: this.#deps.webhookUrl,
      subject: `${name.zh} ${row.id}：${STATUS_TEMPLATES[status].zh.replace(/。.*$/, '')} / ${name.en} ${row.id}: ${status}`,
      payload: { event, tenant: row.tenant_id, requestId: row.id, serviceCode: row.service_code, status, department: row.department, text, at: now.toISOString() },
    };
  }

  /** Moves a request along the workflow; CONFLICT naming the allowed statuses when the transition is not one. */
  async changeStatus(principal: Principal, id: string, change: StatusChange & { duplicateOf?: string }): Promise<RequestView> {
    if (!REQUEST_STATUSES.includes(change.status)) throw bad('status', `status must be one of ${REQUEST_STATUSES.join(', ')}`);
    if (change.closeReason !== undefined && !CLOSE_REASONS.includes(change.closeReason)) throw bad('closeReason', `closeReason must be one of ${CLOSE_REASONS.join(', ')}`);
    const note = plainNote(change.note, 'note');
    let duplicateOf: string | null = null;
    if (change.duplicateOf !== undefined && change.duplicateOf !== '') {
      if (change.closeReason !== 'duplicate') throw bad('duplicateOf', 'duplicateOf goes with closeReason "duplicate"');
      if (!(await sql.findRequest(this.#deps.store, principal.tenant, change.duplicateOf))) throw bad('duplicateOf', `There is no request "${String(change.duplicateOf).slice(0, 64)}" to be a duplicate of`);
      duplicateOf = change.duplicateOf;
    }
    return this.#mutate(principal, id, (row, now, category) => {
      assertStaff(principal, row.department);
      checkTransition(row.status, change.status, change.closeReason);
      const closeReason: CloseReason | null = change.status === 'closed' ? (change.closeReason ?? row.close_reason ?? null) : null;
      const notes = note ?? templateNote(change.status, closeReason);
      const resolving = isResolved(change.status);
      const set: sql.Settable = {
        status: change.status,
        close_reason: closeReason,
        status_notes: notes,
        updated_at: now,
        responded_at: row.responded_at ?? now,
        resolved_at: resolving ? (isResolved(row.status) && row.resolved_at ? row.resolved_at : now) : null,
      };
      if (duplicateOf !== null) set.duplicate_of = duplicateOf;
      if (resolving && row.paused_at) {
        set.paused_at = null;
        set.due_at = resumedDueAt(new Date(row.due_at), new Date(row.paused_at), now);
      }
      return {
        set,
        events: [{ at: now.toISOString(), kind: 'status', status: change.status, actor: actorName(principal), text: notes }],
        notify: this.#notice(row, category, change.status, notes, now),
      };
    });
  }

  /** Assigns the request to an officer (user id or username) of its department. */
  async assign(principal: Principal, id: string, officer: string): Promise<RequestView> {
    if (typeof officer !== 'string' || officer.trim() === '') throw bad('officer', 'officer must be the username or user id of an officer of the department');
    const [user] = await this.#deps.store.query<{ username: string; department_id: string | null; roles: string[] }>(
      'SELECT username, department_id, roles FROM users WHERE tenant_id = $1 AND (username = $2 OR id::text = $2) AND NOT disabled',
      [principal.tenant, officer.trim()],
    );
    return this.#mutate(principal, id, (row, now) => {
      assertStaff(principal, row.department);
      if (!user || user.department_id !== row.department || !user.roles.includes('officer')) {
        throw bad('officer', `"${officer.slice(0, 64)}" is not an officer of department "${row.department}"; assign the request to one of its officers`);
      }
      if (isResolved(row.status)) throw new AppError('CONFLICT', `This request is ${row.status}; there is nothing to assign`);
      if (row.assignee === user.username) return undefined;
      return {
        set: { assignee: user.username, updated_at: now, responded_at: row.responded_at ?? now },
        events: [{ at: now.toISOString(), kind: 'assigned', status: row.status, actor: actorName(principal), text: `已指派给 ${user.username}。 Assigned to ${user.username}.` }],
      };
    });
  }

  /** Pauses (waiting on the citizen) or resumes the SLA clock; pausing twice or resuming a running clock changes nothing. */
  async setWaiting(principal: Principal, id: string, waiting: boolean, note?: string): Promise<RequestView> {
    if (typeof waiting !== 'boolean') throw bad('waiting', 'waiting must be true (pause the clock) or false (resume it)');
    const text = plainNote(note, 'note');
    return this.#mutate(principal, id, (row, now, category) => {
      assertStaff(principal, row.department);
      if (isResolved(row.status)) throw new AppError('CONFLICT', `This request is ${row.status}; its clock no longer runs`);
      if (waiting === (row.paused_at !== null)) return undefined;
      if (waiting) {
        const message = text ?? '等待市民补充信息，处理时限暂停计时。 Waiting on you for more information; the deadline clock is paused.';
        return {
          set: { paused_at: now, updated_at: now, responded_at: row.responded_at ?? now },
          events: [{ at: now.toISOString(), kind: 'paused', status: row.status, actor: actorName(principal), text: message }],
          notify: this.#notice(row, category, row.status, message, now, 'paused'),
        };
      }
      const dueAt = resumedDueAt(new Date(row.due_at), new Date(row.paused_at as Date), now);
      const message = text ?? `已恢复计时，新的办结时限为 ${dueAt.toISOString()}。 The clock runs again; now due ${dueAt.toISOString()}.`;
      return {
        set: { paused_at: null, due_at: dueAt, updated_at: now },
        events: [{ at: now.toISOString(), kind: 'resumed', status: row.status, actor: actorName(principal), text: message }],
      };
    });
  }

  /** Applies one action to many requests, each on its own: a refused one never stops the others. */
  async bulk(principal: Principal, action: BulkAction): Promise<BulkResult[]> {
    signedIn(principal);
    if (!Array.isArray(action.ids) || action.ids.length === 0 || action.ids.length > 200) throw bad('ids', 'ids must list 1 to 200 request ids');
    if (action.status === undefined && action.officer === undefined) throw bad('status', 'Say what to do: a status, an officer, or both');
    const results: BulkResult[] = [];
    for (const id of action.ids) {
      try {
        let view: RequestView | undefined;
        if (action.officer !== undefined) view = await this.assign(principal, String(id), action.officer);
        if (action.status !== undefined) {
          view = await this.changeStatus(principal, String(id), {
            status: action.status,
            ...(action.closeReason !== undefined ? { closeReason: action.closeReason } : {}),
            ...(action.note !== undefined ? { note: action.note } : {}),
          });
        }
        results.push({ id: String(id), ok: true, ...(view ? { status: view.status } : {}) });
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        results.push({ id: String(id), ok: false, error: error.message });
      }
    }
    return results;
  }

  /** The reporter reopens a fixed or closed request: back to `open`, `reopenCount` + 1, a fresh resolution target from now. */
  async reopen(principal: Principal, id: string, reason: string): Promise<RequestView> {
    const text = plainNote(reason, 'reason', 1000);
    if (text === undefined) throw bad('reason', 'Say why the problem is not solved (reason)');
    return this.#mutate(principal, id, (row, now, category) => {
      if (!isReporter(principal, row)) throw new AppError('FORBIDDEN', 'Only the citizen who reported this request may reopen it');
      if (!isResolved(row.status)) throw new AppError('CONFLICT', `This request is ${row.status}, not fixed or closed; there is nothing to reopen`);
      const message = `市民重新打开：${text} Reopened by the reporter: ${text}`;
      return {
        set: {
          status: 'open',
          close_reason: null,
          status_notes: message,
          resolved_at: null,
          reopen_count: row.reopen_count + 1,
          due_at: initialDueAt(now, category?.resolutionHours ?? 72),
          escalated_at: null,
          paused_at: null,
          updated_at: now,
        },
        events: [{ at: now.toISOString(), kind: 'reopened', status: 'open', actor: actorName(principal), text: message }],
        notify: this.#notice(row, category, 'open', message, now, 'reopened'),
      };
    });
  }

  /** The reporter rates a fixed or closed request, once (1..5). */
  async rate(principal: Principal, id: string, rating: { score: number; comment?: string }): Promise<RequestView> {
    if (!Number.isInteger(rating?.score) || rating.score < 1 || rating.score > 5) throw bad('score', 'score must be a whole number from 1 to 5');
    const comment = plainNote(rating.comment, 'comment', 1000) ?? '';
    return this.#mutate(principal, id, (row, now) => {
      if (!isReporter(principal, row)) throw new AppError('FORBIDDEN', 'Only the citizen who reported this request may rate it');
      if (!isResolved(row.status)) throw new AppError('CONFLICT', `Rate a request once it is fixed or closed; this one is ${row.status}`);
      if (row.rating_score !== null) throw new AppError('CONFLICT', 'You already rated this request; a request is rated once');
      return {
        set: { rating_score: rating.score, rating_comment: comment, updated_at: now },
        events: [{ at: now.toISOString(), kind: 'rated', status: row.status, actor: actorName(principal), text: `评分 ${rating.score}/5。 Rated ${rating.score}/5.${comment ? ` ${comment}` : ''}` }],
      };
    });
  }

  /** An officer of the department approves or rejects a photo; only approved photos are public. */
  async reviewMedia(principal: Principal, id: string, mediaId: string, approved: boolean): Promise<RequestView> {
    if (typeof approved !== 'boolean') throw bad('approved', 'approved must be true or false');
    signedIn(principal);
    const tenant = principal.tenant;
    const row = await sql.findRequest(this.#deps.store, tenant, id);
    if (!row) throw notFound(id);
    assertStaff(principal, row.department);
    if (!row.media.some((m) => m.id === mediaId)) throw new AppError('NOT_FOUND', `Request ${id} has no photo "${String(mediaId).slice(0, 64)}"`);
    const now = this.#deps.now();
    const review = approved ? 'approved' : 'rejected';
    await this.#deps.store.transaction(async (tx: Queryable) => {
      await tx.query('UPDATE service_request_media SET review = $4 WHERE tenant_id = $1 AND request_id = $2 AND id = $3', [tenant, id, mediaId, review]);
      await tx.query(
        `INSERT INTO service_request_events (tenant_id, request_id, at, kind, status, actor, text, public) VALUES ($1, $2, $3, 'media', $4, $5, $6, $7)`,
        [tenant, id, now.toISOString(), row.status, actorName(principal), approved ? '照片已审核通过。 Photo approved.' : '照片未通过审核。 Photo rejected.', approved],
      );
    });
    return this.get(tenant, id, principal);
  }

  /** Stores an uploaded photo (pending review) after checking its bytes are a JPEG, PNG or WebP image. */
  async uploadMedia(principal: Principal, bytes: Uint8Array, declaredType: string | undefined): Promise<{ id: string; url: string; contentType: string; size: number }> {
    signedIn(principal);
    const sniffed = checkPhoto(bytes, declaredType, 'body');
    const id = `m${randomBytes(12).toString('hex')}`;
    await this.#deps.store.query(
      'INSERT INTO service_request_media (tenant_id, id, content_type, size, bytes, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6)',
      [principal.tenant, id, sniffed, bytes.length, bytes, principalKey(principal)],
    );
    return { id, url: `/api/v1/requests/media/${id}`, contentType: sniffed, size: bytes.length };
  }

  /** A photo's bytes: approved ones for anyone; pending or rejected ones for the uploader and staff of its request. */
  async getMedia(tenant: string, mediaId: string, viewer: Principal): Promise<{ bytes: Uint8Array; contentType: string }> {
    const [row] = await this.#deps.store.query<{ bytes: Uint8Array; content_type: string; review: string; uploaded_by: string; department: string | null }>(
      `SELECT m.bytes, m.content_type, m.review, m.uploaded_by, r.department FROM service_request_media m
         LEFT JOIN service_requests r ON r.tenant_id = m.tenant_id AND r.id = m.request_id
        WHERE m.tenant_id = $1 AND m.id = $2`,
      [tenant, mediaId],
    );
    const allowed =
      row &&
      (row.review === 'approved' ||
        (viewer.kind !== 'anonymous' && row.uploaded_by === principalKey(viewer)) ||
        isAdmin(viewer) ||
        (row.department !== null && isStaffFor(viewer, row.department)));
    if (!row || !allowed) throw new AppError('NOT_FOUND', `There is no photo "${String(mediaId).slice(0, 64)}" you may see`);
    return { bytes: row.bytes, contentType: row.content_type };
  }

  // ── notifications ────────────────────────────────────────────────────────

  #inboxKeys(principal: Principal): string[] {
    const keys = [principalKey(principal)];
    if (hasAnyRole(principal, ['officer']) && principal.department) keys.push(`department:${principal.department}`);
    return keys;
  }

  /** The principal's portal inbox (and, for officers, their department's), newest first. */
  async notifications(principal: Principal): Promise<NotificationView[]> {
    signedIn(principal);
    const rows = await this.#deps.store.query<{ id: string; request_id: string; status: RequestStatus; text: string; at: Date; read_at: Date | null }>(
      `SELECT id::text AS id, request_id, status, text, at, read_at FROM service_request_inbox
        WHERE tenant_id = $1 AND recipient_key = ANY($2::text[]) ORDER BY id DESC LIMIT 200`,
      [principal.tenant, this.#inboxKeys(principal)],
    );
    return rows.map((r) => ({ id: r.id, requestId: r.request_id, status: r.status, text: r.text, at: new Date(r.at).toISOString(), read: r.read_at !== null }));
  }

  async markRead(principal: Principal, ids: string[]): Promise<void> {
    signedIn(principal);
    if (!Array.isArray(ids) || ids.some((id) => !/^\d{1,18}$/.test(String(id)))) throw bad('ids', 'ids must list notification ids');
    await this.#deps.store.query(
      `UPDATE service_request_inbox SET read_at = $4 WHERE tenant_id = $1 AND recipient_key = ANY($2::text[]) AND id = ANY($3::bigint[]) AND read_at IS NULL`,
      [principal.tenant, this.#inboxKeys(principal), ids.map(String), this.#deps.now().toISOString()],
    );
  }

  // ── SLA sweeper ──────────────────────────────────────────────────────────

  /** Escalates every overdue request that was not escalated yet (once each, whatever runs at the same time); returns how many. */
  async escalateOverdue(): Promise<number> {
    const now = this.#deps.now();
    let total = 0;
    for (;;) {
      const rows = await sql.escalateOverdue(this.#deps.store, now, this.#deps.webhookUrl, 500);
      total += rows.length;
      const byTenant = new Map<string, string[]>();
      for (const r of rows) byTenant.set(r.tenant_id, [...(byTenant.get(r.tenant_id) ?? []), r.id]);
      await Promise.all([...byTenant].map(([tenant, ids]) => this.#deps.mirror.schedule(tenant, ids)));
      if (rows.length > 0) this.#deps.onChange?.();
      if (rows.length < 500) return total;
    }
  }

  // ── statistics ───────────────────────────────────────────────────────────

  /** Statistics of requests received in [from, to) per department and district (definitions in API.md). */
  async stats(tenant: string, period: { from?: string; to?: string }): Promise<StatsReport> {
    const from = parseTime(period.from, 'from');
    const to = parseTime(period.to, 'to');
    const city = await this.#city.get(tenant);
    return stats(this.#deps.store, { tenant, from, to, now: this.#deps.now() }, city);
  }

  /** Counts of requests on a ~500 m grid (never a single report's exact pin). */
  async heatmap(tenant: string, period: { from?: string; to?: string }): Promise<HeatCell[]> {
    return heatmap(this.#deps.store, { tenant, from: parseTime(period.from, 'from'), to: parseTime(period.to, 'to') });
  }
}

/** Request ids start with the city's pinyin initials where they can be read off its id (hangzhou → HZ, shenzhen → SZ), else its first two letters. */
export function idPrefix(tenant: string): string {
  const syllables = /^(zh|ch|sh|[a-z])[aeiouv]+(?:ng|n|r)?(zh|ch|sh|[bcdfghjklmnpqrstwxyz])/.exec(tenant);
  const prefix = syllables ? `${(syllables[1] as string)[0]}${(syllables[2] as string)[0]}` : tenant.replace(/[^a-z]/g, '').slice(0, 2);
  return prefix.toUpperCase() || 'SR';
}

function publicService(category: ServiceCategory): ServiceView {
  const { responseHours: _r, resolutionHours: _s, districtDepartments: _d, ...view } = category;
  return view;
}
