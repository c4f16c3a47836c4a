/**
 * The demo city, modelled on Hangzhou: its ten districts with APPROXIMATE, hand-drawn polygons
 * (a few vertices each, for drawing and routing by district — not surveyed boundaries), and the
 * municipal departments that own its data.
 */
import type { CityProfile, DepartmentSeed } from './model.ts';

type Ring = [number, number][];

const district = (id: string, name: string, nameEn: string, ring: Ring) => ({
  type: 'Feature' as const,
  id,
  properties: { id, name, nameEn, approximate: true },
  geometry: { type: 'Polygon' as const, coordinates: [[...ring, ring[0] as [number, number]]] },
});

export const HANGZHOU: CityProfile = {
  name: { zh: '杭州市', en: 'Hangzhou' },
  center: [120.16, 30.28],
  districts: {
    type: 'FeatureCollection',
    features: [
      district('shangcheng', '上城区', 'Shangcheng', [
        [120.16, 30.18], [120.24, 30.22], [120.3, 30.28], [120.3, 30.33], [120.2, 30.31], [120.16, 30.32],
      ]),
      district('gongshu', '拱墅区', 'Gongshu', [
        [120.05, 30.33], [120.16, 30.32], [120.2, 30.31], [120.3, 30.33], [120.24, 30.4], [120.08, 30.4],
      ]),
      district('xihu', '西湖区', 'Xihu', [
        [120.02, 30.13], [120.16, 30.18], [120.16, 30.32], [120.05, 30.33], [120.02, 30.25],
      ]),
      district('binjiang', '滨江区', 'Binjiang', [
        [120.1, 30.13], [120.16, 30.175], [120.24, 30.215], [120.24, 30.17], [120.14, 30.12],
      ]),
      district('xiaoshan', '萧山区', 'Xiaoshan', [
        [120.14, 30.12], [120.24, 30.17], [120.24, 30.215], [120.3, 30.26], [120.4, 30.27], [120.45, 30.2],
        [120.6, 30.1], [120.55, 29.9], [120.3, 29.85], [120.15, 29.95], [120.1, 30.05],
      ]),
      district('yuhang', '余杭区', 'Yuhang', [
        [119.78, 30.18], [120.02, 30.13], [120.02, 30.25], [120.05, 30.33], [120.08, 30.4], [120.24, 30.4],
        [120.22, 30.47], [120.1, 30.55], [119.9, 30.55], [119.72, 30.42],
      ]),
      district('linping', '临平区', 'Linping', [
        [120.24, 30.4], [120.3, 30.33], [120.4, 30.36], [120.48, 30.44], [120.36, 30.52], [120.22, 30.47],
      ]),
      district('qiantang', '钱塘区', 'Qiantang', [
        [120.3, 30.28], [120.4, 30.27], [120.45, 30.2], [120.65, 30.25], [120.7, 30.35], [120.55, 30.38],
        [120.4, 30.36], [120.3, 30.33],
      ]),
      district('fuyang', '富阳区', 'Fuyang', [
        [119.62, 30.05], [119.78, 30.18], [120.02, 30.13], [120.1, 30.05], [120.15, 29.95], [119.95, 29.75],
        [119.6, 29.85],
      ]),
      district('linan', '临安区', "Lin'an", [
        [118.85, 30.0], [119.62, 30.05], [119.78, 30.18], [119.72, 30.42], [119.4, 30.52], [118.9, 30.35],
      ]),
    ],
  },
};

/** The profile of a city with no map yet (a default city other than the demo one). */
export function unmappedCity(id: string): CityProfile {
  return { name: { zh: id, en: id }, center: HANGZHOU.center, districts: { type: 'FeatureCollection', features: [] } };
}

export const HANGZHOU_DEPARTMENTS: readonly DepartmentSeed[] = [
  { id: 'data-resources', name: { zh: '数据资源管理局', en: 'Data Resources Bureau' } },
  { id: 'transport', name: { zh: '交通运输局', en: 'Transport Bureau' } },
  { id: 'ecology-environment', name: { zh: '生态环境局', en: 'Ecology and Environment Bureau' } },
  { id: 'health', name: { zh: '卫生健康委员会', en: 'Health Commission' } },
  { id: 'public-security', name: { zh: '公安局', en: 'Public Security Bureau' } },
  { id: 'emergency', name: { zh: '应急管理局', en: 'Emergency Management Bureau' } },
  { id: 'urban-management', name: { zh: '城市管理局', en: 'Urban Management Bureau' } },
  { id: 'planning-resources', name: { zh: '规划和自然资源局', en: 'Planning and Natural Resources Bureau' } },
  { id: 'housing', name: { zh: '住房保障和房产管理局', en: 'Housing Bureau' } },
];
