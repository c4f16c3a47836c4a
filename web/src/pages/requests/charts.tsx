/**
 * The request pages' canvases, loaded lazily with ECharts: the map a citizen taps to drop a pin,
 * the statistics bars, and the heat map of reports over the city's own district GeoJSON (no tiles).
 */
import { BarChart, HeatmapChart, ScatterChart } from 'echarts/charts';
import { GeoComponent, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { type EChartsCoreOption, format, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useMemo, useRef } from 'react';
import type { DistrictCollection, DistrictFeature } from '../../api/types.ts';
import { cssColours, districtGeo, registerDistricts } from '../../components/city-map/echarts.ts';
import { useEChart } from '../../components/city-map/useEChart.ts';
import { formatNumber, type Lang, useI18n } from '../../i18n/index.ts';
import type { HeatCell } from './api.ts';

use([GeoComponent, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent, ScatterChart, BarChart, HeatmapChart, CanvasRenderer]);

/** A pointer that moves further than this between press and release was panning the map, not tapping it. */
const TAP_SLOP_PX = 6;
/** How far the map zooms in on "use my location", so the pin can be nudged by a street. */
const LOCATE_ZOOM = 8;

interface Palette {
  area: string;
  border: string;
  label: string;
  point: string;
  primary: string;
  accent: string;
  success: string;
  muted: string;
  font: string;
}

const readPalette = (element: Element): Palette =>
  cssColours(element, {
    area: ['--map-area', '#cfe3ec'],
    border: ['--map-border', '#ffffff'],
    label: ['--map-label', '#15384a'],
    point: ['--map-point', '#c2410c'],
    primary: ['--c-primary', '#0d5f7c'],
    accent: ['--c-accent', '#f2b134'],
    success: ['--c-success', '#1b6b43'],
    muted: ['--c-muted', '#4f5d6b'],
  });

const useChart = useEChart;

function geoOption(mapName: string, features: Map<string, DistrictFeature>, lang: Lang, palette: Palette, roam: boolean) {
  return { ...districtGeo({ mapName, features, lang, colours: palette, roam, labelSize: 11, borderWidth: 1.2 }), silent: false };
}

export interface PinMapProps {
  districts: DistrictCollection;
  /** The pin, or null before one is dropped. */
  pin: { lat: number; long: number } | null;
  /** Moves the view to the pin when this changes (e.g. after "use my location"); 0 leaves the whole city in view. */
  focusKey?: number;
  /** How far to zoom in when focusing on the pin. */
  focusZoom?: number;
  /** Without it the map only shows the pin (a request's location). */
  onPick?: (pin: { lat: number; long: number }) => void;
  label: string;
}

/** The city's districts; a tap drops (or moves) the pin there. Pinch or scroll to zoom, drag to pan. */
export function PinMap({ districts, pin, focusKey = 0, focusZoom = LOCATE_ZOOM, onPick, label }: PinMapProps) {
  const { lang } = useI18n();
  const onPickRef = useRef(onPick);
  onPickRef.current = onPick;
  const features = useMemo(() => new Map(districts.features.map((f) => [f.properties.id, f] as const)), [districts]);
  const mapName = useMemo(() => registerDistricts(districts), [districts]);
  const { ref, chartRef } = useChart((chart) => {
    let down: { x: number; y: number } | null = null;
    const zr = chart.getZr();
    zr.on('mousedown', (event) => {
      down = { x: event.offsetX, y: event.offsetY };
    });
    zr.on('click', (event) => {
      const start = down;
      down = null;
      if (start && Math.hypot(event.offsetX - start.x, event.offsetY - start.y) > TAP_SLOP_PX) return;
      const value = chart.convertFromPixel({ geoIndex: 0 }, [event.offsetX, event.offsetY]) as number[] | undefined;
      const [long, lat] = value ?? [];
      if (typeof long === 'number' && typeof lat === 'number' && Number.isFinite(long) && Number.isFinite(lat)) {
        onPickRef.current?.({ lat: Number(lat.toFixed(6)), long: Number(long.toFixed(6)) });
      }
    });
  });

  useEffect(() => {
    const chart = chartRef.current;
    const element = ref.current;
    if (!chart || !element) return;
    const palette = readPalette(element);
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: palette.font },
      geo: geoOption(mapName, features, lang, palette, true),
    } as EChartsCoreOption);
  }, [chartRef, ref, mapName, features, lang]);

  useEffect(() => {
    const chart = chartRef.current;
    const element = ref.current;
    if (!chart || !element) return;
    const palette = readPalette(element);
    chart.setOption(
      {
        series: [
          {
            id: 'pin',
            type: 'scatter',
            coordinateSystem: 'geo',
            geoIndex: 0,
            symbol: 'pin',
            symbolSize: 34,
            symbolOffset: [0, '-45%'],
            silent: true,
            itemStyle: { color: palette.point, borderColor: '#ffffff', borderWidth: 1.5 },
            data: pin ? [{ value: [pin.long, pin.lat] }] : [],
            zlevel: 1,
          },
        ],
      } as EChartsCoreOption,
      { replaceMerge: ['series'] },
    );
  }, [chartRef, ref, pin]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: only a new focusKey moves the view, not every pin change.
  useEffect(() => {
    const chart = chartRef.current;
    if (!chart || !pin || focusKey === 0) return;
    chart.setOption({ geo: { center: [pin.long, pin.lat], zoom: focusZoom } } as EChartsCoreOption);
  }, [focusKey]);

  return onPick ? (
    <div ref={ref} className="city-map-canvas pin-map-canvas" role="application" aria-label={label} data-testid="request-map-canvas" />
  ) : (
    <div ref={ref} className="city-map-canvas" role="img" aria-label={label} data-testid="request-location-map" />
  );
}

export interface HeatMapProps {
  districts: DistrictCollection;
  cells: readonly HeatCell[];
  label: string;
  lowLabel: string;
  highLabel: string;
}

/** Where reports come from: counts on the server's ~500 m grid, blurred over the districts. */
export function HeatMap({ districts, cells, label, lowLabel, highLabel }: HeatMapProps) {
  const { lang } = useI18n();
  const features = useMemo(() => new Map(districts.features.map((f) => [f.properties.id, f] as const)), [districts]);
  const mapName = useMemo(() => registerDistricts(districts), [districts]);
  const { ref, chartRef } = useChart();
  useEffect(() => {
    const chart = chartRef.current;
    const element = ref.current;
    if (!chart || !element) return;
    const palette = readPalette(element);
    const max = Math.max(1, ...cells.map((cell) => cell.count));
    chart.setOption(
      {
        animation: false,
        textStyle: { fontFamily: palette.font },
        tooltip: { show: false },
        geo: geoOption(mapName, features, lang, palette, true),
        visualMap: {
          type: 'continuous',
          min: 0,
          max,
          calculable: false,
          orient: 'horizontal',
          left: 8,
          bottom: 8,
          itemWidth: 10,
          itemHeight: 120,
          text: [highLabel, lowLabel],
          textStyle: { color: palette.muted, fontSize: 11 },
          inRange: { color: ['#fde6b0', '#f59e0b', '#dc2626', '#7f1d1d'] },
          seriesIndex: 0,
        },
        series: [
          {
            id: 'heat',
            type: 'heatmap',
            coordinateSystem: 'geo',
            geoIndex: 0,
            pointSize: 14,
            blurSize: 18,
            data: cells.map((cell) => [cell.long, cell.lat, cell.count]),
          },
        ],
      } as EChartsCoreOption,
      { replaceMerge: ['series'] },
    );
  }, [chartRef, ref, mapName, features, lang, cells, lowLabel, highLabel]);
  return <div ref={ref} className="city-map-canvas" role="img" aria-label={label} data-testid="stats-heatmap-canvas" />;
}

export interface BarSeries {
  name: string;
  values: (number | null)[];
  tone: 'primary' | 'accent' | 'success';
}

export interface BarsChartProps {
  /** One row per category (a department, a district); drawn as horizontal bars so long names stay readable. */
  categories: string[];
  series: BarSeries[];
  /** 'percent': values are 0..1 and the axis runs 0–100 %. */
  unit: 'count' | 'percent';
  label: string;
  testId?: string;
}

/** Horizontal grouped bars, one group per category, with a legend and tooltips in the page's language. */
export function BarsChart({ categories, series, unit, label, testId }: BarsChartProps) {
  const { lang } = useI18n();
  const { ref, chartRef } = useChart();
  useEffect(() => {
    const chart = chartRef.current;
    const element = ref.current;
    if (!chart || !element) return;
    const palette = readPalette(element);
    const colour = { primary: palette.primary, accent: palette.accent, success: palette.success };
    const show = (value: number) =>
      unit === 'percent' ? `${formatNumber(Math.round(value * 1000) / 10, lang)}%` : formatNumber(value, lang);
    chart.setOption(
      {
        animation: false,
        textStyle: { fontFamily: palette.font },
        legend: { top: 0, left: 0, itemWidth: 14, itemHeight: 10, textStyle: { fontSize: 12, color: palette.label } },
        grid: { top: 32, left: 8, right: 40, bottom: 8, containLabel: true },
        tooltip: {
          trigger: 'axis',
          axisPointer: { type: 'shadow' },
          confine: true,
          valueFormatter: (value: unknown) => (typeof value === 'number' ? show(value) : '—'),
        },
        xAxis: {
          type: 'value',
          max: unit === 'percent' ? 1 : undefined,
          minInterval: unit === 'count' ? 1 : undefined,
          axisLabel: { color: palette.muted, fontSize: 11, formatter: (value: number) => show(value) },
          splitLine: { lineStyle: { color: '#e5ebef' } },
        },
        yAxis: {
          type: 'category',
          inverse: true,
          data: categories,
          axisTick: { show: false },
          axisLabel: { color: palette.label, fontSize: 12, formatter: (value: string) => format.truncateText(value, 150, '12px sans-serif', '…') },
        },
        series: series.map((s) => ({
          type: 'bar',
          name: s.name,
          data: s.values.map((value) => (value === null ? '-' : value)),
          itemStyle: { color: colour[s.tone], borderRadius: [0, 3, 3, 0] },
          barMaxWidth: 14,
          label: {
            show: true,
            position: 'right',
            fontSize: 11,
            color: palette.muted,
            formatter: (params: { value: unknown }) => (typeof params.value === 'number' ? show(params.value) : ''),
          },
        })),
      } as EChartsCoreOption,
      { replaceMerge: ['series'] },
    );
  }, [chartRef, ref, categories, series, unit, lang]);
  const height = 48 + categories.length * Math.max(28, series.length * 18 + 10);
  return <div ref={ref} className="stats-chart" role="img" aria-label={label} data-testid={testId} style={{ height }} />;
}
