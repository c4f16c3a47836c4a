/** What the request pages share: status words and colours, durations and rates for display, and which district a pin is in. */
import type { DistrictCollection, DistrictFeature, User } from '../../api/types.ts';
import type { BadgeTone } from '../../components/Badge.tsx';
import { formatDateTime, type Lang, LOCALE, type MessageKey, type Translate } from '../../i18n/index.ts';
import type { RequestStatus, TimelineKind } from './api.ts';

export const STATUS_TONE: Record<RequestStatus, BadgeTone> = {
  open: 'warning',
  acknowledged: 'info',
  in_progress: 'info',
  planned: 'neutral',
  fixed: 'success',
  closed: 'neutral',
};

/** The statuses an officer moves a request to from the queue (closing has its own action, with a reason). */
export const WORK_STATUSES: readonly RequestStatus[] = ['acknowledged', 'in_progress', 'planned', 'fixed'];

export function statusKey(status: string): MessageKey {
  switch (status) {
    case 'open':
    case 'acknowledged':
    case 'in_progress':
    case 'planned':
    case 'fixed':
    case 'closed':
      return `requests.status.${status}`;
    default:
      return 'requests.status.unknown';
  }
}

export function closeReasonKey(reason: string): MessageKey {
  switch (reason) {
    case 'duplicate':
    case 'not_city_responsibility':
    case 'no_further_action':
    case 'referred':
      return `requests.closeReason.${reason}`;
    default:
      return 'requests.closeReason.other';
  }
}

export function timelineKey(kind: TimelineKind | string): MessageKey {
  switch (kind) {
    case 'created':
    case 'status':
    case 'assigned':
    case 'note':
    case 'paused':
    case 'resumed':
    case 'escalated':
    case 'reopened':
    case 'rated':
    case 'media':
      return `requests.timeline.${kind}`;
    default:
      return 'requests.timeline.note';
  }
}

export function isDone(status: RequestStatus): boolean {
  return status === 'fixed' || status === 'closed';
}

/** Officers work their department's queue; admins every department's. */
export function isStaff(user: User | null | undefined): boolean {
  return !!user && user.roles.some((role) => role === 'officer' || role === 'admin');
}

/** `2025-03-01 14:05` in Beijing time (the seconds add nothing for a citizen). */
export function formatMinute(iso: string | null | undefined): string {
  return formatDateTime(iso).slice(0, 16);
}

/** A duration in minutes as "3 小时 20 分" / "3 h 20 min", days for long ones; a dash when unknown. */
export function formatMinutes(minutes: number | null | undefined, t: Translate): string {
  if (minutes === null || minutes === undefined || !Number.isFinite(minutes)) return t('common.dash');
  const total = Math.max(0, Math.round(minutes));
  if (total < 60) return t('requests.duration.minutes', { m: total });
  const hours = Math.floor(total / 60);
  if (hours < 48) return t('requests.duration.hours', { h: hours, m: total % 60 });
  return t('requests.duration.days', { d: Math.floor(hours / 24), h: hours % 24 });
}

/** A 0..1 rate as a percentage with one decimal at most; a dash when there is nothing to divide. */
export function formatRate(rate: number | null | undefined, lang: Lang, t: Translate): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return t('common.dash');
  return new Intl.NumberFormat(LOCALE[lang], { style: 'percent', maximumFractionDigits: 1 }).format(rate);
}

export function formatDistance(meters: number, lang: Lang, t: Translate): string {
  if (meters < 1000) return t('requests.distance.m', { m: Math.round(meters) });
  return t('requests.distance.km', { km: new Intl.NumberFormat(LOCALE[lang], { maximumFractionDigits: 1 }).format(meters / 1000) });
}

/** The value of an `<input type="datetime-local">`, read as Beijing time, as ISO 8601 with its offset. */
export function beijingIso(local: string): string {
  if (!local) return '';
  const withSeconds = local.length === 16 ? `${local}:00` : local;
  return `${withSeconds}+08:00`;
}

type Ring = readonly (readonly number[])[];

function inRing(x: number, y: number, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi = 0, yi = 0] = ring[i] ?? [];
    const [xj = 0, yj = 0] = ring[j] ?? [];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inPolygon(x: number, y: number, rings: readonly Ring[]): boolean {
  const [outer, ...holes] = rings;
  return !!outer && inRing(x, y, outer) && !holes.some((hole) => inRing(x, y, hole));
}

/**
 * The district that contains a pin, to show "西湖区" next to the coordinates before submitting.
 * Only a hint: the server routes by the same polygons and has the last word.
 */
export function districtAt(long: number, lat: number, districts: DistrictCollection | undefined): DistrictFeature | undefined {
  return districts?.features.find((feature) => {
    const geometry = feature.geometry;
    if (geometry.type === 'Polygon') return inPolygon(long, lat, geometry.coordinates as Ring[]);
    return geometry.coordinates.some((polygon) => inPolygon(long, lat, polygon as Ring[]));
  });
}

/** A coordinate pair as people read it: `30.2592° N, 120.1301° E`. */
export function formatCoords(lat: number, long: number): string {
  const ns = lat >= 0 ? 'N' : 'S';
  const ew = long >= 0 ? 'E' : 'W';
  return `${Math.abs(lat).toFixed(5)}° ${ns}, ${Math.abs(long).toFixed(5)}° ${ew}`;
}
