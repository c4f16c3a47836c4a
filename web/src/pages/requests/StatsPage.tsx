/**
 * The city's public statistics of citizen requests: totals, per department and per district
 * (received, response and resolution time, on-time, reopen and satisfaction rates) as tables and
 * bars, and a heat map of where reports come from. Open to everyone, signed in or not.
 */
import { Suspense, useMemo, useState } from 'react';
import { useApi } from '../../api/useApi.ts';
import { useCity } from '../../city/CityProvider.tsx';
import { ErrorNotice, Loading } from '../../components/Notice.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { formatNumber, type Lang, localized, type MessageKey, type Translate, useI18n } from '../../i18n/index.ts';
import { fetchHeatmap, fetchStats, type Stats } from './api.ts';
import { LazyBarsChart, LazyHeatMap } from './lazy.ts';
import { formatMinutes, formatRate } from './model.ts';

const RANGES = [
  { id: '7d', days: 7, key: 'requests.stats.range.7d' },
  { id: '30d', days: 30, key: 'requests.stats.range.30d' },
  { id: '365d', days: 365, key: 'requests.stats.range.365d' },
  { id: 'all', days: 0, key: 'requests.stats.range.all' },
] as const satisfies readonly { id: string; days: number; key: MessageKey }[];
type RangeId = (typeof RANGES)[number]['id'];

const DAY_MS = 86_400_000;

interface Row extends Stats {
  id: string;
  label: string;
}

function Kpi({ label, value, testId, raw }: { label: string; value: string; testId: string; raw: number | null }) {
  return (
    <div className="kpi" data-testid={testId} data-value={raw ?? ''}>
      <span className="kpi-value">{value}</span>
      <span className="kpi-label">{label}</span>
    </div>
  );
}

function StatsTable({ rows, firstColumn, testId, rowPrefix, t, lang }: { rows: Row[]; firstColumn: string; testId: string; rowPrefix: string; t: Translate; lang: Lang }) {
  const n = (value: number) => formatNumber(value, lang);
  return (
    <div className="table-wrap">
      <table className="table stats-table" data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">{firstColumn}</th>
            <th scope="col" className="numeric">
              {t('requests.stats.received')}
            </th>
            <th scope="col" className="numeric">
              {t('requests.stats.resolved')}
            </th>
            <th scope="col" className="numeric">
              {t('requests.stats.overdueOpen')}
            </th>
            <th scope="col" className="numeric">
              {t('requests.stats.response')}
            </th>
            <th scope="col" className="numeric">
              {t('requests.stats.resolution')}
            </th>
            <th scope="col" className="numeric">
              {t('requests.stats.onTime')}
            </th>
            <th scope="col" className="numeric">
              {t('requests.stats.reopen')}
            </th>
            <th scope="col" className="numeric">
              {t('requests.stats.satisfaction')}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr
              key={row.id}
              data-testid={`${rowPrefix}-${row.id}`}
              data-received={row.received}
              data-resolved={row.resolved}
              data-satisfaction={row.satisfactionRate ?? ''}
            >
              <th scope="row">{row.label}</th>
              <td className="numeric">{n(row.received)}</td>
              <td className="numeric">{n(row.resolved)}</td>
              <td className={row.overdueOpen > 0 ? 'numeric is-bad' : 'numeric'}>{n(row.overdueOpen)}</td>
              <td className="numeric nowrap">{formatMinutes(row.medianResponseMinutes, t)}</td>
              <td className="numeric nowrap">{formatMinutes(row.medianResolutionMinutes, t)}</td>
              <td className="numeric">{formatRate(row.onTimeRate, lang, t)}</td>
              <td className="numeric">{formatRate(row.reopenRate, lang, t)}</td>
              <td className="numeric">{formatRate(row.satisfactionRate, lang, t)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Breakdown({ id, title, rows, firstColumn, rowPrefix }: { id: string; title: string; rows: Row[]; firstColumn: string; rowPrefix: string }) {
  const { t, lang } = useI18n();
  const active = rows.filter((row) => row.received > 0);
  const categories = useMemo(() => active.map((row) => row.label), [active]);
  const volume = useMemo(
    () => [
      { name: t('requests.stats.received'), values: active.map((r) => r.received), tone: 'primary' as const },
      { name: t('requests.stats.resolved'), values: active.map((r) => r.resolved), tone: 'success' as const },
    ],
    [active, t],
  );
  const rates = useMemo(
    () => [
      { name: t('requests.stats.onTime'), values: active.map((r) => r.onTimeRate), tone: 'primary' as const },
      { name: t('requests.stats.satisfaction'), values: active.map((r) => r.satisfactionRate), tone: 'accent' as const },
    ],
    [active, t],
  );
  return (
    <section className="panel stats-breakdown" aria-labelledby={`${id}-title`} data-testid={id}>
      <div className="panel-header">
        <h2 id={`${id}-title`}>{title}</h2>
      </div>
      {active.length === 0 ? (
        <p className="empty">{t('requests.stats.none')}</p>
      ) : (
        <div className="stats-charts">
          <figure className="stats-figure">
            <figcaption>{t('requests.stats.chartVolume')}</figcaption>
            <Suspense fallback={<Loading />}>
              <LazyBarsChart categories={categories} series={volume} unit="count" label={`${title} · ${t('requests.stats.chartVolume')}`} testId={`${id}-volume-chart`} />
            </Suspense>
          </figure>
          <figure className="stats-figure">
            <figcaption>{t('requests.stats.chartRates')}</figcaption>
            <Suspense fallback={<Loading />}>
              <LazyBarsChart categories={categories} series={rates} unit="percent" label={`${title} · ${t('requests.stats.chartRates')}`} testId={`${id}-rates-chart`} />
            </Suspense>
          </figure>
        </div>
      )}
      {rows.length > 0 ? <StatsTable rows={rows} firstColumn={firstColumn} testId={`${id}-table`} rowPrefix={rowPrefix} t={t} lang={lang} /> : null}
    </section>
  );
}

export function StatsPage() {
  const { t, lang } = useI18n();
  const city = useCity();
  const [range, setRange] = useState<RangeId>('30d');
  const period = useMemo(() => {
    const days = RANGES.find((r) => r.id === range)?.days ?? 0;
    return days > 0 ? { from: new Date(Date.now() - days * DAY_MS).toISOString() } : {};
  }, [range]);
  const stats = useApi((signal) => fetchStats(period, signal), [period]);
  const heat = useApi((signal) => fetchHeatmap(period, signal), [period]);
  const totals = stats.data?.totals;
  const byDepartment = useMemo<Row[]>(
    () => (stats.data?.byDepartment ?? []).map((row) => ({ ...row, id: row.department, label: localized(row.name, lang) || row.department })),
    [stats.data, lang],
  );
  const byDistrict = useMemo<Row[]>(
    () => (stats.data?.byDistrict ?? []).map((row) => ({ ...row, id: row.district, label: localized(row.name, lang) || row.district })),
    [stats.data, lang],
  );
  const cells = heat.data ?? [];
  const reports = cells.reduce((sum, cell) => sum + cell.count, 0);
  const cityName = city.data ? localized(city.data.name, lang) : '';

  return (
    <div className="page stats-page" data-testid="stats-page">
      <PageHeader
        title={t('requests.stats.title')}
        subtitle={cityName ? t('requests.stats.subtitleCity', { city: cityName }) : t('requests.stats.subtitle')}
        actions={
          <fieldset className="segmented">
            <legend className="visually-hidden">{t('requests.stats.range')}</legend>
            {RANGES.map((r) => (
              <button
                key={r.id}
                type="button"
                className={r.id === range ? 'segment is-current' : 'segment'}
                aria-pressed={r.id === range}
                data-testid={`stats-range-${r.id}`}
                onClick={() => setRange(r.id)}
              >
                {t(r.key)}
              </button>
            ))}
          </fieldset>
        }
      />
      <ErrorNotice error={stats.error} testId="stats-error" />
      {stats.loading && !stats.data ? <Loading /> : null}
      {totals ? (
        <section className={stats.loading ? 'kpi-grid is-refreshing' : 'kpi-grid'} aria-label={t('requests.stats.totals')} data-testid="stats-totals">
          <Kpi testId="stats-total-received" raw={totals.received} label={t('requests.stats.received')} value={formatNumber(totals.received, lang)} />
          <Kpi testId="stats-total-resolved" raw={totals.resolved} label={t('requests.stats.resolved')} value={formatNumber(totals.resolved, lang)} />
          <Kpi testId="stats-total-response" raw={totals.medianResponseMinutes} label={t('requests.stats.responseLong')} value={formatMinutes(totals.medianResponseMinutes, t)} />
          <Kpi testId="stats-total-resolution" raw={totals.medianResolutionMinutes} label={t('requests.stats.resolutionLong')} value={formatMinutes(totals.medianResolutionMinutes, t)} />
          <Kpi testId="stats-total-ontime" raw={totals.onTimeRate} label={t('requests.stats.onTime')} value={formatRate(totals.onTimeRate, lang, t)} />
          <Kpi testId="stats-total-reopen" raw={totals.reopenRate} label={t('requests.stats.reopen')} value={formatRate(totals.reopenRate, lang, t)} />
          <Kpi testId="stats-total-satisfaction" raw={totals.satisfactionRate} label={t('requests.stats.satisfaction')} value={formatRate(totals.satisfactionRate, lang, t)} />
          <Kpi testId="stats-total-overdue" raw={totals.overdueOpen} label={t('requests.stats.overdueOpen')} value={formatNumber(totals.overdueOpen, lang)} />
        </section>
      ) : null}
      {totals ? <p className="hint stats-notes">{t('requests.stats.notes')}</p> : null}

      <div className="stats-columns">
        <div className="stats-main">
          <Breakdown id="stats-by-department" title={t('requests.stats.byDepartment')} rows={byDepartment} firstColumn={t('requests.stats.department')} rowPrefix="stats-dept" />
          <Breakdown id="stats-by-district" title={t('requests.stats.byDistrict')} rows={byDistrict} firstColumn={t('requests.stats.district')} rowPrefix="stats-district" />
        </div>
        <section className="panel stats-heat" aria-labelledby="stats-heat-title" data-testid="stats-heatmap" data-cells={cells.length} data-reports={reports}>
          <div className="panel-header">
            <h2 id="stats-heat-title">{t('requests.stats.heatTitle')}</h2>
            {heat.data ? <span className="panel-meta">{t('requests.stats.heatCount', { count: formatNumber(reports, lang) })}</span> : null}
          </div>
          <ErrorNotice error={heat.error ?? city.error} testId="stats-heat-error" />
          {city.data && heat.data ? (
            <div className="city-map heat-map">
              <Suspense fallback={<Loading />}>
                <LazyHeatMap
                  districts={city.data.districts}
                  cells={cells}
                  label={t('requests.stats.heatLabel', { city: cityName })}
                  lowLabel={t('requests.stats.heatLow')}
                  highLabel={t('requests.stats.heatHigh')}
                />
              </Suspense>
            </div>
          ) : heat.loading || city.loading ? (
            <Loading />
          ) : null}
          <p className="hint">{t('requests.stats.heatHint')}</p>
        </section>
      </div>
    </div>
  );
}
