import { lazy } from 'react';

export type { CityMapPoint, CityMapProps } from './types.ts';

/**
 * The map, loaded on demand: ECharts goes into its own chunk so pages without a map stay light.
 * Render it inside `<Suspense>`.
 */
export const LazyCityMap = lazy(() => import('./CityMap.tsx'));
