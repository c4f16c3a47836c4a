/**
 * The insight pages' canvases, loaded lazily with ECharts: a line with its forecast band (80 % and 95 % shaded ahead
 * of "now"), a district map coloured by an indicator, and baseline-vs-scenario lines for the what-if view. Each hands
 * its ECharts instance to `onChart` so that the page can export it as PNG (`getDataURL`).
 */
import { LineChart, ScatterChart } from 'echarts/charts';
import { GeoComponent, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import { type ECharts, type EChartsCoreOption, format, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect } from 'react';
import type { DistrictCollection } from '../../api/types.ts';
import { cssColours } from '../../components/city-map/echarts.ts';
import { useDistrictMap } from '../../components/city-map/useDistrictMap.ts';
import { useEChart } from '../../components/city-map/useEChart.ts';
import { CITY_TIME_ZONE, formatNumber, type Lang, useI18n } from '../../i18n/index.ts';
import type { BandPoint, MapLayer, Point } from './model.ts';

use([GeoComponent, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, LineChart, ScatterChart, CanvasRenderer]);

const palette = (element: Element) =>
  cssColours(element, {
    muted: ['--c-muted', '#4f5d6b'],
    primary: ['--c-primary', '#0d5f7c'],
    grid: ['--c-border', '#dbe3e9'],
    text: ['--c-text', '#17242f'],
    forecast: ['--insight-forecast', '#c05a00'],
  });

const dayHour = new Intl.DateTimeFormat('en-GB', { timeZone: CITY_TIME_ZONE, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const hourOnly = new Intl.DateTimeFormat('en-GB', { timeZone: CITY_TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const show = (value: number, lang: Lang) => formatNumber(Math.round(value * 100) / 100, lang);

export interface ForecastChartProps {
  points: Point[];
  forecast: BandPoint[];
  unit: string;
  label: string;
  names: { observed: string; forecast: string; band80: string; band95: string; now: string };
  testId: string;
  /** Multiplies every value for display (100 for shares shown as percentages). */
  scale?: number;
  /** Called with the chart once it exists (the page keeps it for the PNG export). */
  onChart?: (chart: ECharts) => void;
}

/** Observed values, then the forecast line with its 95 % and 80 % bands (stacked areas: lower edge + width). */
export function ForecastChart({ points: rawPoints, forecast: rawForecast, unit, label, names, testId, scale = 1, onChart }: ForecastChartProps) {
  const { lang } = useI18n();
  const { ref, chartRef } = useEChart(onChart);
  useEffect(() => {
    const chart = chartRef.current;
    const element = ref.current;
    if (!chart || !element) return;
    const c = palette(element);
    const points = scale === 1 ? rawPoints : rawPoints.map((p) => ({ at: p.at, value: p.value * scale }));
    const forecast =
      scale === 1
        ? rawForecast
        : rawForecast.map((p) => ({ at: p.at, value: p.value * scale, low80: p.low80 * scale, high80: p.high80 * scale, low95: p.low95 * scale, high95: p.high95 * scale }));
    const now = points.at(-1)?.at ?? forecast[0]?.at;
    // The forecast line starts at the last observation so that the two lines join.
    const last = points.at(-1);
    const ahead = last ? [{ at: last.at, value: last.value, low80: last.value, high80: last.value, low95: last.value, high95: last.value }, ...forecast] : forecast;
    const band = (id: string, low: (p: BandPoint) => number, high: (p: BandPoint) => number, opacity: number, name: string) => [
      { id: `${id}-base`, type: 'line', stack: id, data: ahead.map((p) => [p.at, low(p)]), lineStyle: { opacity: 0 }, symbol: 'none', silent: true, tooltip: { show: false } },
      {
        id: `${id}-width`,
        name,
        type: 'line',
        stack: id,
        data: ahead.map((p) => [p.at, Math.max(0, high(p) - low(p))]),
        lineStyle: { opacity: 0 },
        symbol: 'none',
        areaStyle: { color: c.forecast, opacity },
        // The legend's swatch takes the item colour.
        itemStyle: { color: c.forecast, opacity: opacity * 2 },
        silent: true,
        tooltip: { show: false },
      },
    ];
    const byTime = new Map(forecast.map((p) => [p.at, p]));
    chart.setOption(
      {
        animation: false,
        textStyle: { fontFamily: c.font },
        // On a phone the legend takes two lines: the plot starts below it.
        grid: { top: element.clientWidth < 520 ? 58 : 34, left: 6, right: 14, bottom: 4, containLabel: true },
        legend: { top: 0, left: 0, itemWidth: 16, itemHeight: 8, textStyle: { color: c.muted, fontSize: 11 }, data: [names.observed, ...(forecast.length ? [names.forecast, names.band80, names.band95] : [])] },
        tooltip: {
          trigger: 'axis',
          confine: true,
          formatter: (params: Array<{ seriesId: string; value: [number, number] }>) => {
            const at = params[0]?.value[0];
            if (at === undefined) return '';
            const lines = [dayHour.format(at)];
            const observed = params.find((p) => p.seriesId === 'observed');
            if (observed) lines.push(`${names.observed}: ${show(observed.value[1], lang)} ${unit}`);
            const f = byTime.get(at);
            if (f) {
              lines.push(`${names.forecast}: ${show(f.value, lang)} ${unit}`);
              lines.push(`${names.band80}: ${show(f.low80, lang)} – ${show(f.high80, lang)}`);
              lines.push(`${names.band95}: ${show(f.low95, lang)} – ${show(f.high95, lang)}`);
            }
            return lines.map((line) => format.encodeHTML(line)).join('<br/>');
          },
        },
        xAxis: {
          type: 'time',
          axisLabel: { color: c.muted, fontSize: 11, hideOverlap: true, formatter: (value: number) => dayHour.format(value).replace(', ', '\n') },
          axisLine: { lineStyle: { color: c.grid } },
          splitLine: { show: false },
        },
        yAxis: {
          type: 'value',
          scale: true,
          splitNumber: 4,
          axisLabel: { color: c.muted, fontSize: 11, formatter: (value: number) => show(value, lang) },
          splitLine: { lineStyle: { color: c.grid } },
        },
        series: [
          ...band('b95', (p) => p.low95, (p) => p.high95, 0.16, names.band95),
          ...band('b80', (p) => p.low80, (p) => p.high80, 0.3, names.band80),
          {
            id: 'observed',
            name: names.observed,
            type: 'line',
            showSymbol: points.length < 3,
            symbolSize: 5,
            data: points.map((p) => [p.at, p.value]),
            lineStyle: { color: c.primary, width: 2 },
            itemStyle: { color: c.primary },
            markLine:
              now !== undefined && forecast.length > 0
                ? { silent: true, symbol: 'none', label: { formatter: names.now, color: c.muted, fontSize: 11 }, lineStyle: { color: c.muted, type: 'dashed', width: 1 }, data: [{ xAxis: now }] }
                : undefined,
          },
          {
            id: 'forecast',
            name: names.forecast,
            type: 'line',
            showSymbol: false,
            data: ahead.map((p) => [p.at, p.value]),
            lineStyle: { color: c.forecast, width: 2, type: 'dashed' },
            itemStyle: { color: c.forecast },
          },
        ],
      } as EChartsCoreOption,
      { replaceMerge: ['series'] },
    );
  }, [chartRef, ref, rawPoints, rawForecast, scale, unit, names, lang]);
  return <div ref={ref} className="insight-chart-canvas" role="img" aria-label={label} data-testid={testId} data-points={rawPoints.length} data-forecast={rawForecast.length} />;
}

/** Whether white text reads better than dark on `colour` (#rrggbb; relative luminance under ~0.35). */
function isDark(colour: string): boolean {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour);
  if (!m) return false;
  const [r, g, b] = [m[1], m[2], m[3]].map((h) => Number.parseInt(h as string, 16) / 255) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45;
}

export interface DistrictValueMapProps {
  districts: DistrictCollection;
  layer: MapLayer;
  /** Colour of a district or point value. */
  colourOf: (value: number, explicit: string | null) => string;
  label: string;
  valueText: (value: number) => string;
  testId: string;
  /** Called with the chart once it exists (the page keeps it for the PNG export). */
  onChart?: (chart: ECharts) => void;
}

/** The city's districts coloured by an indicator, with dots for stations or car parks when the layer has places. */
export function DistrictValueMap({ districts, layer, colourOf, label, valueText, testId, onChart }: DistrictValueMapProps) {
  const { ref, chartRef } = useDistrictMap(districts);
  useEffect(() => {
    const chart = chartRef.current;
    if (chart) onChart?.(chart);
  }, [chartRef, onChart]);
  useEffect(() => {
    const chart = chartRef.current;
    if (!chart) return;
    chart.setOption(
      {
        geo: {
          regions: layer.districts.map((d) => {
            const colour = colourOf(d.value, d.colour);
            return { name: d.id, itemStyle: { areaColor: colour }, label: { color: isDark(colour) ? '#ffffff' : '#173b4c', fontWeight: 'bold' } };
          }),
          tooltip: { show: true, formatter: (params: { name: string }) => {
            const d = layer.districts.find((v) => v.id === params.name);
            const feature = districts.features.find((f) => f.properties.id === params.name);
            const name = feature ? feature.properties.name || params.name : params.name;
            return format.encodeHTML(d ? `${name}: ${valueText(d.value)}` : name);
          } },
        },
        series: [
          {
            id: 'places',
            type: 'scatter',
            coordinateSystem: 'geo',
            geoIndex: 0,
            z: 4,
            data: layer.points.map((p) => ({
              name: p.label,
              value: p.coords,
              details: [valueText(p.value)],
              symbolSize: 12,
              itemStyle: { color: colourOf(p.value, p.colour), borderColor: '#17242f', borderWidth: 1 },
            })),
          },
        ],
      } as EChartsCoreOption,
      { replaceMerge: ['series'] },
    );
  }, [chartRef, districts, layer, colourOf, valueText]);
  return <div ref={ref} className="insight-map-canvas" role="img" aria-label={label} data-testid={testId} data-districts={layer.districts.length} data-places={layer.points.length} />;
}

export interface CompareChartProps {
  baseline: Point[];
  scenario: Point[];
  /** Multiplies every value for display (100 for shares shown as percentages). */
  scale?: number;
  names: { baseline: string; scenario: string };
  unit: string;
  label: string;
  testId: string;
  /** Called with the chart once it exists (the page keeps it for the PNG export). */
  onChart?: (chart: ECharts) => void;
}

/** Baseline and scenario over one day; the gap between them is shaded (red where the scenario is worse = higher). */
export function CompareChart({ baseline: rawBaseline, scenario: rawScenario, scale = 1, names, unit, label, testId, onChart }: CompareChartProps) {
  const { lang } = useI18n();
  const { ref, chartRef } = useEChart(onChart);
  useEffect(() => {
    const chart = chartRef.current;
    const element = ref.current;
    if (!chart || !element) return;
    const c = palette(element);
    const baseline = rawBaseline.map((p) => ({ at: p.at, value: p.value * scale }));
    const scenario = rawScenario.map((p) => ({ at: p.at, value: p.value * scale }));
    const base = new Map(baseline.map((p) => [p.at, p.value]));
    const common = scenario.filter((p) => base.has(p.at));
    chart.setOption(
      {
        animation: false,
        textStyle: { fontFamily: c.font },
        grid: { top: element.clientWidth < 360 ? 52 : 30, left: 6, right: 14, bottom: 4, containLabel: true },
        legend: { top: 0, left: 0, itemWidth: 16, itemHeight: 8, textStyle: { color: c.muted, fontSize: 11 }, data: [names.baseline, names.scenario] },
        tooltip: {
          trigger: 'axis',
          confine: true,
          formatter: (params: Array<{ seriesId: string; value: [number, number] }>) => {
            const at = params[0]?.value[0];
            if (at === undefined) return '';
            const b = base.get(at);
            const s = scenario.find((p) => p.at === at)?.value;
            const lines = [hourOnly.format(at)];
            if (b !== undefined) lines.push(`${names.baseline}: ${show(b, lang)} ${unit}`);
            if (s !== undefined) lines.push(`${names.scenario}: ${show(s, lang)} ${unit}`);
            if (b !== undefined && s !== undefined) lines.push(`Δ ${s - b >= 0 ? '+' : ''}${show(s - b, lang)}`);
            return lines.map((line) => format.encodeHTML(line)).join('<br/>');
          },
        },
        xAxis: { type: 'time', axisLabel: { color: c.muted, fontSize: 11, hideOverlap: true, formatter: (value: number) => hourOnly.format(value) }, axisLine: { lineStyle: { color: c.grid } }, splitLine: { show: false } },
        yAxis: { type: 'value', scale: true, splitNumber: 4, axisLabel: { color: c.muted, fontSize: 11, formatter: (value: number) => show(value, lang) }, splitLine: { lineStyle: { color: c.grid } } },
        series: [
          // The difference band: min of the two as a transparent base, the gap stacked on it.
          { id: 'gap-base', type: 'line', stack: 'gap', symbol: 'none', silent: true, lineStyle: { opacity: 0 }, data: common.map((p) => [p.at, Math.min(p.value, base.get(p.at) ?? p.value)]), tooltip: { show: false } },
          {
            id: 'gap',
            type: 'line',
            stack: 'gap',
            symbol: 'none',
            silent: true,
            lineStyle: { opacity: 0 },
            areaStyle: { color: '#d62020', opacity: 0.18 },
            data: common.map((p) => [p.at, Math.abs(p.value - (base.get(p.at) ?? p.value))]),
            tooltip: { show: false },
          },
          { id: 'baseline', name: names.baseline, type: 'line', showSymbol: false, data: baseline.map((p) => [p.at, p.value]), lineStyle: { color: c.muted, width: 2, type: 'dashed' }, itemStyle: { color: c.muted } },
          { id: 'scenario', name: names.scenario, type: 'line', showSymbol: false, data: scenario.map((p) => [p.at, p.value]), lineStyle: { color: '#c0392b', width: 2.5 }, itemStyle: { color: '#c0392b' } },
        ],
      } as EChartsCoreOption,
      { replaceMerge: ['series'] },
    );
  }, [chartRef, ref, rawBaseline, rawScenario, scale, names, unit, lang]);
  return <div ref={ref} className="insight-chart-canvas" role="img" aria-label={label} data-testid={testId} data-points={rawScenario.length} data-baseline={rawBaseline.length} />;
}
