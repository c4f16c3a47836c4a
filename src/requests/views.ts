/** How a request row is shown: the full view for its reporter and staff, the public view (masked, approved photos only) for everyone else. */
import type { CityInfo } from './city.ts';
import { maskPersonalData } from './moderation.ts';
import type { Candidate, RequestView, ServiceCategory, TimelineEntry } from './model.ts';
import type { NearbyRequest, RequestRow } from './store.ts';
import { isOverdue } from './workflow.ts';

export function mediaUrl(id: string): string {
  return `/api/v1/requests/media/${encodeURIComponent(id)}`;
}

/** Builds the view of a row; `full` for the reporter, officers of its department and admins. */
export function toView(row: RequestRow, city: CityInfo, category: ServiceCategory | undefined, now: Date, full: boolean): RequestView {
  const mask = full ? (text: string) => text : maskPersonalData;
  const dueAt = new Date(row.due_at);
  const pausedAt = row.paused_at ? new Date(row.paused_at) : null;
  const timeline: TimelineEntry[] = row.timeline
    .filter((e) => full || e.public)
    .map((e) => ({
      at: new Date(e.at).toISOString(),
      kind: e.kind,
      ...(e.status ? { status: e.status } : {}),
      ...(e.actor && (full || e.kind !== 'created') ? { by: e.actor } : {}),
      text: mask(e.text),
    }));
  const district = row.district ? city.districts.find((d) => d.id === row.district) : undefined;
  const view: RequestView = {
    id: row.id,
    serviceCode: row.service_code,
    serviceName: category?.name ?? { zh: row.service_code, en: row.service_code },
    status: row.status,
    closeReason: row.close_reason,
    statusNotes: row.status_notes === null ? null : mask(row.status_notes),
    description: mask(row.description),
    department: row.department,
    departmentName: city.departmentNames.get(row.department) ?? { zh: row.department, en: row.department },
    district: row.district,
    districtName: district ? district.name : null,
    lat: row.lat,
    long: row.long,
    addressString: row.address_string === null ? null : mask(row.address_string),
    addressId: row.address_id,
    mediaUrl: row.media_url,
    attributes: full ? row.attributes : maskAttributes(row.attributes),
    media: row.media.filter((m) => full || m.review === 'approved').map((m) => ({ id: m.id, url: mediaUrl(m.id), contentType: m.contentType, review: m.review })),
    requestedAt: new Date(row.requested_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    dueAt: dueAt.toISOString(),
    overdue: isOverdue({ status: row.status, dueAt, pausedAt }, now),
    paused: pausedAt !== null,
    escalatedAt: row.escalated_at ? new Date(row.escalated_at).toISOString() : null,
    assignee: row.assignee,
    reopenCount: row.reopen_count,
    rating: row.rating_score === null ? null : { score: row.rating_score, comment: row.rating_comment ?? '' },
    duplicateOf: row.duplicate_of,
    followers: row.followers,
    timeline,
  };
  if (full) view.reporter = { name: row.reporter_name, phone: row.reporter_phone, email: row.reporter_email };
  return view;
}

function maskAttributes(attributes: RequestRow['attributes']): RequestRow['attributes'] {
  return Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, typeof v === 'string' ? maskPersonalData(v) : v]));
}

export function toCandidate(row: NearbyRequest, serviceCode: string, distanceMeters: number, similarity: number): Candidate {
  return {
    id: row.id,
    serviceCode,
    description: maskPersonalData(row.description),
    status: row.status,
    requestedAt: new Date(row.requested_at).toISOString(),
    distanceMeters: Math.round(distanceMeters),
    similarity: Math.round(similarity * 1000) / 1000,
    followers: row.followers,
  };
}
