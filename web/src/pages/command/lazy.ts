/** The command center's ECharts canvas, loaded on demand in its own chunk; render it inside `<Suspense>`. */
import { lazy } from 'react';

export const LazyCommandMap = lazy(() => import('./charts.tsx').then((module) => ({ default: module.CommandMap })));
