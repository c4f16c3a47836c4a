/** Car parks, hospitals and citizen requests: occupancy, load and the service rates of `ServiceRequest` entities. Pure. */

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Occupancy (0–1) of car parks: spots taken over spots, summed (a big car park counts for its size). */
export function parkingOccupancy(parks: readonly { totalSpotNumber: number; availableSpotNumber: number }[]): number | null {
  let total = 0;
  let taken = 0;
  for (const p of parks) {
    if (!(p.totalSpotNumber > 0) || !Number.isFinite(p.availableSpotNumber)) continue;
    total += p.totalSpotNumber;
    taken += Math.min(p.totalSpotNumber, Math.max(0, p.totalSpotNumber - p.availableSpotNumber));
  }
  return total > 0 ? round3(taken / total) : null;
}

export interface HospitalFigure {
  /** Beds taken over beds (0–1): the indicator's value. */
  bedOccupancy: number;
  /** Mean emergency load (0–1: waiting patients over the emergency room's capacity), weighted by beds. */
  emergencyLoad: number;
  emergencyWaiting: number;
}

/** Hospital load of a set of hospitals (a district or the city). */
export function hospitalLoad(
  hospitals: readonly { totalBeds: number; availableBeds: number; emergencyLoad?: number; emergencyWaiting?: number }[],
): HospitalFigure | null {
  let beds = 0;
  let taken = 0;
  let load = 0;
  let waiting = 0;
  for (const h of hospitals) {
    if (!(h.totalBeds > 0) || !Number.isFinite(h.availableBeds)) continue;
    beds += h.totalBeds;
    taken += Math.max(0, h.totalBeds - h.availableBeds);
    load += (h.emergencyLoad ?? 0) * h.totalBeds;
    waiting += h.emergencyWaiting ?? 0;
  }
  return beds > 0 ? { bedOccupancy: round3(taken / beds), emergencyLoad: round3(load / beds), emergencyWaiting: waiting } : null;
}

/**
 * The figures of a `ServiceRequest` entity the rates need (see `src/requests/hub-mirror.ts` `requestEntity`).
 * The entity carries no acknowledgement or closing time: `updatedAt` of an acknowledged (or later) request is used
 * as an upper bound of the first action and of the closing time, so the response and resolution rates are
 * conservative. `acknowledgedAt`/`closedAt` are used when a caller has them.
 */
export interface RequestFacts {
  status: string;
  requestedAt: string | number;
  updatedAt: string | number;
  dueAt: string | number;
  overdue?: boolean;
  rating?: number;
  acknowledgedAt?: string | number;
  closedAt?: string | number;
}

const ms = (x: string | number | undefined) => (x === undefined ? Number.NaN : typeof x === 'number' ? x : Date.parse(x));
const CLOSED = new Set(['fixed', 'closed']);

/** How many of `requests` were filed in [from, to) (the count complaint surges are found on). */
export function requestsFiled(requests: readonly RequestFacts[], from: number, to: number): number {
  let n = 0;
  for (const r of requests) {
    const at = ms(r.requestedAt);
    if (at >= from && at < to) n++;
  }
  return n;
}

export interface RequestRates {
  /** Share acknowledged within `responseHours` of the request (among those whose response time has come). */
  response: number | null;
  /** Share closed by their due time (among closed ones and open ones already past due). */
  resolution: number | null;
  /** Mean rating (1–5) of the rated ones. */
  satisfaction: number | null;
  counts: { requests: number; respondable: number; resolvable: number; rated: number };
}

export function requestRates(requests: readonly RequestFacts[], now: number, responseHours = 24): RequestRates {
  let respondable = 0;
  let responded = 0;
  let resolvable = 0;
  let resolved = 0;
  let rated = 0;
  let ratingSum = 0;
  const window = responseHours * 3_600_000;
  for (const r of requests) {
    const requested = ms(r.requestedAt);
    if (!Number.isFinite(requested)) continue;
    const acted = r.status === 'open' ? Number.NaN : Number.isFinite(ms(r.acknowledgedAt)) ? ms(r.acknowledgedAt) : ms(r.updatedAt);
    if (Number.isFinite(acted) || now - requested >= window) {
      respondable++;
      if (Number.isFinite(acted) && acted - requested <= window) responded++;
    }
    const due = ms(r.dueAt);
    const closed = CLOSED.has(r.status);
    if (closed || (Number.isFinite(due) && now > due)) {
      resolvable++;
      const at = Number.isFinite(ms(r.closedAt)) ? ms(r.closedAt) : ms(r.updatedAt);
      if (closed && Number.isFinite(due) && at <= due) resolved++;
    }
    if (typeof r.rating === 'number' && Number.isFinite(r.rating)) {
      rated++;
      ratingSum += r.rating;
    }
  }
  return {
    response: respondable ? round3(responded / respondable) : null,
    resolution: resolvable ? round3(resolved / resolvable) : null,
    satisfaction: rated ? Math.round((ratingSum / rated) * 100) / 100 : null,
    counts: { requests: requests.length, respondable, resolvable, rated },
  };
}
