/** The request pages' ECharts canvases, loaded on demand in one chunk; render them inside `<Suspense>`. */
import { lazy } from 'react';

export const LazyPinMap = lazy(() => import('./charts.tsx').then((module) => ({ default: module.PinMap })));
export const LazyHeatMap = lazy(() => import('./charts.tsx').then((module) => ({ default: module.HeatMap })));
export const LazyBarsChart = lazy(() => import('./charts.tsx').then((module) => ({ default: module.BarsChart })));
