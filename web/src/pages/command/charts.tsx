/**
 * The command center's canvases, loaded lazily with ECharts: the city map with alarms (unacknowledged ones pulse),
 * open incidents and emergency units, and the incident page's small map with the evacuation radius.
 */
import { EffectScatterChart, LinesChart, ScatterChart } from 'echarts/charts';
import { GeoComponent, TooltipComponent } from 'echarts/components';
import { type EChartsCoreOption, format, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useMemo, useRef } from 'react';
import type { DistrictCollection } from '../../api/types.ts';
import { cssColours, districtGeo, registerDistricts } from '../../components/city-map/echarts.ts';
import { useEChart } from '../../components/city-map/useEChart.ts';
import { useI18n } from '../../i18n/index.ts';

use([GeoComponent, TooltipComponent, ScatterChart, EffectScatterChart, LinesChart, CanvasRenderer]);

/** A symbol on the map. */
export interface CommandSymbol {
  id: string;
  name: string;
  coords: [number, number];
  colour: string;
  size: number;
  details: string[];
}

export interface CommandLayer {
  id: string;
  symbol: string;
  /** Pulsing ripples (unacknowledged alarms). */
  pulse?: boolean;
  z: number;
  symbols: CommandSymbol[];
}

const readPalette = (element: Element) =>
  cssColours(element, {
    area: ['--overview-area', '#dde9ef'],
    border: ['--map-border', '#ffffff'],
    label: ['--overview-label', '#56707f'],
  });

const tooltipHtml = (name: string, details: readonly string[]) => [name, ...details].map((line) => format.encodeHTML(line)).join('<br/>');

function layerSeries(layer: CommandLayer) {
  return {
    id: layer.id,
    type: layer.pulse ? 'effectScatter' : 'scatter',
    coordinateSystem: 'geo',
    geoIndex: 0,
    symbol: layer.symbol,
    z: layer.z,
    ...(layer.pulse ? { rippleEffect: { brushType: 'stroke', scale: 3.2, period: 2.4 }, showEffectOn: 'render' } : {}),
    emphasis: { scale: 1.3 },
    data: layer.symbols.map((s) => ({
      name: s.name,
      value: s.coords,
      details: s.details,
      symbolSize: s.size,
      itemStyle: { color: s.colour, borderColor: '#ffffff', borderWidth: 1.5, shadowBlur: 3, shadowColor: 'rgba(16,42,60,0.4)' },
    })),
  };
}

export interface CommandMapProps {
  districts: DistrictCollection;
  layers: CommandLayer[];
  label: string;
  /** Where to look: [long, lat] and a zoom; the first non-null value frames the map once. */
  frame?: { center: [number, number]; zoom: number } | null;
  /** A ring drawn around a point (the evacuation radius). */
  ring?: { points: [number, number][]; colour: string } | null;
  testId?: string;
}

/** A district map with layers of symbols; pannable and zoomable, redrawn in place when the data changes. */
export function CommandMap({ districts, layers, label, frame, ring, testId }: CommandMapProps) {
  const { lang } = useI18n();
  const features = useMemo(() => new Map(districts.features.map((f) => [f.properties.id, f] as const)), [districts]);
  const mapName = useMemo(() => registerDistricts(districts), [districts]);
  const { ref, chartRef } = useEChart();
  const framed = useRef(false);

  useEffect(() => {
    const chart = chartRef.current;
    const element = ref.current;
    if (!chart || !element) return;
    const palette = readPalette(element);
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: palette.font },
      tooltip: {
        trigger: 'item',
        confine: true,
        textStyle: { fontSize: 13, fontFamily: palette.font },
        formatter: (params: { name?: string; data?: { details?: string[] } }) => tooltipHtml(params.name ?? '', params.data?.details ?? []),
      },
      geo: districtGeo({ mapName, features, lang, colours: palette }),
    } as EChartsCoreOption);
  }, [chartRef, ref, mapName, features, lang]);

  useEffect(() => {
    const chart = chartRef.current;
    if (!chart) return;
    const framing = !framed.current && frame ? frame : null;
    if (framing) framed.current = true;
    chart.setOption(
      {
        ...(framing ? { geo: { center: framing.center, zoom: framing.zoom } } : {}),
        series: [
          ...(ring
            ? [
                {
                  id: 'ring',
                  type: 'lines',
                  coordinateSystem: 'geo',
                  geoIndex: 0,
                  polyline: true,
                  silent: true,
                  z: 2,
                  data: [{ coords: ring.points, lineStyle: { color: ring.colour, width: 2.5, type: 'dashed', opacity: 0.9 } }],
                },
              ]
            : []),
          ...layers.map(layerSeries),
        ],
      } as EChartsCoreOption,
      { replaceMerge: ['series'] },
    );
  }, [chartRef, layers, frame, ring]);

  return <div ref={ref} className="city-map-canvas" role="img" aria-label={label} data-testid={testId} />;
}
