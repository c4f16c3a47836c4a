/** An ECharts instance on a div: created on mount, resized with its box, disposed of on unmount. */
import type { ECharts } from 'echarts/core';
import { init } from 'echarts/core';
import { useEffect, useRef } from 'react';

export function useEChart(onCreate?: (chart: ECharts) => void) {
  const ref = useRef<HTMLDivElement>(null);
  const chartRef = useRef<ECharts | null>(null);
  const onCreateRef = useRef(onCreate);
  onCreateRef.current = onCreate;
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const chart = init(element, undefined, { renderer: 'canvas' });
    chartRef.current = chart;
    onCreateRef.current?.(chart);
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
  }, []);
  return { ref, chartRef };
}
