/**
 * The slice of Apache ECharts the city map needs: the geo component, scatter points,
 * tooltips, and the canvas renderer. No tile server and no WebGL: boundaries come from
 * the server's GeoJSON and are drawn locally.
 */
import { ScatterChart } from 'echarts/charts';
import { GeoComponent, TooltipComponent } from 'echarts/components';
import { format, init, registerMap, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { DistrictCollection } from '../../api/types.ts';

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
