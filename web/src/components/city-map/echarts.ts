/**
 * The slice of Apache ECharts the city map needs: the geo component, scatter points,
 * tooltips, and the canvas renderer. No tile server and no WebGL: boundaries come from
 * the server's GeoJSON and are drawn locally.
 */
import { ScatterChart } from 'echarts/charts';
import { GeoComponent, TooltipComponent } from 'echarts/components';
import { format, init, registerMap, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { DistrictCollection, DistrictFeature } from '../../api/types.ts';
import type { Lang } from '../../i18n/index.ts';

use([GeoComponent, TooltipComponent, ScatterChart, CanvasRenderer]);

export { format, init };
export type { ECharts, EChartsCoreOption } from 'echarts/core';

const registered = new WeakMap<DistrictCollection, string>();
let counter = 0;

/** Registers a FeatureCollection with ECharts once and returns the map name to use in `geo.map`. */
export function registerDistricts(collection: DistrictCollection): string {
  const existing = registered.get(collection);
  if (existing) return existing;
  counter += 1;
  const name = `citycloud-districts-${counter}`;
  // ECharts' GeoJSON type is stricter about coordinate tuples than the server's; the data is the same.
  registerMap(name, collection as unknown as Parameters<typeof registerMap>[1]);
  registered.set(collection, name);
  return name;
}

/** A district's name in the page's language (the other language, then its id, when one is missing). */
export function districtLabel(feature: DistrictFeature | undefined, id: string, lang: Lang): string {
  if (!feature) return id;
  const { name, nameEn } = feature.properties;
  return (lang === 'en' ? nameEn || name : name || nameEn) || id;
}

/** Colours read from the stylesheet's CSS variables (`name → [variable, fallback]`), so canvases match the page, and its font. */
export function cssColours<K extends string>(element: Element, spec: Record<K, readonly [string, string]>): Record<K, string> & { font: string } {
  const style = getComputedStyle(element);
  const colours = {} as Record<K, string>;
  for (const [key, [variable, fallback]] of Object.entries(spec) as Array<[K, readonly [string, string]]>) {
    colours[key] = style.getPropertyValue(variable).trim() || fallback;
  }
  return { ...colours, font: style.fontFamily || 'sans-serif' };
}

/** The `geo` component of a district map: pannable, labelled districts, no hover effects (series draw on top). */
export function districtGeo(options: {
  mapName: string;
  features: ReadonlyMap<string, DistrictFeature>;
  lang: Lang;
  colours: { area: string; border: string; label: string; font: string };
  roam?: boolean;
  labelSize?: number;
  borderWidth?: number;
}) {
  const { mapName, features, lang, colours, roam = true, labelSize = 12, borderWidth = 1.5 } = options;
  return {
    map: mapName,
    nameProperty: 'id',
    roam,
    scaleLimit: { min: 0.8, max: 40 },
    top: 8,
    bottom: 8,
    left: 8,
    right: 8,
    selectedMode: false,
    tooltip: { show: false },
    itemStyle: { areaColor: colours.area, borderColor: colours.border, borderWidth },
    label: {
      show: true,
      color: colours.label,
      fontSize: labelSize,
      fontFamily: colours.font,
      formatter: (params: { name: string }) => districtLabel(features.get(params.name), params.name, lang),
    },
    emphasis: { disabled: true },
  };
}
