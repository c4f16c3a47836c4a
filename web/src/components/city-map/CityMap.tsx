import { useEffect, useMemo, useRef } from 'react';
import type { DistrictFeature } from '../../api/types.ts';
import { formatNumber, type Lang, useI18n } from '../../i18n/index.ts';
import { type ECharts, type EChartsCoreOption, format, init, registerDistricts } from './echarts.ts';
import type { CityMapPoint, CityMapProps } from './types.ts';

interface Palette {
  area: string;
  areaHover: string;
  areaSelected: string;
  border: string;
  label: string;
  labelSelected: string;
  point: string;
  font: string;
}

/** Colours come from the stylesheet's CSS variables so the canvas matches the page. */
function readPalette(element: Element): Palette {
  const style = getComputedStyle(element);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    area: v('--map-area', '#d7e8ef'),
    areaHover: v('--map-area-hover', '#b5d6e3'),
    areaSelected: v('--map-area-selected', '#0d5f7c'),
    border: v('--map-border', '#ffffff'),
    label: v('--map-label', '#173b4c'),
    labelSelected: v('--map-label-selected', '#ffffff'),
    point: v('--map-point', '#d9480f'),
    font: style.fontFamily || 'sans-serif',
  };
}

function districtName(feature: DistrictFeature, lang: Lang): string {
  const { name, nameEn, id } = feature.properties;
  return (lang === 'en' ? nameEn || name : name || nameEn) || id;
}

function symbolSize(value: number, max: number): number {
  if (!(max > 0) || !(value > 0)) return 9;
  return 9 + 15 * Math.sqrt(Math.min(value, max) / max);
}

function buildOption(
  mapName: string,
  features: Map<string, DistrictFeature>,
  points: readonly CityMapPoint[],
  lang: Lang,
  selectable: boolean,
  pointsClickable: boolean,
  palette: Palette,
  valueLabel: string,
): EChartsCoreOption {
  const label = (id: string) => {
    const feature = features.get(id);
    return feature ? districtName(feature, lang) : id;
  };
  const max = points.reduce((m, p) => Math.max(m, p.value), 0);
  const textStyle = { fontFamily: palette.font };
  return {
    animation: false,
    textStyle,
    tooltip: {
      trigger: 'item',
      confine: true,
      textStyle: { ...textStyle, fontSize: 13 },
      formatter: (params: {
        componentType?: string;
        seriesType?: string;
        name?: string;
        value?: unknown;
        dataIndex?: number;
      }) => {
        if (params.componentType === 'geo') return format.encodeHTML(label(params.name ?? ''));
        const details = params.seriesType === 'scatter' ? points[params.dataIndex ?? -1]?.details : undefined;
        if (details) {
          return [params.name ?? '', ...details].map((line) => format.encodeHTML(line)).join('<br/>');
        }
        if (params.seriesType === 'scatter' && Array.isArray(params.value)) {
          const value = Number(params.value[2]);
          return `${format.encodeHTML(params.name ?? '')}<br/>${format.encodeHTML(valueLabel)}: ${format.encodeHTML(
            formatNumber(value, lang),
          )}`;
        }
        return '';
      },
    },
    geo: {
      map: mapName,
      nameProperty: 'id',
      roam: true,
      scaleLimit: { min: 0.6, max: 20 },
      top: 12,
      bottom: 12,
      left: 12,
      right: 12,
      selectedMode: selectable ? 'single' : false,
      tooltip: { show: true },
      itemStyle: { areaColor: palette.area, borderColor: palette.border, borderWidth: 1.4 },
      label: {
        show: true,
        color: palette.label,
        fontSize: 12,
        fontFamily: palette.font,
        formatter: (params: { name: string }) => label(params.name),
      },
      emphasis: {
        itemStyle: { areaColor: palette.areaHover },
        label: { show: true, color: palette.label, fontWeight: 'bold' },
      },
      select: {
        itemStyle: { areaColor: palette.areaSelected },
        label: { show: true, color: palette.labelSelected, fontWeight: 'bold' },
      },
    },
    series: [
      {
        id: 'points',
        type: 'scatter',
        coordinateSystem: 'geo',
        geoIndex: 0,
        data: points.map((p) => ({
          name: p.name,
          value: [p.coords[0], p.coords[1], p.value],
          symbolSize: p.size ?? symbolSize(p.value, max),
          itemStyle: { color: p.color ?? palette.point, borderColor: '#ffffff', borderWidth: 1.5 },
        })),
        emphasis: { scale: 1.3 },
        cursor: pointsClickable ? 'pointer' : 'default',
        zlevel: 1,
      },
    ],
  };
}

const NO_POINTS: readonly CityMapPoint[] = [];

/**
 * The city's districts drawn with ECharts on a canvas, labelled in the current language,
 * zoomable and pannable, with optional point markers. Resizes with its container.
 */
export function CityMap({
  districts,
  points = NO_POINTS,
  onSelectDistrict,
  onSelectPoint,
  label,
  className,
}: CityMapProps) {
  const { lang, t } = useI18n();
  const containerRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<ECharts | null>(null);
  const onSelectRef = useRef(onSelectDistrict);
  onSelectRef.current = onSelectDistrict;
  const onSelectPointRef = useRef(onSelectPoint);
  onSelectPointRef.current = onSelectPoint;
  const pointsRef = useRef(points);
  pointsRef.current = points;

  const features = useMemo(() => {
    const byId = new Map<string, DistrictFeature>();
    for (const feature of districts.features) byId.set(feature.properties.id, feature);
    return byId;
  }, [districts]);
  const featuresRef = useRef(features);
  featuresRef.current = features;

  const hasDistricts = districts.features.length > 0;
  const mapName = useMemo(() => (hasDistricts ? registerDistricts(districts) : ''), [districts, hasDistricts]);

  // Create the chart once; resize it with its box; dispose of it on unmount.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the canvas element only exists while there are districts.
  useEffect(() => {
    const element = containerRef.current;
    if (!element) return;
    const chart = init(element, undefined, { renderer: 'canvas' });
    chartRef.current = chart;
    chart.on('geoselectchanged', (event: unknown) => {
      const { allSelected } = event as { allSelected?: { name: string[] }[] };
      const id = allSelected?.[0]?.name[0];
      onSelectRef.current?.(id ? (featuresRef.current.get(id) ?? null) : null);
    });
    chart.on('click', (event: unknown) => {
      const { componentType, seriesType, dataIndex } = event as {
        componentType?: string;
        seriesType?: string;
        dataIndex?: number;
      };
      if (componentType !== 'series' || seriesType !== 'scatter' || dataIndex === undefined) return;
      const point = pointsRef.current[dataIndex];
      if (point) onSelectPointRef.current?.(point);
    });
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => chart.resize());
    });
    observer.observe(element);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
      chart.dispose();
      chartRef.current = null;
    };
  }, [hasDistricts]);

  const selectable = onSelectDistrict !== undefined;
  const pointsClickable = onSelectPoint !== undefined;
  const valueLabel = t('map.value');
  useEffect(() => {
    const chart = chartRef.current;
    const element = containerRef.current;
    if (!chart || !element || !mapName) return;
    const option = buildOption(
      mapName,
      features,
      points,
      lang,
      selectable,
      pointsClickable,
      readPalette(element),
      valueLabel,
    );
    chart.setOption(option, { replaceMerge: ['series'] });
  }, [mapName, features, points, lang, selectable, pointsClickable, valueLabel]);

  const names = districts.features.map((feature) => districtName(feature, lang));
  if (!hasDistricts) {
    return (
      <div className={className ? `city-map city-map-empty ${className}` : 'city-map city-map-empty'} data-testid="city-map">
        <p>{t('map.empty')}</p>
      </div>
    );
  }
  return (
    <figure className={className ? `city-map ${className}` : 'city-map'} data-testid="city-map" data-points={points.length}>
      <div ref={containerRef} className="city-map-canvas" role="img" aria-label={label ?? t('map.districtList')} />
      <figcaption className="visually-hidden">
        {t('map.districtList')}: {names.join(lang === 'zh' ? '、' : ', ')}
      </figcaption>
    </figure>
  );
}

export default CityMap;
