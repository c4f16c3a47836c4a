/** The insight canvases, loaded on demand in their own chunk; render them inside `<Suspense>`. */
import { lazy } from 'react';

export const LazyForecastChart = lazy(() => import('./charts.tsx').then((module) => ({ default: module.ForecastChart })));
export const LazyDistrictValueMap = lazy(() => import('./charts.tsx').then((module) => ({ default: module.DistrictValueMap })));
export const LazyCompareChart = lazy(() => import('./charts.tsx').then((module) => ({ default: module.CompareChart })));
