/**
 * The command center's canvases, loaded lazily with ECharts: the city map with alarms (unacknowledged ones pulse),
 * open incidents and emergency units, and the incident page's small map with the evacuation radius.
 */
import { EffectScatterChart, LinesChart, ScatterChart } from 'echarts/charts';
import { GeoComponent, TooltipComponent } from 'echarts/components';
import { type EChartsCoreOption, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import type { DistrictCollection } from '../../api/types.ts';
import { useDistrictMap } from '../../components/city-map/useDistrictMap.ts';

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
  const { ref, chartRef } = useDistrictMap(districts);
  const framed = useRef(false);

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
