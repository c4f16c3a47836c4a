/**
 * 城市运行总览, the operations overview (`/overview`): the city map with congestion by road colour, air-quality
 * stations by AQI category, car parks, hospitals and emergency units; live counts, two trends and the latest posts
 * and citizen reports. Reads only the hub and follows its live stream; made for the operations centre's wall screens.
 */
import { Suspense, useEffect, useMemo, useState } from 'react';
import type { DistrictFeature } from '../../api/types.ts';
import { useCity } from '../../city/CityProvider.tsx';
import { ErrorNotice, Loading, Notice } from '../../components/Notice.tsx';
import { usePageTitle } from '../../components/PageHeader.tsx';
import { CITY_TIME_ZONE, formatNumber, hasMessage, type Lang, localized, type MessageKey, type Translate, useI18n } from '../../i18n/index.ts';
import { AQI_CATEGORIES, aqiCategory } from './aqi.ts';
import type { MapLayer, MapLine, MapSymbol } from './charts.tsx';
import { LazyOverviewMap, LazyTrendChart } from './lazy.ts';
import {
  CONGESTION_COLOURS,
  CONGESTION_LEVELS,
  type FeedItem,
  hospitalLoad,
  type LiveCounts,
  LOAD_COLOURS,
  LOAD_LEVELS,
  liveCounts,
  loadLevel,
  num,
  parkingOccupancy,
  pointOf,
  type RoadView,
  roadViews,
  shortName,
  type StationView,
  stationViews,
  str,
  VEHICLE_COLOURS,
  VEHICLE_STATUSES,
  vehicleStatus,
} from './model.ts';
import { type OverviewState, useOverview } from './useOverview.ts';

type LayerId = 'roads' | 'air' | 'parking' | 'hospitals' | 'units';
const LAYERS: readonly LayerId[] = ['roads', 'air', 'parking', 'hospitals', 'units'];
/** No change for this long and the page says the city has gone quiet. */
const QUIET_AFTER_MS = 2 * 60_000;
const HOSPITAL_SYMBOL = 'path://M3,0h4v3h3v4h-3v3h-4v-3h-3v-4h3z';
const ROAD_WIDTH: Record<string, number> = { expressway: 5, arterial: 3.8, local: 2.6 };

const clock = new Intl.DateTimeFormat('en-GB', { timeZone: CITY_TIME_ZONE, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
const shortClock = new Intl.DateTimeFormat('en-GB', { timeZone: CITY_TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const percent = (share: number, lang: Lang) => `${formatNumber(Math.round(share * 100), lang)}%`;

/** A message for a value that comes from the data (a topic, a vehicle kind), or the value itself when there is none. */
function dataLabel(t: Translate, prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  return hasMessage(key) ? t(key as MessageKey) : value;
}

function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

function buildMap(state: OverviewState, roads: RoadView[], stations: StationView[], t: Translate, lang: Lang): { lines: MapLine[]; layers: Record<Exclude<LayerId, 'roads'>, MapLayer> } {
  const n = (value: number) => formatNumber(value, lang);
  const lines = roads.map<MapLine>((road) => ({
    id: road.id,
    name: road.name,
    paths: road.paths,
    colour: CONGESTION_COLOURS[road.level],
    width: ROAD_WIDTH[road.roadClass] ?? 2.5,
    // Worse roads are drawn over better ones (a road's two directions share their line).
    rank: road.level === 'unknown' ? 0 : CONGESTION_LEVELS.indexOf(road.level) + 1,
    details: [
      t(`overview.congestion.${road.level}`),
      ...(road.index !== null ? [t('overview.tip.index', { value: n(Math.round(road.index * 100) / 100) })] : []),
      ...(road.speed !== null ? [t('overview.tip.speed', { value: n(Math.round(road.speed)) })] : []),
      ...(road.intensity !== null ? [t('overview.tip.flow', { value: n(Math.round(road.intensity)) })] : []),
    ],
  }));

  const air = stations.map<MapSymbol>((station) => ({
    id: station.id,
    name: station.name,
    coords: station.coords,
    colour: station.colour,
    size: 13,
    details:
      station.aqi === null
        ? [t('overview.noValue')]
        : [
            `AQI ${n(station.aqi)} · ${t(`overview.aqi.${aqiCategory(station.aqi).level}`)}`,
            ...(station.pm25 !== null ? [`PM2.5 ${n(Math.round(station.pm25))} µg/m³`] : []),
          ],
  }));

  const parks = [...state.layers.OffStreetParking.values()];
  const maxSpots = Math.max(1, ...parks.map((p) => num(p.totalSpotNumber) ?? 0));
  const parking: MapSymbol[] = [];
  for (const park of parks) {
    const coords = pointOf(park.location);
    if (!coords) continue;
    const share = parkingOccupancy(park);
    const total = num(park.totalSpotNumber);
    const free = num(park.availableSpotNumber);
    parking.push({
      id: park.id,
      name: str(park.name) || shortName(park.id),
      coords,
      colour: LOAD_COLOURS[loadLevel(share)],
      size: 7 + 7 * Math.sqrt((total ?? 0) / maxSpots),
      details: [
        ...(share !== null ? [t('overview.tip.occupancy', { value: percent(share, lang) })] : [t('overview.noValue')]),
        ...(free !== null && total !== null ? [t('overview.tip.spaces', { free: n(free), total: n(total) })] : []),
      ],
    });
  }

  const hospitals: MapSymbol[] = [];
  for (const hospital of state.layers.Hospital.values()) {
    const coords = pointOf(hospital.location);
    if (!coords) continue;
    const load = hospitalLoad(hospital);
    const free = num(hospital.availableBeds);
    const total = num(hospital.totalBeds);
    const waiting = num(hospital.emergencyWaiting);
    hospitals.push({
      id: hospital.id,
      name: str(hospital.name) || shortName(hospital.id),
      coords,
      colour: LOAD_COLOURS[loadLevel(load)],
      size: 14,
      details: [
        ...(load !== null ? [t('overview.tip.load', { value: percent(load, lang) })] : [t('overview.noValue')]),
        ...(waiting !== null ? [t('overview.tip.waiting', { value: n(waiting) })] : []),
        ...(free !== null && total !== null ? [t('overview.tip.beds', { free: n(free), total: n(total) })] : []),
      ],
    });
  }

  const units: MapSymbol[] = [];
  for (const vehicle of state.layers.EmergencyVehicle.values()) {
    const coords = pointOf(vehicle.location);
    if (!coords) continue;
    const status = vehicleStatus(vehicle.status);
    units.push({
      id: vehicle.id,
      name: str(vehicle.name) || shortName(vehicle.id),
      coords,
      colour: VEHICLE_COLOURS[status],
      size: 10,
      details: [dataLabel(t, 'overview.vehicle', str(vehicle.vehicleKind)), t(`overview.unit.${status}`)],
    });
  }

  return {
    lines,
    layers: {
      air: { id: 'air', symbol: 'circle', symbols: air },
      parking: { id: 'parking', symbol: 'roundRect', symbols: parking },
      hospitals: { id: 'hospitals', symbol: HOSPITAL_SYMBOL, symbols: hospitals },
      units: { id: 'units', symbol: 'triangle', symbols: units },
    },
  };
}

function Kpi({ id, label, value, raw, detail, tone }: { id: string; label: string; value: string; raw: number | null; detail?: string; tone?: 'bad' | 'good' }) {
  return (
    <div className={tone ? `overview-kpi is-${tone}` : 'overview-kpi'} data-testid={`overview-count-${id}`} data-value={raw ?? ''}>
      <span className="overview-kpi-label">{label}</span>
      <span className="overview-kpi-value">{value}</span>
      {detail ? <span className="overview-kpi-detail">{detail}</span> : null}
    </div>
  );
}

function Counts({ counts, state, t, lang }: { counts: LiveCounts; state: OverviewState; t: Translate; lang: Lang }) {
  const n = (value: number) => formatNumber(value, lang);
  const reporting = state.reporting;
  return (
    <section className="overview-kpis" aria-label={t('overview.counts')} data-testid="overview-counts">
      <Kpi
        id="reporting"
        label={t('overview.count.reporting')}
        value={reporting ? n(reporting.reporting) : '—'}
        raw={reporting?.reporting ?? null}
        detail={reporting ? t('overview.count.reportingOf', { total: n(reporting.total) }) : undefined}
        tone={reporting && reporting.total > 0 && reporting.reporting < reporting.total * 0.9 ? 'bad' : undefined}
      />
      <Kpi
        id="congested"
        label={t('overview.count.congested')}
        value={n(counts.congestedRoads)}
        raw={counts.congestedRoads}
        detail={t('overview.count.congestedOf', { total: n(counts.roads) })}
        tone={counts.roads === 0 ? undefined : counts.congestedRoads > 0 ? 'bad' : 'good'}
      />
      <Kpi
        id="aqi"
        label={t('overview.count.aqi')}
        value={n(counts.stationsAbove100)}
        raw={counts.stationsAbove100}
        detail={t('overview.count.aqiOf', { total: n(counts.stations) })}
        tone={counts.stations === 0 ? undefined : counts.stationsAbove100 > 0 ? 'bad' : 'good'}
      />
      <Kpi
        id="parking"
        label={t('overview.count.parking')}
        value={n(counts.parkingSpacesFree)}
        raw={counts.parkingSpacesFree}
        detail={t('overview.count.of', { total: n(counts.parkingSpacesTotal) })}
      />
      <Kpi id="beds" label={t('overview.count.beds')} value={n(counts.bedsFree)} raw={counts.bedsFree} detail={t('overview.count.of', { total: n(counts.bedsTotal) })} />
      <Kpi
        id="units"
        label={t('overview.count.units')}
        value={n(counts.unitsAvailable)}
        raw={counts.unitsAvailable}
        detail={t('overview.count.unitsBusy', { busy: n(counts.unitsBusy), total: n(counts.units) })}
      />
      <span className="visually-hidden" data-testid="overview-count-busy" data-value={counts.unitsBusy} />
    </section>
  );
}

function Swatch({ colour, shape }: { colour: string; shape: 'line' | 'dot' | 'square' | 'cross' | 'triangle' }) {
  return <span className={`overview-swatch is-${shape}`} style={{ background: colour }} aria-hidden="true" />;
}

function Legend({ visible, t }: { visible: ReadonlySet<LayerId>; t: Translate }) {
  return (
    <div className="overview-legend" data-testid="overview-legend">
      {visible.has('roads') ? (
        <div className="overview-legend-group" data-testid="overview-legend-roads">
          <span className="legend-title">{t('overview.layer.roads')}</span>
          {CONGESTION_LEVELS.map((level) => (
            <span className="legend-item" key={level}>
              <Swatch colour={CONGESTION_COLOURS[level]} shape="line" />
              {t(`overview.congestion.${level}`)}
            </span>
          ))}
        </div>
      ) : null}
      {visible.has('air') ? (
        <div className="overview-legend-group" data-testid="overview-legend-air">
          <span className="legend-title">{t('overview.layer.air')}</span>
          {AQI_CATEGORIES.map((category) => (
            <span className="legend-item" key={category.level}>
              <Swatch colour={category.colour} shape="dot" />
              {t(`overview.aqi.${category.level}`)}
            </span>
          ))}
        </div>
      ) : null}
      {visible.has('parking') || visible.has('hospitals') ? (
        <div className="overview-legend-group" data-testid="overview-legend-load">
          <span className="legend-title">{visible.has('parking') && visible.has('hospitals') ? t('overview.legend.load') : visible.has('parking') ? t('overview.layer.parking') : t('overview.layer.hospitals')}</span>
          {LOAD_LEVELS.map((level) => (
            <span className="legend-item" key={level}>
              <Swatch colour={LOAD_COLOURS[level]} shape={visible.has('parking') ? 'square' : 'cross'} />
              {t(`overview.load.${level}`)}
            </span>
          ))}
        </div>
      ) : null}
      {visible.has('units') ? (
        <div className="overview-legend-group" data-testid="overview-legend-units">
          <span className="legend-title">{t('overview.layer.units')}</span>
          {VEHICLE_STATUSES.map((status) => (
            <span className="legend-item" key={status}>
              <Swatch colour={VEHICLE_COLOURS[status]} shape="triangle" />
              {t(`overview.unit.${status}`)}
            </span>
          ))}
        </div>
      ) : null}
    </div>
  );
}

function FeedEntry({ item, districts, t, lang }: { item: FeedItem; districts: Map<string, DistrictFeature>; t: Translate; lang: Lang }) {
  const district = districts.get(item.district);
  const districtName = district ? (lang === 'en' ? district.properties.nameEn || district.properties.name : district.properties.name) : item.district;
  const at = Date.parse(item.at);
  const sentiment = item.sentiment === null ? null : item.sentiment <= -0.2 ? 'negative' : item.sentiment >= 0.2 ? 'positive' : 'neutral';
  return (
    <li className={`overview-feed-item is-${item.kind}`} data-testid="feed-item" data-kind={item.kind} data-id={item.id}>
      <div className="overview-feed-meta">
        <span className={item.kind === 'post' ? 'badge badge-info' : 'badge badge-warning'}>{t(`overview.feed.${item.kind}`)}</span>
        {item.topic ? <span className="overview-feed-topic">{item.kind === 'post' ? dataLabel(t, 'overview.topic', item.topic) : item.topic}</span> : null}
        {districtName ? <span className="overview-feed-district">{districtName}</span> : null}
        {Number.isNaN(at) ? null : <time dateTime={item.at}>{shortClock.format(at)}</time>}
      </div>
      <p className="overview-feed-text" lang="zh-CN">
        {item.text || '—'}
      </p>
      {sentiment ? <span className={`overview-sentiment is-${sentiment}`}>{t(`overview.sentiment.${sentiment}`)}</span> : null}
      {item.kind === 'report' && item.status ? <span className="overview-sentiment">{dataLabel(t, 'requests.status', item.status)}</span> : null}
    </li>
  );
}

function LiveStatus({ state, now, t }: { state: OverviewState; now: number; t: Translate }) {
  const last = state.lastChange ?? state.loadedAt;
  const quiet = state.loadedAt !== null && now - (state.lastChange ?? state.loadedAt) > QUIET_AFTER_MS;
  const mode = state.live === 'live' ? (quiet ? 'quiet' : 'live') : state.live;
  return (
    <div className="overview-status" data-testid="overview-live-state" data-state={mode}>
      <span className={`overview-dot is-${mode}`} aria-hidden="true" />
      <span>{t(`overview.live.${mode}`)}</span>
      <span className="overview-last-update" data-testid="overview-last-update" data-at={last ?? ''} data-changes={state.changes}>
        {last ? t('overview.lastUpdate', { time: clock.format(last) }) : t('overview.lastUpdateNone')}
      </span>
    </div>
  );
}

export function OverviewPage() {
  const { t, lang } = useI18n();
  const city = useCity();
  const state = useOverview();
  const now = useNow(10_000);
  const [visible, setVisible] = useState<ReadonlySet<LayerId>>(() => new Set(LAYERS));
  usePageTitle(t('overview.title'));

  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` says when the mutable layers changed.
  const roads = useMemo(() => roadViews(state.layers.RoadSegment, state.layers.TrafficFlowObserved), [state.layers, state.version]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: as above.
  const stations = useMemo(() => stationViews(state.layers.AirQualityObserved), [state.layers, state.version]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: as above.
  const counts = useMemo(
    () => liveCounts(roads, stations, state.layers.OffStreetParking, state.layers.Hospital, state.layers.EmergencyVehicle),
    [roads, stations, state.layers, state.version],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: as above.
  const drawn = useMemo(() => buildMap(state, roads, stations, t, lang), [roads, stations, state.version, t, lang]);
  const lines = useMemo(() => (visible.has('roads') ? drawn.lines : []), [drawn, visible]);
  const layers = useMemo(() => (['air', 'parking', 'hospitals', 'units'] as const).filter((id) => visible.has(id)).map((id) => drawn.layers[id]), [drawn, visible]);
  const districtsById = useMemo(() => new Map((city.data?.districts.features ?? []).map((f) => [f.properties.id, f] as const)), [city.data]);

  const total = Object.values(state.layers).reduce((sum, map) => sum + map.size, 0);
  const latestAqi = state.aqiTrend.at(-1)?.value ?? null;
  const latestShare = state.congestionTrend.at(-1)?.value ?? null;
  const empty = !state.loading && !state.error && total === 0;
  const quiet = state.loadedAt !== null && !empty && now - (state.lastChange ?? state.loadedAt) > QUIET_AFTER_MS;
  const cityName = city.data ? localized(city.data.name, lang) : '';
  const toggle = (id: LayerId) =>
    setVisible((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <div className="page overview-page" data-testid="overview-page">
      <header className="overview-header">
        <div>
          <h1>{t('overview.title')}</h1>
          <p className="page-subtitle">{cityName ? t('overview.subtitleCity', { city: cityName }) : t('overview.subtitle')}</p>
        </div>
        <LiveStatus state={state} now={now} t={t} />
      </header>

      <ErrorNotice error={state.error} testId="overview-error" />
      {city.error ? <ErrorNotice error={city.error} /> : null}
      {empty ? (
        <Notice tone="info" testId="overview-empty">
          <strong>{t('overview.empty.title')}</strong> {t('overview.empty.body')} <code>npm start</code> · <code>citycloud simulate --target …</code>
        </Notice>
      ) : null}
      {quiet ? (
        <Notice tone="warning" testId="overview-quiet">
          {t('overview.quiet', { minutes: formatNumber(Math.floor((now - (state.lastChange ?? state.loadedAt ?? now)) / 60_000), lang) })}
        </Notice>
      ) : null}
      {state.live === 'offline' ? (
        <Notice tone="warning" testId="overview-offline">
          {t('overview.offline')}
        </Notice>
      ) : null}

      <div className="overview-grid">
        <Counts counts={counts} state={state} t={t} lang={lang} />

        <section className="panel overview-map-panel" aria-labelledby="overview-map-title">
          <div className="overview-map-bar">
            <h2 id="overview-map-title" className="visually-hidden">
              {t('overview.map')}
            </h2>
            <fieldset className="overview-layers">
              <legend className="visually-hidden">{t('overview.layers')}</legend>
              {LAYERS.map((id) => (
                <button key={id} type="button" className={visible.has(id) ? 'overview-layer is-on' : 'overview-layer'} aria-pressed={visible.has(id)} data-testid={`overview-layer-${id}`} onClick={() => toggle(id)}>
                  <span className="overview-layer-check" aria-hidden="true" />
                  {t(`overview.layer.${id}`)}
                </button>
              ))}
            </fieldset>
          </div>
          {city.data ? (
            <figure
              className="city-map overview-map"
              data-testid="overview-map"
              data-roads={lines.length}
              data-congested={counts.congestedRoads}
              data-stations={layers.find((l) => l.id === 'air')?.symbols.length ?? 0}
              data-parkings={layers.find((l) => l.id === 'parking')?.symbols.length ?? 0}
              data-hospitals={layers.find((l) => l.id === 'hospitals')?.symbols.length ?? 0}
              data-units={layers.find((l) => l.id === 'units')?.symbols.length ?? 0}
              data-version={state.version}
            >
              <Suspense fallback={<Loading />}>
                <LazyOverviewMap districts={city.data.districts} lines={lines} layers={layers} label={t('overview.mapLabel', { city: cityName })} />
              </Suspense>
              {state.loading ? (
                <div className="overview-map-loading">
                  <Loading />
                </div>
              ) : null}
            </figure>
          ) : city.loading ? (
            <div className="city-map overview-map city-map-loading">
              <Loading />
            </div>
          ) : null}
          <Legend visible={visible} t={t} />
        </section>

        <aside className="overview-side" aria-label={t('overview.side')}>
          <section className="panel overview-trend" aria-labelledby="overview-aqi-title" data-testid="overview-aqi-trend" data-points={state.aqiTrend.length}>
            <div className="overview-trend-head">
              <h2 id="overview-aqi-title">{t('overview.trend.aqi')}</h2>
              {latestAqi !== null ? (
                <span className="overview-aqi-chip" data-testid="overview-aqi-now" data-value={latestAqi} style={{ background: aqiCategory(latestAqi).colour, color: latestAqi > 150 ? '#ffffff' : '#17242f' }}>
                  {formatNumber(latestAqi, lang)} · {t(`overview.aqi.${aqiCategory(latestAqi).level}`)}
                </span>
              ) : null}
            </div>
            {state.aqiTrend.length > 0 ? (
              <Suspense fallback={<Loading />}>
                <LazyTrendChart points={state.aqiTrend} unit="aqi" threshold={100} colour="#0d5f7c" label={t('overview.trend.aqi')} testId="overview-aqi-chart" />
              </Suspense>
            ) : (
              <p className="hint overview-trend-empty">{t('overview.trend.none')}</p>
            )}
          </section>
          <section className="panel overview-trend" aria-labelledby="overview-congestion-title" data-testid="overview-congestion-trend" data-points={state.congestionTrend.length}>
            <div className="overview-trend-head">
              <h2 id="overview-congestion-title">{t('overview.trend.congestion')}</h2>
              {latestShare !== null ? (
                <span className="overview-trend-now" data-testid="overview-congestion-now" data-value={latestShare}>
                  {percent(latestShare, lang)}
                </span>
              ) : null}
            </div>
            {state.congestionTrend.length > 0 ? (
              <Suspense fallback={<Loading />}>
                <LazyTrendChart points={state.congestionTrend} unit="percent" colour="#f07c12" label={t('overview.trend.congestion')} testId="overview-congestion-chart" />
              </Suspense>
            ) : (
              <p className="hint overview-trend-empty">{t('overview.trend.none')}</p>
            )}
          </section>
          <p className="hint overview-trend-note">{state.trendsFromHistory ? t('overview.trend.fromHistory') : t('overview.trend.sinceOpen')}</p>
          <section className="panel overview-feed" aria-labelledby="overview-feed-title" data-testid="overview-feed" data-count={state.feed.length}>
            <div className="overview-trend-head">
              <h2 id="overview-feed-title">{t('overview.feed.title')}</h2>
            </div>
            {state.feed.length > 0 ? (
              <ol className="overview-feed-list">
                {state.feed.map((item) => (
                  <FeedEntry key={item.id} item={item} districts={districtsById} t={t} lang={lang} />
                ))}
              </ol>
            ) : (
              <p className="hint">{t('overview.feed.none')}</p>
            )}
          </section>
        </aside>
      </div>
    </div>
  );
}
