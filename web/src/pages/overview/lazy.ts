/** The overview's ECharts canvases, loaded on demand in one chunk; render them inside `<Suspense>`. */
import { lazy } from 'react';

export const LazyOverviewMap = lazy(() => import('./charts.tsx').then((module) => ({ default: module.OverviewMap })));
export const LazyTrendChart = lazy(() => import('./charts.tsx').then((module) => ({ default: module.TrendChart })));
