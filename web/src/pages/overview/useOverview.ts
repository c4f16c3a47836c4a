/**
 * The overview's live picture of the city: loads the map's entities once, then follows the live stream and applies
 * its changes at most once a second (one redraw a second however busy the city is); keeps the trends, the feed and
 * the count of reporting sensors current.
 */
import { useEffect, useRef, useState } from 'react';
import { type LiveChange, type LiveState, streamEntityChanges } from '../../api/live.ts';
import { fetchAllEntities, fetchPeriodMeans, fetchRecent, fetchReporting, type Reporting } from './api.ts';
import {

  congestedShare,
  congestionIndexOf,
  FEED_TYPES,
  type FeedItem,
  type FeedType,
  feedItem,
  type KeyValues,
  LAYER_TYPE_NAMES,
  LAYER_TYPES,
  type LayerType,
  meanAqi,
  mergeFeed,
  num,
  periodStart,
  refOf,
  type TrendPoint,
  typeOf,
  withPoint,
} from './model.ts';

/** At most one redraw per this many milliseconds. */
const APPLY_EVERY_MS = 1000;
const REPORTING_EVERY_MS = 30_000;

export type CityLayers = Record<LayerType, Map<string, KeyValues>>;

export interface OverviewState {
  layers: CityLayers;
  /** Bumped on every applied batch of changes: the views recompute from `layers`. */
  version: number;
  loading: boolean;
  error: unknown;
  live: LiveState;
  /** Wall-clock time (epoch ms) of the last change received from the live stream; null before the first. */
  lastChange: number | null;
  /** When the first load finished (epoch ms). */
  loadedAt: number | null;
  changes: number;
  reporting: Reporting | null;
  aqiTrend: TrendPoint[];
  congestionTrend: TrendPoint[];
  /** Whether the trends start from recorded history (else only from what arrived since the page opened). */
  trendsFromHistory: boolean;
  feed: FeedItem[];
}

const emptyLayers = (): CityLayers => Object.fromEntries(LAYER_TYPE_NAMES.map((type) => [type, new Map<string, KeyValues>()])) as CityLayers;

const isLayerType = (type: string): type is LayerType => Object.hasOwn(LAYER_TYPES, type);
const isFeedType = (type: string): type is FeedType => Object.hasOwn(FEED_TYPES, type);

/** The current AQI and congested share of the whole city, as the latest point of each trend. */
function currentPoints(layers: CityLayers, now: number): { aqi: TrendPoint | null; congestion: TrendPoint | null } {
  const pm25s = [...layers.AirQualityObserved.values()].map((s) => num(s.pm25)).filter((v): v is number => v !== null);
  const indexes: number[] = [];
  for (const flow of layers.TrafficFlowObserved.values()) {
    const index = congestionIndexOf(flow, layers.RoadSegment.get(refOf(flow.refRoadSegment)));
    if (index !== null) indexes.push(index);
  }
  const at = periodStart(now);
  const aqi = meanAqi(pm25s);
  const share = congestedShare(indexes);
  return { aqi: aqi === null ? null : { at, value: aqi }, congestion: share === null ? null : { at, value: share } };
}

export function useOverview(): OverviewState {
  const layersRef = useRef<CityLayers>(emptyLayers());
  const [state, setState] = useState<OverviewState>(() => ({
    layers: layersRef.current,
    version: 0,
    loading: true,
    error: undefined,
    live: 'connecting',
    lastChange: null,
    loadedAt: null,
    changes: 0,
    reporting: null,
    aqiTrend: [],
    congestionTrend: [],
    trendsFromHistory: false,
    feed: [],
  }));

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    const layers = layersRef.current;
    let loaded = false;
    let pending: LiveChange[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    let lastApplied = 0;

    const refreshTrends = (s: OverviewState, now: number): Pick<OverviewState, 'aqiTrend' | 'congestionTrend'> => {
      const point = currentPoints(layers, now);
      return {
        aqiTrend: point.aqi ? withPoint(s.aqiTrend, point.aqi, now) : s.aqiTrend,
        congestionTrend: point.congestion ? withPoint(s.congestionTrend, point.congestion, now) : s.congestionTrend,
      };
    };

    const apply = () => {
      timer = undefined;
      if (!loaded) return;
      lastApplied = Date.now();
      const changes = pending;
      pending = [];
      const feedItems: FeedItem[] = [];
      for (const change of changes) {
        if (!change.entity) {
          for (const map of Object.values(layers)) map.delete(change.id);
          continue;
        }
        const entity = { ...change.entity, id: change.id } as KeyValues;
        const type = typeOf(entity);
        if (isLayerType(type)) layers[type].set(change.id, entity);
        else if (isFeedType(type)) {
          const item = feedItem(entity);
          if (item) feedItems.push(item);
        }
      }
      const now = Date.now();
      setState((s) => ({
        ...s,
        version: s.version + 1,
        lastChange: now,
        changes: s.changes + changes.length,
        feed: feedItems.length > 0 ? mergeFeed(s.feed, feedItems) : s.feed,
        ...refreshTrends(s, now),
      }));
    };
    const schedule = () => {
      if (!timer) timer = setTimeout(apply, Math.max(0, lastApplied + APPLY_EVERY_MS - Date.now()));
    };

    // The stream opens first, so that nothing written while the entities load is missed; its changes wait for the load.
    const stop = streamEntityChanges(
      { type: [...LAYER_TYPE_NAMES, ...Object.keys(FEED_TYPES)].join(',') },
      (change) => {
        pending.push(change);
        schedule();
      },
      (live) => setState((s) => (s.live === live ? s : { ...s, live })),
    );

    const load = async () => {
      const lists = await Promise.all(LAYER_TYPE_NAMES.map((type) => fetchAllEntities(type, LAYER_TYPES[type], signal)));
      LAYER_TYPE_NAMES.forEach((type, i) => {
        for (const entity of lists[i] ?? []) if (!layers[type].has(entity.id)) layers[type].set(entity.id, entity);
      });
      loaded = true;
      const now = Date.now();
      setState((s) => ({ ...s, loading: false, error: undefined, loadedAt: now, version: s.version + 1, ...refreshTrends(s, now) }));
      if (pending.length > 0) schedule();
    };
    load().catch((error: unknown) => {
      if (signal.aborted) return;
      setState((s) => ({ ...s, loading: false, error }));
    });

    // The feed and the trends' history are extras: if they fail, the map and counts still stand.
    const loadFeed = async () => {
      const lists = await Promise.all((Object.keys(FEED_TYPES) as FeedType[]).map((type) => fetchRecent(type, signal).catch(() => [])));
      const items = lists.flat().map(feedItem).filter((item): item is FeedItem => item !== null);
      setState((s) => ({ ...s, feed: mergeFeed(items, s.feed) }));
    };
    void loadFeed();

    const loadHistory = async () => {
      const now = Date.now();
      const [pm25, congestion] = await Promise.all([
        fetchPeriodMeans('AirQualityObserved', 'pm25', signal, now),
        fetchPeriodMeans('TrafficFlowObserved', 'congestionIndex', signal, now),
      ]);
      const aqiHistory: TrendPoint[] = [];
      for (const [at, values] of pm25) {
        const value = meanAqi(values);
        if (value !== null) aqiHistory.push({ at, value });
      }
      const congestionHistory: TrendPoint[] = [];
      for (const [at, values] of congestion) {
        const value = congestedShare(values);
        if (value !== null) congestionHistory.push({ at, value });
      }
      // The live points (the current period) win over the history of the same period.
      const merge = (history: TrendPoint[], live: TrendPoint[]) => live.reduce((trend, point) => withPoint(trend, point, now), history.filter((p) => p.at <= now));
      setState((s) => ({
        ...s,
        trendsFromHistory: aqiHistory.length + congestionHistory.length > 0,
        aqiTrend: merge(aqiHistory, s.aqiTrend),
        congestionTrend: merge(congestionHistory, s.congestionTrend),
      }));
    };
    loadHistory().catch(() => {});

    const countReporting = () => {
      fetchReporting(signal).then(
        (reporting) => setState((s) => ({ ...s, reporting })),
        () => {},
      );
    };
    countReporting();
    const reportingTimer = setInterval(countReporting, REPORTING_EVERY_MS);

    return () => {
      controller.abort();
      stop();
      if (timer) clearTimeout(timer);
      clearInterval(reportingTimer);
    };
  }, []);

  return state;
}

