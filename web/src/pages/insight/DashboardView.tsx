/**
 * One insight dashboard (government, industry or livelihood): the time-range selector, KPI tiles, one panel per line
 * with its forecast band, the district maps and the tables, all from `GET /insight/dashboards/{audience}` in one call.
 * Every chart exports its data as CSV and its picture as PNG; the whole dashboard exports as one PNG.
 */
import type { ECharts } from 'echarts/core';
import { Suspense, useCallback, useMemo, useRef, useState } from 'react';
import { useApi } from '../../api/useApi.ts';
import { useAuth } from '../../auth/index.ts';
import { useCity } from '../../city/CityProvider.tsx';
import { ErrorNotice, Loading } from '../../components/Notice.tsx';
import { CITY_TIME_ZONE, formatNumber, hasMessage, type Lang, type MessageKey, type Translate, useI18n } from '../../i18n/index.ts';
import { fetchDashboard, fetchDefinitions, fetchSeries } from './api.ts';
import { LazyDistrictValueMap, LazyForecastChart } from './lazy.ts';
import {
  AQI_LEVEL_COLOURS,
  type Audience,
  type Dashboard,
  type Definition,
  download,
  downloadDataUrl,
  type Kpi,
  type MapLayer,
  RANGE_MS,
  RANGES,
  type RangeId,
  round,
  type Series,
  say,
  scaleColour,
  seriesCsv,
  type Table,
  toCsv,
} from './model.ts';
import { PublishedPanel } from './PublishedPanel.tsx';

const HOUR = 3_600_000;
const stamp = new Intl.DateTimeFormat('en-CA', { timeZone: CITY_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const fileStamp = (at: number) => stamp.format(at).replace(/[^0-9]/g, '').slice(0, 12);

/** `yyyy-mm-ddThh:mm` in Beijing time, for a datetime-local input. */
function localInput(at: number): string {
  const parts = Object.fromEntries(stamp.formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}
const fromLocalInput = (value: string): number => Date.parse(`${value}:00+08:00`);

/** Shares (UN/CEFACT C62 "one", 0–1) are shown as percentages. */
export const percentUnit = (unit: string): boolean => unit === 'C62' || unit === 'P1' || unit === '%';

/** What to print after a value for a unit code: km/h for KMH, % for shares, the unit itself when it is plain text. */
export function unitLabel(unit: string): string {
  if (percentUnit(unit)) return '%';
  if (unit === 'KMH') return 'km/h';
  return /^[A-Z0-9]{3}$/.test(unit) ? '' : unit;
}

export function formatValue(value: number | null, unit: string, lang: Lang): string {
  if (value === null) return '—';
  if (percentUnit(unit)) return `${formatNumber(round(unit === 'C62' ? value * 100 : value, 1), lang)}%`;
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const shown = formatNumber(round(value, digits), lang);
  const label = unitLabel(unit);
  return label ? `${shown} ${label}` : shown;
}

/** The "what does this number mean" toggle: the catalogue's definition under the title, on click or hover. */
function DefinitionToggle({ definition, t, lang }: { definition: Definition | undefined; t: Translate; lang: Lang }) {
  const [open, setOpen] = useState(false);
  if (!definition) return null;
  const body = say(definition.definition, lang);
  return (
    <span className="insight-define">
      <button type="button" className="insight-define-button" aria-expanded={open} title={body} onClick={() => setOpen((o) => !o)} data-testid="insight-define">
        <span aria-hidden="true">i</span>
        <span className="visually-hidden">{t('insight.define')}</span>
      </button>
      {open ? (
        <span className="insight-define-text" role="note" data-testid="insight-define-text">
          {body}
        </span>
      ) : null}
    </span>
  );
}

function KpiTile({ kpi, definition, t, lang }: { kpi: Kpi; definition: Definition | undefined; t: Translate; lang: Lang }) {
  const colour = kpi.colour ?? (kpi.indicator === 'aqi' && kpi.level ? AQI_LEVEL_COLOURS[kpi.level - 1] : undefined);
  return (
    <div className={kpi.anomaly ? 'overview-kpi insight-kpi is-bad' : 'overview-kpi insight-kpi'} style={colour ? { borderLeftColor: colour } : undefined} data-testid="insight-kpi" data-indicator={kpi.indicator} data-value={kpi.value ?? ''}>
      <span className="overview-kpi-label">
        {say(kpi.label, lang) || say(definition?.name, lang) || kpi.indicator}
        <DefinitionToggle definition={definition} t={t} lang={lang} />
      </span>
      <span className="overview-kpi-value">{formatValue(kpi.value, kpi.unit, lang)}</span>
      {kpi.detail ? <span className="overview-kpi-detail">{say(kpi.detail, lang)}</span> : null}
      {kpi.anomaly ? <span className="badge badge-warning insight-anomaly">{t('insight.anomaly')}</span> : null}
    </div>
  );
}

function ExportButtons({ onCsv, onPng, t, name }: { onCsv: () => void; onPng?: () => void; t: Translate; name: string }) {
  return (
    <span className="insight-exports">
      <button type="button" className="button button-ghost button-small" onClick={onCsv} data-testid="insight-csv" aria-label={t('insight.export.csvOf', { name })}>
        CSV
      </button>
      {onPng ? (
        <button type="button" className="button button-ghost button-small" onClick={onPng} data-testid="insight-png" aria-label={t('insight.export.pngOf', { name })}>
          PNG
        </button>
      ) : null}
    </span>
  );
}

/** Where the page keeps its charts for the PNG exports, by panel id. */
type Charts = Map<string, ECharts>;

/** A readable name for a scope id: a district's name, a topic's label, or the id itself. */
function useScopeName(): (series: Pick<Series, 'scope' | 'scopeId'>, t: Translate, lang: Lang) => string {
  const city = useCity();
  return useCallback(
    (series, t, lang) => {
      if (series.scope === 'city') return t('insight.scope.city');
      if (series.scope === 'district') {
        const f = city.data?.districts.features.find((d) => d.properties.id === series.scopeId);
        if (f) return (lang === 'en' ? f.properties.nameEn || f.properties.name : f.properties.name) || series.scopeId;
      }
      if (series.scope === 'topic' && hasMessage(`overview.topic.${series.scopeId}`)) return t(`overview.topic.${series.scopeId}` as MessageKey);
      return series.scopeId.replace(/^urn:ngsi-ld:[^:]+:/, '');
    },
    [city.data],
  );
}

/** One indicator's line: the city's by default, any district, station or topic the dashboard carries on choice. */
function SeriesPanel({
  group,
  definition,
  charts,
  t,
  lang,
  audience,
  window,
}: { group: Series[]; definition: Definition | undefined; charts: Charts; t: Translate; lang: Lang; audience: Audience; window: { from: number; to: number } }) {
  const [chosen, setChosen] = useState(0);
  const line = group[Math.min(chosen, group.length - 1)] as Series;
  // A line of a large family (one station of ~200) comes without points: read when chosen.
  const deferred = useApi((signal) => (line.deferred ? fetchSeries(line, window.from, window.to, signal) : Promise.resolve(undefined)), [line, window.from, window.to]);
  const series = line.deferred && deferred.data?.id === line.id ? deferred.data : line;
  const waiting = line.deferred && series === line;
  const first = group[0] as Series;
  const scopeName = useScopeName();
  const name = say(first.name, lang) || say(definition?.name, lang) || first.indicator;
  const names = useMemo(() => ({ observed: t('insight.observed'), forecast: t('insight.forecast'), band80: t('insight.band80'), band95: t('insight.band95'), now: t('insight.now') }), [t]);
  const panelId = `series-${first.indicator}`;
  const onChart = useCallback((chart: ECharts) => charts.set(panelId, chart), [charts, panelId]);
  const file = `${audience}-${series.id}`.replace(/[^\w.-]+/g, '_');
  const png = () => {
    const chart = charts.get(panelId);
    if (chart && !chart.isDisposed()) downloadDataUrl(`${file}.png`, chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#ffffff' }));
  };
  const unit = unitLabel(series.unit);
  return (
    <section className="panel insight-panel" data-testid="insight-series" data-indicator={series.indicator} data-scope={series.scope} data-points={series.points.length} data-forecast={series.forecast.length}>
      <div className="insight-panel-head">
        <h2>
          {name}
          {unit ? <span className="insight-unit"> ({unit})</span> : null}
          <DefinitionToggle definition={definition} t={t} lang={lang} />
        </h2>
        <ExportButtons onCsv={() => download(`${file}.csv`, seriesCsv(series))} onPng={series.points.length > 0 ? png : undefined} t={t} name={name} />
      </div>
      {group.length > 1 ? (
        <label className="insight-scope">
          <span>{t('insight.scope')}</span>
          <select value={chosen} onChange={(e) => setChosen(Number(e.target.value))} data-testid="insight-scope">
            {group.map((g, i) => (
              <option key={g.id} value={i}>
                {scopeName(g, t, lang)}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {waiting ? (
        deferred.error ? (
          <ErrorNotice error={deferred.error} />
        ) : (
          <Loading />
        )
      ) : series.points.length === 0 && series.forecast.length === 0 ? (
        <p className="hint insight-empty" data-testid="insight-empty">
          {t('insight.noData')}
        </p>
      ) : (
        <Suspense fallback={<Loading />}>
          <LazyForecastChart points={series.points} forecast={series.forecast} unit={unit} scale={percentUnit(series.unit) ? 100 : 1} label={name} names={names} testId="insight-chart" onChart={onChart} />
        </Suspense>
      )}
      {series.method ? <p className="hint insight-method">{t('insight.method', { method: series.method })}</p> : null}
    </section>
  );
}

/** Series grouped by indicator, the city's first, in the order the dashboard sent them. */
function groupSeries(series: Series[]): Series[][] {
  const groups = new Map<string, Series[]>();
  for (const s of series) groups.set(s.indicator, [...(groups.get(s.indicator) ?? []), s]);
  return [...groups.values()].map((g) => [...g].sort((a, b) => Number(b.scope === 'city') - Number(a.scope === 'city')));
}

function aqiLevelOf(value: number): number {
  const tops = [50, 100, 150, 200, 300];
  const index = tops.findIndex((top) => value <= top);
  return index === -1 ? 6 : index + 1;
}

function MapPanel({ layers, definitions, charts, t, lang, audience }: { layers: MapLayer[]; definitions: Map<string, Definition>; charts: Charts; t: Translate; lang: Lang; audience: Audience }) {
  const city = useCity();
  // The first layer with values is shown first (an hour without traffic data leaves its layers empty).
  const [chosen, setChosen] = useState(() => Math.max(0, layers.findIndex((l) => l.districts.length + l.points.length + l.unplaced.length > 0)));
  const layer = layers[Math.min(chosen, layers.length - 1)] as MapLayer;
  const definition = definitions.get(layer.indicator);
  const name = say(layer.name, lang) || say(definition?.name, lang) || layer.indicator;
  const values = [...layer.districts, ...layer.points, ...layer.unplaced].map((v) => v.value);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const isAqi = layer.indicator === 'aqi';
  const colourOf = useCallback((value: number, explicit: string | null) => explicit ?? (isAqi ? (AQI_LEVEL_COLOURS[aqiLevelOf(value) - 1] as string) : scaleColour(value, min, max)), [isAqi, min, max]);
  const valueText = useCallback((value: number) => formatValue(value, layer.unit, lang), [layer.unit, lang]);
  const onChart = useCallback((chart: ECharts) => charts.set('map', chart), [charts]);
  const featureName = (id: string) => {
    const f = city.data?.districts.features.find((d) => d.properties.id === id);
    return f ? (lang === 'en' ? f.properties.nameEn || f.properties.name : f.properties.name) : id;
  };
  const csv = () =>
    download(
      `${audience}-map-${layer.indicator}.csv`,
      toCsv(
        ['scope', 'id', 'name', 'value', 'unit'],
        [...layer.districts.map((d) => ['district', d.id, featureName(d.id), d.value, layer.unit]), ...[...layer.points, ...layer.unplaced].map((p) => ['place', p.id, p.label, p.value, layer.unit])],
      ),
    );
  const png = () => {
    const chart = charts.get('map');
    if (chart && !chart.isDisposed()) downloadDataUrl(`${audience}-map-${layer.indicator}.png`, chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#ffffff' }));
  };
  return (
    <section className="panel insight-panel insight-map-panel" data-testid="insight-map" data-indicator={layer.indicator} data-values={values.length}>
      <div className="insight-panel-head">
        <h2>
          {t('insight.map')}
          <DefinitionToggle definition={definition} t={t} lang={lang} />
        </h2>
        <ExportButtons onCsv={csv} onPng={png} t={t} name={name} />
      </div>
      {layers.length > 1 ? (
        <fieldset className="segmented insight-layers">
          <legend className="visually-hidden">{t('insight.mapLayer')}</legend>
          {layers.map((l, i) => (
            <button key={l.id} type="button" className={i === chosen ? 'segment is-current' : 'segment'} aria-pressed={i === chosen} onClick={() => setChosen(i)} data-testid="insight-map-layer">
              {say(l.name, lang) || say(definitions.get(l.indicator)?.name, lang) || l.indicator}
              {/* The same indicator at two scopes (AQI by station and by district) needs the scope to tell them apart. */}
              {layers.some((o) => o !== l && o.indicator === l.indicator) && hasMessage(`insight.scope.${l.scope}`) ? ` · ${t(`insight.scope.${l.scope}` as MessageKey)}` : null}
            </button>
          ))}
        </fieldset>
      ) : (
        <p className="insight-map-name">{name}</p>
      )}
      {values.length === 0 ? (
        <p className="hint insight-empty">{t('insight.noData')}</p>
      ) : city.data ? (
        <Suspense fallback={<Loading />}>
          <LazyDistrictValueMap districts={city.data.districts} layer={layer} colourOf={colourOf} label={name} valueText={valueText} testId="insight-map-canvas" onChart={onChart} />
        </Suspense>
      ) : city.error ? (
        <ErrorNotice error={city.error} />
      ) : (
        <Loading />
      )}
      {layer.unplaced.length > 0 ? (
        <ul className="insight-unplaced" aria-label={t('insight.places')}>
          {layer.unplaced.map((p) => (
            <li key={p.id}>
              <span className="insight-swatch" style={{ background: colourOf(p.value, p.colour) }} aria-hidden="true" />
              {p.label} <strong>{valueText(p.value)}</strong>
            </li>
          ))}
        </ul>
      ) : null}
      {values.length > 0 ? (
        <div className="insight-legend">
          <span className="visually-hidden">{t('insight.legend')}</span>
          {isAqi ? (
            AQI_LEVEL_COLOURS.map((colour, i) => (
              <span key={colour} className="legend-item">
                <span className="insight-swatch" style={{ background: colour }} aria-hidden="true" />
                {t(`insight.aqiLevel.${i + 1}` as MessageKey)}
              </span>
            ))
          ) : (
            <>
              <span>{valueText(min)}</span>
              <span className="insight-scale" aria-hidden="true" />
              <span>{valueText(max)}</span>
            </>
          )}
        </div>
      ) : null}
    </section>
  );
}

function cellText(value: unknown, lang: Lang): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return formatNumber(round(value, 2), lang);
  if (typeof value === 'object' && value && 'zh' in value) return say(value as { zh: string; en: string }, lang);
  if (Array.isArray(value)) return value.join(lang === 'zh' ? '、' : ', ');
  return String(value);
}

function TablePanel({ table, t, lang, audience }: { table: Table; t: Translate; lang: Lang; audience: Audience }) {
  const title = say(table.title, lang) || table.id;
  const scopeName = useScopeName();
  /** A cell as a person reads it: district ids as names, topics as labels. */
  const show = (column: string, value: unknown) =>
    column === 'district' && typeof value === 'string'
      ? scopeName({ scope: 'district', scopeId: value }, t, lang)
      : column === 'topic' && typeof value === 'string'
        ? scopeName({ scope: 'topic', scopeId: value }, t, lang)
        : cellText(value, lang);
  const csv = () =>
    download(
      `${audience}-${table.id}.csv`,
      toCsv(
        table.columns.map((c) => c.id),
        table.rows.map((row) => table.columns.map((c) => cellText(row[c.id], 'zh'))),
      ),
    );
  return (
    <section className="panel insight-panel insight-table-panel" data-testid="insight-table" data-rows={table.rows.length}>
      <div className="insight-panel-head">
        <h2>{title}</h2>
        <ExportButtons onCsv={csv} t={t} name={title} />
      </div>
      {table.rows.length === 0 ? (
        <p className="hint insight-empty">{t('insight.noData')}</p>
      ) : (
        <div className="table-wrap">
          <table className="table insight-table">
            <thead>
              <tr>
                {table.columns.map((c) => (
                  <th key={c.id} scope="col">
                    {hasMessage(`insight.col.${c.id}`) ? t(`insight.col.${c.id}` as MessageKey) : say(c.label, lang)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.rows.map((row, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows have no id of their own and are replaced as a whole.
                <tr key={i}>
                  {table.columns.map((c) => (
                    <td key={c.id} className={typeof row[c.id] === 'number' ? 'cell-number' : undefined}>
                      {show(c.id, row[c.id])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The whole dashboard as one PNG: every chart's picture with its title, two columns, on white. */
async function dashboardPng(root: HTMLElement, charts: Charts, filename: string): Promise<void> {
  const items: { title: string; url: string; width: number; height: number }[] = [];
  for (const panel of root.querySelectorAll<HTMLElement>('[data-chart-id]')) {
    const chart = charts.get(panel.dataset.chartId ?? '');
    if (!chart || chart.isDisposed()) continue;
    items.push({ title: panel.dataset.chartTitle ?? '', url: chart.getDataURL({ type: 'png', pixelRatio: 1, backgroundColor: '#ffffff' }), width: chart.getWidth(), height: chart.getHeight() });
  }
  if (items.length === 0) return;
  const images = await Promise.all(
    items.map(
      (item) =>
        new Promise<HTMLImageElement>((resolve, reject) => {
          const image = new Image();
          image.onload = () => resolve(image);
          image.onerror = reject;
          image.src = item.url;
        }),
    ),
  );
  // The head: the page's title and window, then the KPI tiles as they read on screen (label, value, the anomaly mark).
  const heading = [document.querySelector('h1')?.textContent ?? '', root.querySelector('[data-testid="insight-window"]')?.textContent ?? ''].filter(Boolean);
  const tiles = Array.from(root.querySelectorAll<HTMLElement>('[data-testid="insight-kpi"]')).map((el) => ({
    label: el.querySelector('.overview-kpi-label')?.firstChild?.textContent?.trim() ?? '',
    value: el.querySelector('.overview-kpi-value')?.textContent?.trim() ?? '',
    bad: el.classList.contains('is-bad'),
  }));
  const cellW = Math.max(...items.map((i) => i.width));
  // Two pictures a row, each row as tall as its taller picture (the map is taller than a chart).
  const rowTops: number[] = [];
  let bottom = 0;
  for (let i = 0; i < items.length; i += 2) {
    rowTops.push(bottom);
    bottom += Math.max(items[i]?.height ?? 0, items[i + 1]?.height ?? 0) + 36 + 16;
  }
  const width = cellW * 2 + 48;
  const tileW = 220;
  const perRow = Math.max(1, Math.floor((width - 32 + 12) / (tileW + 12)));
  const headH = 16 + heading.length * 28 + Math.ceil(tiles.length / perRow) * 76 + (tiles.length > 0 ? 8 : 0);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = headH + bottom + 16;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const font = getComputedStyle(root).fontFamily;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#17242f';
  heading.forEach((line, i) => {
    ctx.font = i === 0 ? `700 22px ${font}` : `400 15px ${font}`;
    ctx.fillText(line, 16, 16 + i * 28 + 20);
  });
  tiles.forEach((tile, i) => {
    const x = 16 + (i % perRow) * (tileW + 12);
    const y = 16 + heading.length * 28 + Math.floor(i / perRow) * 76;
    ctx.fillStyle = '#f4f7f9';
    ctx.fillRect(x, y, tileW, 64);
    ctx.fillStyle = tile.bad ? '#d9480f' : '#0b6e99';
    ctx.fillRect(x, y, 4, 64);
    ctx.fillStyle = '#4a5a66';
    ctx.font = `400 13px ${font}`;
    ctx.fillText(tile.label, x + 12, y + 22, tileW - 20);
    ctx.fillStyle = tile.bad ? '#d9480f' : '#17242f';
    ctx.font = `700 20px ${font}`;
    ctx.fillText(tile.value, x + 12, y + 50, tileW - 20);
  });
  ctx.fillStyle = '#17242f';
  ctx.font = `600 18px ${font}`;
  items.forEach((item, i) => {
    const x = 16 + (i % 2) * (cellW + 16);
    const y = headH + (rowTops[Math.floor(i / 2)] as number);
    ctx.fillText(item.title, x, y + 20);
    ctx.drawImage(images[i] as HTMLImageElement, x, y + 32);
  });
  downloadDataUrl(filename, canvas.toDataURL('image/png'));
}

export function DashboardView({ audience }: { audience: Audience }) {
  const { t, lang } = useI18n();
  const { session } = useAuth();
  const [range, setRange] = useState<RangeId>('24h');
  const [window, setWindow] = useState(() => {
    const to = Math.ceil(Date.now() / HOUR) * HOUR;
    return { from: to - RANGE_MS['24h'], to };
  });
  const [custom, setCustom] = useState(() => ({ from: localInput(window.from), to: localInput(window.to) }));
  const [customError, setCustomError] = useState('');
  const charts = useRef<Charts>(new Map()).current;
  const root = useRef<HTMLDivElement>(null);

  const definitionsState = useApi((signal) => fetchDefinitions(signal), []);
  const definitions = useMemo(() => new Map((definitionsState.data ?? []).map((d) => [d.id, d] as const)), [definitionsState.data]);
  const state = useApi((signal) => fetchDashboard(audience, window.from, window.to, signal), [audience, window.from, window.to]);

  const choose = (next: RangeId) => {
    setRange(next);
    if (next === 'custom') return;
    const to = Math.ceil(Date.now() / HOUR) * HOUR;
    setWindow({ from: to - RANGE_MS[next], to });
  };
  const applyCustom = () => {
    const from = fromLocalInput(custom.from);
    const to = fromLocalInput(custom.to);
    if (Number.isNaN(from) || Number.isNaN(to)) return setCustomError(t('insight.range.invalid'));
    if (from >= to) return setCustomError(t('insight.range.order'));
    if (to - from > 92 * 24 * HOUR) return setCustomError(t('insight.range.tooLong'));
    setCustomError('');
    setWindow({ from, to });
  };

  const dashboard: Dashboard | undefined = state.data;
  const hasData = dashboard ? dashboard.kpis.some((k) => k.value !== null) || dashboard.series.some((s) => s.points.length > 0) || dashboard.maps.some((m) => m.districts.length + m.points.length > 0) : false;
  const roles = session?.user.roles ?? [];
  const canPublish = roles.includes('admin') || roles.includes('officer');
  const status = state.loading ? 'loading' : state.error ? 'error' : hasData ? 'ready' : 'empty';

  return (
    <div className="insight-dashboard" ref={root} data-testid="insight-dashboard" data-audience={audience} data-state={status} data-from={window.from} data-to={window.to}>
      <div className="insight-toolbar">
        <fieldset className="segmented insight-ranges">
          <legend className="visually-hidden">{t('insight.range')}</legend>
          {RANGES.map((id) => (
            <button key={id} type="button" className={id === range ? 'segment is-current' : 'segment'} aria-pressed={id === range} onClick={() => choose(id)} data-testid={`insight-range-${id}`}>
              {t(`insight.range.${id}` as MessageKey)}
            </button>
          ))}
        </fieldset>
        {range === 'custom' ? (
          <form
            className="insight-custom"
            onSubmit={(event) => {
              event.preventDefault();
              applyCustom();
            }}
          >
            <label>
              <span>{t('insight.range.from')}</span>
              <input type="datetime-local" value={custom.from} onChange={(e) => setCustom({ ...custom, from: e.target.value })} data-testid="insight-range-from" />
            </label>
            <label>
              <span>{t('insight.range.to')}</span>
              <input type="datetime-local" value={custom.to} onChange={(e) => setCustom({ ...custom, to: e.target.value })} data-testid="insight-range-to" />
            </label>
            <button type="submit" className="button button-secondary button-small" data-testid="insight-range-apply">
              {t('insight.range.apply')}
            </button>
          </form>
        ) : null}
        <span className="insight-window" data-testid="insight-window">
          {t('insight.window', { from: stamp.format(window.from), to: stamp.format(window.to) })}
          {state.loading && dashboard ? <span className="spinner" aria-hidden="true" /> : null}
        </span>
        <button
          type="button"
          className="button button-secondary button-small insight-png-all"
          disabled={!hasData}
          onClick={() => root.current && void dashboardPng(root.current, charts, `${audience}-${fileStamp(window.from)}-${fileStamp(window.to)}.png`)}
          data-testid="insight-png-all"
        >
          {t('insight.export.dashboard')}
        </button>
      </div>
      {customError ? (
        <p className="field-error" role="alert" data-testid="insight-range-error">
          {customError}
        </p>
      ) : null}
      <ErrorNotice error={state.error} testId="insight-error" />
      {definitionsState.error ? <ErrorNotice error={definitionsState.error} /> : null}
      {!dashboard && state.loading ? <Loading /> : null}
      {dashboard ? (
        <div className={state.loading ? 'insight-body is-refreshing' : 'insight-body'}>
          {!hasData ? (
            <div className="panel insight-empty-all" data-testid="insight-empty-all">
              <h2>{t('insight.empty.title')}</h2>
              <p>{t('insight.empty.body')}</p>
            </div>
          ) : null}
          {dashboard.kpis.length > 0 ? (
            <section className="insight-kpis" aria-label={t('insight.kpis')}>
              {dashboard.kpis.map((kpi) => (
                <KpiTile key={kpi.id} kpi={kpi} definition={definitions.get(kpi.indicator)} t={t} lang={lang} />
              ))}
            </section>
          ) : null}
          <div className="insight-grid">
            {dashboard.maps.length > 0 ? (
              <div data-chart-id="map" data-chart-title={t('insight.map')} className="insight-cell insight-cell-map">
                <MapPanel layers={dashboard.maps} definitions={definitions} charts={charts} t={t} lang={lang} audience={audience} />
              </div>
            ) : null}
            {groupSeries(dashboard.series).map((group) => {
              const first = group[0] as Series;
              return (
                <div key={first.indicator} data-chart-id={`series-${first.indicator}`} data-chart-title={say(first.name, lang) || first.indicator} className="insight-cell">
                  <SeriesPanel group={group} definition={definitions.get(first.indicator)} charts={charts} t={t} lang={lang} audience={audience} window={window} />
                </div>
              );
            })}
          </div>
          {audience === 'industry' ? <PublishedPanel canPublish={canPublish} onPublished={state.reload} /> : null}
          {dashboard.tables
            .filter((table) => !(audience === 'industry' && table.id === 'published'))
            .map((table) => (
            <TablePanel key={table.id} table={table} t={t} lang={lang} audience={audience} />
          ))}
          <p className="hint insight-note">{t('insight.note', { zone: CITY_TIME_ZONE })}</p>
        </div>
      ) : null}
    </div>
  );
}
