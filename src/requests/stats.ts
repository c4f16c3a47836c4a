/** Statistics in SQL: per department and district, with the definitions of API.md, and the heat-map grid. */
import type { Queryable } from '../platform/store/store.ts';
import type { CityInfo } from './city.ts';
import type { HeatCell, Stats, StatsReport } from './model.ts';

interface StatsRow {
  g_department: number;
  g_district: number;
  department: string | null;
  district: string | null;
  received: number;
  responded: number;
  resolved: number;
  overdue_open: number;
  median_response: number | null;
  median_resolution: number | null;
  on_time: number;
  reopened: number;
  ever_resolved: number;
  ratings: number;
  satisfied: number;
}

const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000);
const minutes = (value: number | null): number | null => (value === null ? null : Math.round(Number(value) * 10) / 10);

/**
 * One request counts in the period it was received in ([from, to)).
 * - responded: an officer acted on it (status change, assignment or pause); resolved: it is fixed or closed now.
 * - overdueOpen: not fixed or closed, clock running, past its due time (as of `now`).
 * - onTimeRate = resolved by their due time ÷ (resolved + overdueOpen): still-open overdue requests count as late,
 *   open requests that are not yet due count neither way.
 * - reopenRate = reopened at least once ÷ requests ever resolved (resolved now, or reopened).
 * - satisfactionRate = ratings of 4 or 5 ÷ ratings.
 */
function toStats(r: StatsRow): Stats {
  return {
    received: r.received,
    responded: r.responded,
    resolved: r.resolved,
    overdueOpen: r.overdue_open,
    medianResponseMinutes: minutes(r.median_response),
    medianResolutionMinutes: minutes(r.median_resolution),
    onTimeRate: ratio(r.on_time, r.resolved + r.overdue_open),
    reopenRate: ratio(r.reopened, r.ever_resolved),
    satisfactionRate: ratio(r.satisfied, r.ratings),
  };
}

const EMPTY: StatsRow = {
  g_department: 1,
  g_district: 1,
  department: null,
  district: null,
  received: 0,
  responded: 0,
  resolved: 0,
  overdue_open: 0,
  median_response: null,
  median_resolution: null,
  on_time: 0,
  reopened: 0,
  ever_resolved: 0,
  ratings: 0,
  satisfied: 0,
};

export async function stats(q: Queryable, period: { tenant: string; from: Date | undefined; to: Date | undefined; now: Date }, city: CityInfo): Promise<StatsReport> {
  const rows = await q.query<StatsRow>(
    `WITH base AS (
       SELECT department, district, requested_at, responded_at, resolved_at, due_at, reopen_count, rating_score,
              status IN ('fixed', 'closed') AS is_resolved,
              (status NOT IN ('fixed', 'closed') AND paused_at IS NULL AND due_at < $4::timestamptz) AS is_overdue
         FROM service_requests
        WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR requested_at >= $2::timestamptz) AND ($3::timestamptz IS NULL OR requested_at < $3::timestamptz))
     SELECT GROUPING(department)::int AS g_department, GROUPING(district)::int AS g_district, department, district,
            count(*)::int AS received,
            count(responded_at)::int AS responded,
            count(*) FILTER (WHERE is_resolved)::int AS resolved,
            count(*) FILTER (WHERE is_overdue)::int AS overdue_open,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM responded_at - requested_at) / 60) AS median_response,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - requested_at) / 60) FILTER (WHERE is_resolved) AS median_resolution,
            count(*) FILTER (WHERE is_resolved AND resolved_at <= due_at)::int AS on_time,
            count(*) FILTER (WHERE reopen_count > 0)::int AS reopened,
            count(*) FILTER (WHERE is_resolved OR reopen_count > 0)::int AS ever_resolved,
            count(rating_score)::int AS ratings,
            count(*) FILTER (WHERE rating_score >= 4)::int AS satisfied
       FROM base GROUP BY GROUPING SETS ((), (department), (district))`,
    [period.tenant, period.from?.toISOString() ?? null, period.to?.toISOString() ?? null, period.now.toISOString()],
  );
  const totals = rows.find((r) => r.g_department === 1 && r.g_district === 1) ?? EMPTY;
  const byDepartment = rows
    .filter((r) => r.g_department === 0 && r.department !== null)
    .map((r) => ({ department: r.department as string, name: city.departmentNames.get(r.department as string) ?? { zh: r.department as string, en: r.department as string }, ...toStats(r) }))
    .sort((a, b) => b.received - a.received || a.department.localeCompare(b.department));
  const byDistrict = rows
    .filter((r) => r.g_district === 0 && r.district !== null)
    .map((r) => {
      const district = city.districts.find((d) => d.id === r.district);
      return { district: r.district as string, name: district?.name ?? { zh: r.district as string, en: r.district as string }, ...toStats(r) };
    })
    .sort((a, b) => b.received - a.received || a.district.localeCompare(b.district));
  return { totals: toStats(totals), byDepartment, byDistrict };
}

/** Grid steps in degrees: ~500 m north–south, and ~500 m east–west at Hangzhou's latitude (30°N). */
export const CELL_LAT = 0.0045;
export const CELL_LONG = 0.0052;

/** Counts per grid cell, at the cell's centre: never a report's own pin. */
export async function heatmap(q: Queryable, period: { tenant: string; from: Date | undefined; to: Date | undefined }): Promise<HeatCell[]> {
  const rows = await q.query<{ y: number; x: number; count: number }>(
    `SELECT floor(lat / $4)::int AS y, floor(long / $5)::int AS x, count(*)::int AS count
       FROM service_requests
      WHERE tenant_id = $1 AND lat IS NOT NULL
        AND ($2::timestamptz IS NULL OR requested_at >= $2::timestamptz) AND ($3::timestamptz IS NULL OR requested_at < $3::timestamptz)
      GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 5000`,
    [period.tenant, period.from?.toISOString() ?? null, period.to?.toISOString() ?? null, CELL_LAT, CELL_LONG],
  );
  const round = (n: number) => Math.round(n * 1e5) / 1e5;
  return rows.map((r) => ({ lat: round((r.y + 0.5) * CELL_LAT), long: round((r.x + 0.5) * CELL_LONG), count: r.count }));
}
