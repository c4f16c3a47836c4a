/** HTTP: /api/v1/insight (thin: validate, call the insight service, map the result). */
import type { FastifyPluginAsync } from 'fastify';
import { AppError } from '../platform/errors/app-error.ts';
import { DASHBOARDS, type DashboardName } from './dashboards.ts';
import { MAX_HORIZON, MAX_POINTS } from './forecast-input.ts';
import type { IndicatorScope } from './model.ts';
import { HOUR, type InsightService, MAX_SPAN_MS, type RunReport } from './service.ts';

const TAGS = ['insight'];
const SCOPES = ['city', 'district', 'road', 'station', 'topic'] as const;
const PUBLISHERS = ['officer', 'admin'] as const;
const MAX_PUBLISHED_ROWS = 5000;

const period = { from: { type: 'string', maxLength: 40 }, to: { type: 'string', maxLength: 40 } } as const;
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const;

/** [from, to) from the query: default the last 24 h; at most 31 days; times in ISO 8601. */
export function parsePeriod(query: { from?: string; to?: string }, now = Date.now()): { from: number; to: number } {
  const time = (value: string | undefined, name: string) => {
    if (value === undefined) return undefined;
    const t = Date.parse(value);
    if (!Number.isFinite(t)) throw new AppError('BAD_REQUEST_DATA', `"${name}" 不是时间，请用 ISO 8601 / "${name}" is not a time: use ISO 8601 such as 2026-11-01T00:00:00Z`);
    return t;
  };
  const to = time(query.to, 'to') ?? now;
  const from = time(query.from, 'from') ?? to - 24 * HOUR;
  if (from >= to) throw new AppError('BAD_REQUEST_DATA', 'from 必须早于 to / "from" must be before "to"');
  if (to - from > MAX_SPAN_MS) throw new AppError('BAD_REQUEST_DATA', `时间范围最多 31 天 / A period may span at most 31 days; this one spans ${((to - from) / 86_400_000).toFixed(1)} days — narrow "from"/"to"`);
  return { from, to };
}

interface PublishedInput {
  indicator: string;
  period: string;
  value: number;
  unit: string;
  source: string;
}

/** Splits one CSV line (RFC 4180 quoting). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field.trim());
      field = '';
    } else field += c;
  }
  out.push(field.trim());
  return out;
}

/** Rows of a published-indicators upload: CSV text with a header, or JSON rows; every problem listed with its row. */
export function readPublished(body: unknown): PublishedInput[] {
  let raw: Array<Record<string, unknown>>;
  let firstRow = 1;
  if (typeof body === 'string') {
    const lines = body.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
    const header = csvFields(lines[0] ?? '').map((h) => h.toLowerCase());
    const missing = ['indicator', 'period', 'value'].filter((c) => !header.includes(c));
    if (missing.length > 0) {
      throw new AppError('BAD_REQUEST_DATA', `The CSV needs a header line with the columns indicator, period, value (unit and source optional); missing: ${missing.join(', ')}`);
    }
    raw = lines.slice(1).map((line) => Object.fromEntries(csvFields(line).map((v, i) => [header[i] ?? `column${i + 1}`, v])));
    firstRow = 2;
  } else {
    const rows = Array.isArray(body) ? body : (body as { rows?: unknown })?.rows;
    if (!Array.isArray(rows)) throw new AppError('BAD_REQUEST_DATA', 'Send CSV (Content-Type text/csv) or JSON: an array of rows, or { "rows": [...] }, each { indicator, period, value, unit?, source? }');
    raw = rows as Array<Record<string, unknown>>;
  }
  if (raw.length === 0) throw new AppError('BAD_REQUEST_DATA', 'The upload has no rows');
  if (raw.length > MAX_PUBLISHED_ROWS) throw new AppError('BAD_REQUEST_DATA', `At most ${MAX_PUBLISHED_ROWS} rows per upload; split the file`);
  const errors: Array<{ row: number; message: string }> = [];
  const rows: PublishedInput[] = [];
  raw.forEach((r, i) => {
    const row = i + firstRow;
    if (typeof r !== 'object' || r === null) {
      errors.push({ row, message: 'expected an object' });
      return;
    }
    const indicator = String(r.indicator ?? '').trim();
    const periodText = String(r.period ?? '').trim();
    const value = typeof r.value === 'number' ? r.value : typeof r.value === 'string' && r.value.trim() !== '' ? Number(r.value) : Number.NaN;
    if (!indicator || indicator.length > 100) errors.push({ row, message: 'indicator must be a name of 1–100 characters, e.g. gdp or retailSales' });
    if (!/^\d{4}(-(Q[1-4]|H[12]|\d{2}(-\d{2})?))?$/.test(periodText)) errors.push({ row, message: `period "${periodText}" must be a year, quarter, half or month, e.g. 2026, 2026-Q3, 2026-H1, 2026-09` });
    if (!Number.isFinite(value)) errors.push({ row, message: `value ${JSON.stringify(r.value)} is not a number` });
    rows.push({ indicator, period: periodText, value, unit: String(r.unit ?? '').slice(0, 40), source: String(r.source ?? '').slice(0, 200) });
  });
  if (errors.length > 0) {
    throw new AppError('BAD_REQUEST_DATA', `${errors.length} row(s) cannot be read; first: row ${errors[0]?.row}: ${errors[0]?.message}`, { details: { errors: errors.slice(0, 50) } });
  }
  return rows;
}

export function insightRoutes(service: InsightService, runHour: (tenant: string, hourEnd: number, force: boolean) => Promise<RunReport>): FastifyPluginAsync {
  return async (app) => {
    app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string', bodyLimit: 2 * 1024 * 1024 }, (_request, body, done) => done(null, body));

    app.get('/insight/indicators', { config: { access: 'authenticated' }, schema: { tags: TAGS, summary: 'The indicator catalogue: names, definitions, units, scopes' } }, async () =>
      service.catalogue(),
    );

    app.get<{ Params: { id: string }; Querystring: { scope?: IndicatorScope; scopeId?: string; from?: string; to?: string } }>(
      '/insight/indicators/:id/series',
      {
        config: { access: 'authenticated' },
        schema: {
          tags: TAGS,
          summary: 'Hourly series of an indicator for one scope (default the city), with its latest forecast',
          params: idParams,
          querystring: { type: 'object', properties: { scope: { type: 'string', enum: [...SCOPES] }, scopeId: { type: 'string', minLength: 1, maxLength: 128 }, ...period } },
        },
      },
      async (request) => {
        const scope = request.query.scope ?? 'city';
        if (scope !== 'city' && !request.query.scopeId) throw new AppError('BAD_REQUEST_DATA', `Give scopeId with scope=${scope} (e.g. a district id such as xihu)`);
        const scopeId = scope === 'city' ? (request.query.scopeId ?? request.tenant) : (request.query.scopeId as string);
        return service.series(request.tenant, request.params.id, scope, scopeId, parsePeriod(request.query));
      },
    );

    app.get<{ Params: { id: string }; Querystring: { scope?: IndicatorScope } }>(
      '/insight/indicators/:id/latest',
      {
        config: { access: 'authenticated' },
        schema: {
          tags: TAGS,
          summary: 'The latest value per scope id (a map layer)',
          params: idParams,
          querystring: { type: 'object', properties: { scope: { type: 'string', enum: [...SCOPES] } } },
        },
      },
      async (request) => service.latest(request.tenant, request.params.id, request.query.scope ?? 'district'),
    );

    app.get<{ Params: { name: DashboardName }; Querystring: { from?: string; to?: string } }>(
      '/insight/dashboards/:name',
      {
        config: { access: 'authenticated' },
        schema: {
          tags: TAGS,
          summary: 'One dashboard (government, industry, livelihood): tiles, series with forecast bands, map layers, tables — in one call',
          params: { type: 'object', required: ['name'], properties: { name: { type: 'string', enum: [...DASHBOARDS] } } },
          querystring: { type: 'object', properties: period },
        },
      },
      // The default window ends at the current minute, so viewers within a minute share one answer.
      async (request) => service.dashboard(request.tenant, request.params.name, parsePeriod(request.query, Math.floor(Date.now() / 60_000) * 60_000)),
    );

    app.post<{ Body: { timestamps: Array<string | number>; values: Array<number | null>; horizon: number; period?: number } }>(
      '/insight/forecast',
      {
        config: { access: 'authenticated' },
        bodyLimit: 4 * 1024 * 1024,
        schema: {
          tags: TAGS,
          summary: `Forecast a regular series (at most ${MAX_POINTS} points, horizon 1–${MAX_HORIZON} steps), with intervals and the seasonal-naive baseline`,
          body: {
            type: 'object',
            required: ['timestamps', 'values', 'horizon'],
            additionalProperties: false,
            properties: {
              timestamps: { type: 'array', maxItems: MAX_POINTS, items: { anyOf: [{ type: 'string', maxLength: 40 }, { type: 'number' }] } },
              values: { type: 'array', maxItems: MAX_POINTS, items: { anyOf: [{ type: 'number' }, { type: 'null' }] } },
              horizon: { type: 'integer' },
              period: { type: 'integer', minimum: 1 },
            },
          },
        },
      },
      async (request) => service.forecast(request.body),
    );

    app.get<{ Querystring: { from?: string; to?: string } }>(
      '/insight/anomalies',
      { config: { access: 'authenticated' }, schema: { tags: TAGS, summary: 'Indicator hours outside the band of the forecast made before them', querystring: { type: 'object', properties: period } } },
      async (request) => service.anomalies(request.tenant, parsePeriod(request.query)),
    );

    app.post<{ Body: { scenario: 'heavyRainEvening' | 'holiday' | 'normal'; date: string } }>(
      '/insight/what-if',
      {
        config: { access: 'authenticated' },
        schema: {
          tags: TAGS,
          summary: 'Baseline and scenario series of one day, from the simulated city run in-process (nothing is written to the hub)',
          body: {
            type: 'object',
            required: ['scenario', 'date'],
            additionalProperties: false,
            properties: { scenario: { type: 'string', enum: ['heavyRainEvening', 'holiday', 'normal'] }, date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } },
          },
        },
      },
      async (request) => {
        if (!Number.isFinite(Date.parse(`${request.body.date}T00:00:00Z`))) throw new AppError('BAD_REQUEST_DATA', `date "${request.body.date}" is not a calendar date (YYYY-MM-DD)`);
        return service.whatIf(request.body);
      },
    );

    app.post(
      '/insight/published',
      {
        config: { access: [...PUBLISHERS] },
        schema: { tags: TAGS, summary: 'Publish economic indicators: CSV (text/csv, header indicator,period,value,unit,source) or JSON rows' },
      },
      async (request, reply) => {
        const rows = readPublished(request.body);
        const result = await service.publish(request.principal, rows);
        reply.status(result.created > 0 ? 201 : 200);
        return { ...result, rows: rows.length };
      },
    );

    app.get<{ Querystring: { indicator?: string } }>(
      '/insight/published',
      {
        config: { access: 'authenticated' },
        schema: { tags: TAGS, summary: 'Published economic indicators', querystring: { type: 'object', properties: { indicator: { type: 'string', maxLength: 100 } } } },
      },
      async (request) => service.published(request.tenant, request.query.indicator),
    );

    app.get('/insight/runs', { config: { access: ['operator', 'admin'] }, schema: { tags: TAGS, summary: 'The hourly job: the last hours computed' } }, async (request) => ({
      runs: await service.runs(request.tenant),
    }));

    app.post<{ Body: { hourEnd: string } }>(
      '/insight/runs',
      {
        config: { access: ['admin'] },
        schema: {
          tags: TAGS,
          summary: 'Compute (or recompute) the indicators of one hour now',
          body: { type: 'object', required: ['hourEnd'], additionalProperties: false, properties: { hourEnd: { type: 'string', maxLength: 40 } } },
        },
      },
      async (request) => {
        const hourEnd = Date.parse(request.body.hourEnd);
        if (!Number.isFinite(hourEnd) || hourEnd % HOUR !== 0) throw new AppError('BAD_REQUEST_DATA', 'hourEnd must be a time on the hour, e.g. 2026-11-20T08:00:00Z');
        if (hourEnd > Date.now()) throw new AppError('BAD_REQUEST_DATA', 'hourEnd is in the future: an hour is computed once it has ended');
        return runHour(request.tenant, hourEnd, true);
      },
    );
  };
}
