/** The district map every city page starts from: an ECharts geo of the city's districts with item tooltips. */
import { useEffect, useMemo } from 'react';
import type { DistrictCollection } from '../../api/types.ts';
import { useI18n } from '../../i18n/index.ts';
import { cssColours, districtGeo, type EChartsCoreOption, format, registerDistricts } from './echarts.ts';
import { useEChart } from './useEChart.ts';

/** A tooltip of a name and detail lines, HTML-escaped. */
export const tooltipHtml = (name: string, details: readonly string[]) => [name, ...details].map((line) => format.encodeHTML(line)).join('<br/>');

/**
 * Creates the chart and sets its geo (districts in the page's palette) and tooltip; the caller adds its series.
 * Series data items may carry `details: string[]`, shown under the name in the tooltip.
 */
export function useDistrictMap(districts: DistrictCollection) {
  const { lang } = useI18n();
  const features = useMemo(() => new Map(districts.features.map((f) => [f.properties.id, f] as const)), [districts]);
  const mapName = useMemo(() => registerDistricts(districts), [districts]);
  const { ref, chartRef } = useEChart();

  useEffect(() => {
    const chart = chartRef.current;
    const element = ref.current;
    if (!chart || !element) return;
    const palette = cssColours(element, {
      area: ['--overview-area', '#dfeaf0'],
      border: ['--map-border', '#ffffff'],
      label: ['--overview-label', '#5b7283'],
    });
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: palette.font },
      tooltip: {
        trigger: 'item',
        confine: true,
        textStyle: { fontSize: 13, fontFamily: palette.font },
        formatter: (params: { name?: string; data?: { details?: string[] } }) => tooltipHtml(params.name ?? '', params.data?.details ?? []),
      },
      geo: districtGeo({ mapName, features, lang, colours: palette }),
    } as EChartsCoreOption);
  }, [chartRef, ref, mapName, features, lang]);

  return { ref, chartRef };
}
