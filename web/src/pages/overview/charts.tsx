/**
 * The overview's canvases, loaded lazily with ECharts: the city map (districts from the city's own GeoJSON, roads
 * as coloured lines, stations, car parks, hospitals and units as symbols; no tiles) and the small trend charts.
 */
import { LineChart, LinesChart, ScatterChart } from 'echarts/charts';
import { GeoComponent, GridComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import { type EChartsCoreOption, format, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import type { DistrictCollection } from '../../api/types.ts';
import { cssColours } from '../../components/city-map/echarts.ts';
import { useDistrictMap } from '../../components/city-map/useDistrictMap.ts';
import { useEChart } from '../../components/city-map/useEChart.ts';
import { formatNumber, useI18n } from '../../i18n/index.ts';
import { TREND_PERIOD_MS, TREND_WINDOW_MS } from './model.ts';

use([GeoComponent, GridComponent, MarkLineComponent, TooltipComponent, LinesChart, ScatterChart, LineChart, CanvasRenderer]);

/** A road drawn on the map. */
export interface MapLine {
  id: string;
  name: string;
  paths: [number, number][][];
  colour: string;
  width: number;
  /** Lines of a higher rank are drawn over those of a lower one. */
  rank: number;
  details: string[];
}

/** A symbol drawn on the map. */
export interface MapSymbol {
  id: string;
  name: string;
  coords: [number, number];
  colour: string;
  size: number;
  details: string[];
}

export interface MapLayer {
  id: string;
  /** An ECharts symbol: circle, roundRect, triangle, diamond, or path://… */
  symbol: string;
  symbols: MapSymbol[];
}

const readPalette = (element: Element) =>
  cssColours(element, {
    area: ['--overview-area', '#dfeaf0'],
    border: ['--map-border', '#ffffff'],
    label: ['--overview-label', '#5b7283'],
    muted: ['--c-muted', '#4f5d6b'],
    primary: ['--c-primary', '#0d5f7c'],
    grid: ['--c-border', '#dbe3e9'],
  });

const useChart = () => useEChart();

type Box = [minX: number, minY: number, maxX: number, maxY: number];

function extend(box: Box, [x, y]: [number, number]): void {
  box[0] = Math.min(box[0], x);
  box[1] = Math.min(box[1], y);
  box[2] = Math.max(box[2], x);
  box[3] = Math.max(box[3], y);
}

const emptyBox = (): Box => [Infinity, Infinity, -Infinity, -Infinity];

function districtsBox(collection: DistrictCollection): Box {
  const box = emptyBox();
  const walk = (value: unknown): void => {
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'number') extend(box, [value[0], value[1]]);
    else if (Array.isArray(value)) for (const item of value) walk(item);
  };
  for (const feature of collection.features) walk((feature.geometry as { coordinates?: unknown } | null)?.coordinates);
  return box;
}

/** Centre and zoom that frame what is drawn (the city's sensors sit in its urban areas, not over its mountains). */
function framing(districts: Box, lines: readonly MapLine[], layers: readonly MapLayer[]): { center: [number, number]; zoom: number } | null {
  const box = emptyBox();
  for (const line of lines) for (const path of line.paths) for (const point of path) extend(box, point);
  for (const layer of layers) for (const symbol of layer.symbols) extend(box, symbol.coords);
  if (!Number.isFinite(box[0]) || !Number.isFinite(districts[0])) return null;
  const width = Math.max(box[2] - box[0], 0.02);
  const height = Math.max(box[3] - box[1], 0.02);
  const zoom = Math.min((districts[2] - districts[0]) / width, (districts[3] - districts[1]) / height) * 0.85;
  return { center: [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2], zoom: Math.min(6, Math.max(1, zoom)) };
}


export interface OverviewMapProps {
  districts: DistrictCollection;
  lines: MapLine[];
  layers: MapLayer[];
  label: string;
}

/** The city map of the overview: pannable and zoomable; redrawn in place when the data changes. */
export function OverviewMap({ districts, lines, layers, label }: OverviewMapProps) {
  const { ref, chartRef } = useDistrictMap(districts);
  const framed = useRef(false);

  useEffect(() => {
    const chart = chartRef.current;
    if (!chart) return;
    const frame = framed.current ? null : framing(districtsBox(districts), lines, layers);
    if (frame) framed.current = true;
    chart.setOption(
      {
        ...(frame ? { geo: { center: frame.center, zoom: frame.zoom } } : {}),
        series: [
          // One series per rank, worst last: a road's two directions share their line and the worse must show
          // (within one series ECharts keeps an updated line at its old place in the drawing order).
          ...[...new Set(lines.map((line) => line.rank))]
            .sort((a, b) => a - b)
            .map((rank) => ({
              id: `roads-${rank}`,
              type: 'lines',
              coordinateSystem: 'geo',
              geoIndex: 0,
              polyline: true,
              z: 3,
              emphasis: { focus: 'none', lineStyle: { width: 6 } },
              data: lines
                .filter((line) => line.rank === rank)
                .flatMap((line) =>
                  line.paths.map((coords) => ({ name: line.name, coords, details: line.details, lineStyle: { color: line.colour, width: line.width, opacity: 1, cap: 'round' } })),
                ),
            })),
          ...layers.map((layer, i) => ({
            id: layer.id,
            type: 'scatter',
            coordinateSystem: 'geo',
            geoIndex: 0,
            symbol: layer.symbol,
            // Car parks and hospitals (the big symbols) lie under the roads; stations and units above them.
            z: layer.id === 'parking' || layer.id === 'hospitals' ? 2 : 4 + i,
            emphasis: { scale: 1.3 },
            data: layer.symbols.map((s) => ({
              name: s.name,
              value: s.coords,
              details: s.details,
              symbolSize: s.size,
              itemStyle: { color: s.colour, borderColor: '#ffffff', borderWidth: 1.5, shadowBlur: 2, shadowColor: 'rgba(16,42,60,0.35)' },
            })),
          })),
        ],
      } as EChartsCoreOption,
      { replaceMerge: ['series'] },
    );
  }, [chartRef, districts, lines, layers]);

  return <div ref={ref} className="city-map-canvas" role="img" aria-label={label} data-testid="overview-map-canvas" />;
}

export interface TrendChartProps {
  points: { at: number; value: number }[];
  unit: 'aqi' | 'percent';
  /** A horizontal line worth noticing (AQI 100, a congested share of 20 %). */
  threshold?: number;
  colour: string;
  label: string;
  testId: string;
}

/** A small line over the last two hours, times in Beijing time. */
export function TrendChart({ points, unit, threshold, colour, label, testId }: TrendChartProps) {
  const { lang } = useI18n();
  const { ref, chartRef } = useChart();
  useEffect(() => {
    const chart = chartRef.current;
    const element = ref.current;
    if (!chart || !element) return;
    const palette = readPalette(element);
    const show = (value: number) => (unit === 'percent' ? `${formatNumber(Math.round(value * 1000) / 10, lang)}%` : formatNumber(value, lang));
    const time = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    chart.setOption(
      {
        animation: false,
        textStyle: { fontFamily: palette.font },
        grid: { top: 10, left: 4, right: 12, bottom: 4, containLabel: true },
        tooltip: {
          trigger: 'axis',
          confine: true,
          formatter: (params: Array<{ value: [number, number] }>) => {
            const first = params[0];
            return first ? `${time.format(first.value[0])}<br/>${format.encodeHTML(show(first.value[1]))}` : '';
          },
        },
        xAxis: {
          type: 'time',
          // Always the whole window, so that a few points do not stretch over days.
          min: (points.at(-1)?.at ?? Date.now()) + TREND_PERIOD_MS - TREND_WINDOW_MS,
          max: (points.at(-1)?.at ?? Date.now()) + TREND_PERIOD_MS,
          axisLabel: { color: palette.muted, fontSize: 11, hideOverlap: true, formatter: (value: number) => time.format(value) },
          axisLine: { lineStyle: { color: palette.grid } },
          splitLine: { show: false },
        },
        yAxis: {
          type: 'value',
          min: 0,
          max: unit === 'percent' ? (extent: { max: number }) => Math.max(0.2, Math.ceil(extent.max * 10) / 10) : (extent: { max: number }) => Math.max(150, Math.ceil(extent.max / 50) * 50),
          splitNumber: 3,
          axisLabel: { color: palette.muted, fontSize: 11, formatter: (value: number) => show(value) },
          splitLine: { lineStyle: { color: palette.grid } },
        },
        series: [
          {
            type: 'line',
            showSymbol: points.length < 3,
            symbolSize: 6,
            data: points.map((p) => [p.at, p.value]),
            lineStyle: { color: colour, width: 2 },
            itemStyle: { color: colour },
            areaStyle: { color: colour, opacity: 0.12 },
            markLine:
              threshold === undefined
                ? undefined
                : { silent: true, symbol: 'none', label: { show: false }, lineStyle: { color: '#d62020', type: 'dashed', width: 1 }, data: [{ yAxis: threshold }] },
          },
        ],
      } as EChartsCoreOption,
      { replaceMerge: ['series'] },
    );
  }, [chartRef, ref, points, unit, threshold, colour, lang]);
  return <div ref={ref} className="overview-trend-chart" role="img" aria-label={label} data-testid={testId} />;
}
