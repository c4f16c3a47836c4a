/** The service catalog every city starts with (API.md's table), and the per-city cache of it. */
import type { Queryable } from '../platform/store/store.ts';
import type { ServiceAttribute, ServiceCategory, Text } from './model.ts';

const t = (zh: string, en: string): Text => ({ zh, en });

function attribute(a: Partial<ServiceAttribute> & Pick<ServiceAttribute, 'code' | 'datatype' | 'order' | 'description'>): ServiceAttribute {
  return { variable: true, required: false, ...a };
}

export const SEED_CATALOG: readonly ServiceCategory[] = [
  {
    code: 'pothole',
    name: t('道路坑洼', 'Pothole'),
    description: t('路面坑洞、破损或塌陷', 'A hole, break or sinking in the road surface'),
    group: 'roads',
    keywords: ['坑', '路面', '破损', 'pothole', 'road'],
    type: 'realtime',
    department: 'transport',
    metadata: true,
    responseHours: 4,
    resolutionHours: 72,
    districtDepartments: {},
    attributes: [
      attribute({ code: 'safety_note', variable: false, datatype: 'string', order: 0, description: t('请勿在车道上停留拍照', 'Do not stand in the traffic lane to take photos') }),
      attribute({ code: 'depth_cm', datatype: 'number', required: true, order: 1, description: t('坑的深度（厘米）', 'Depth of the hole (cm)'), datatypeDescription: t('数字，例如 8', 'A number, e.g. 8') }),
      attribute({
        code: 'lane',
        datatype: 'singlevaluelist',
        required: true,
        order: 2,
        description: t('所在车道', 'Which lane'),
        values: [
          { key: 'motorway', name: t('机动车道', 'Motorway') },
          { key: 'bike', name: t('非机动车道', 'Bike lane') },
          { key: 'sidewalk', name: t('人行道', 'Sidewalk') },
        ],
      }),
      attribute({
        code: 'hazards',
        datatype: 'multivaluelist',
        order: 3,
        description: t('其他危险', 'Other hazards'),
        values: [
          { key: 'water', name: t('积水', 'Standing water') },
          { key: 'dark', name: t('夜间无照明', 'Unlit at night') },
          { key: 'busy', name: t('车流大', 'Heavy traffic') },
        ],
      }),
      attribute({ code: 'first_seen', datatype: 'datetime', order: 4, description: t('最早发现时间', 'When it was first seen'), datatypeDescription: t('ISO 8601 时间', 'An ISO 8601 date and time') }),
      attribute({ code: 'landmark', datatype: 'string', order: 5, description: t('附近地标', 'A landmark nearby') }),
      attribute({ code: 'details', datatype: 'text', order: 6, description: t('补充说明', 'More details') }),
    ],
  },
  {
    code: 'streetlight',
    name: t('路灯故障', 'Street light out'),
    description: t('路灯不亮、闪烁或损坏', 'A street light that is out, flickering or damaged'),
    group: 'lighting',
    keywords: ['路灯', '灯', 'light', 'lamp'],
    type: 'realtime',
    department: 'urban-management',
    metadata: true,
    responseHours: 8,
    resolutionHours: 48,
    districtDepartments: {},
    attributes: [attribute({ code: 'pole_number', datatype: 'string', order: 1, description: t('灯杆编号', 'Pole number') })],
  },
  {
    code: 'garbage',
    name: t('垃圾未清运', 'Uncollected garbage'),
    description: t('垃圾桶满溢或垃圾未按时清运', 'Overflowing bins or garbage not collected on time'),
    group: 'sanitation',
    keywords: ['垃圾', '清运', 'garbage', 'trash'],
    type: 'realtime',
    department: 'urban-management',
    metadata: false,
    responseHours: 4,
    resolutionHours: 24,
    districtDepartments: {},
    attributes: [],
  },
  {
    code: 'noise',
    name: t('夜间噪声扰民', 'Noise at night'),
    description: t('夜间施工、娱乐场所等噪声扰民', 'Noise at night from construction, venues or traffic'),
    group: 'environment',
    keywords: ['噪声', '噪音', '扰民', 'noise'],
    type: 'realtime',
    department: 'ecology-environment',
    metadata: true,
    responseHours: 1,
    resolutionHours: 24,
    districtDepartments: {},
    attributes: [
      attribute({
        code: 'source',
        datatype: 'singlevaluelist',
        required: true,
        order: 1,
        description: t('噪声来源', 'Source of the noise'),
        values: [
          { key: 'construction', name: t('施工', 'Construction') },
          { key: 'entertainment', name: t('娱乐场所', 'Entertainment venue') },
          { key: 'traffic', name: t('交通', 'Traffic') },
          { key: 'other', name: t('其他', 'Other') },
        ],
      }),
    ],
  },
  {
    code: 'illegal-parking',
    name: t('违章停车', 'Illegal parking'),
    description: t('占用消防通道、人行道或禁停区域的车辆', 'Vehicles parked in fire lanes, on sidewalks or in no-parking zones'),
    group: 'traffic',
    keywords: ['停车', '违停', 'parking'],
    type: 'batch',
    department: 'public-security',
    metadata: true,
    responseHours: 2,
    resolutionHours: 12,
    districtDepartments: {},
    attributes: [attribute({ code: 'plate', datatype: 'string', order: 1, description: t('车牌号', 'Licence plate') })],
  },
];

/** Each city's catalog, read once per process (seeding the city on its first read). */
export class CatalogCache {
  readonly #cache = new Map<string, Promise<Map<string, ServiceCategory>>>();

  constructor(private readonly q: Queryable) {}

  get(tenant: string): Promise<Map<string, ServiceCategory>> {
    let entry = this.#cache.get(tenant);
    if (!entry) {
      entry = this.#load(tenant);
      entry.catch(() => this.#cache.delete(tenant));
      this.#cache.set(tenant, entry);
    }
    return entry;
  }

  async #load(tenant: string): Promise<Map<string, ServiceCategory>> {
    let rows = await this.q.query<{ definition: ServiceCategory }>(
      'SELECT definition FROM service_request_categories WHERE tenant_id = $1 ORDER BY position, code',
      [tenant],
    );
    if (rows.length === 0) {
      const seed = SEED_CATALOG.map((category, position) => ({ code: category.code, position, definition: category }));
      await this.q.query(
        `INSERT INTO service_request_categories (tenant_id, code, position, definition)
         SELECT $1, x.code, x.position, x.definition FROM jsonb_to_recordset($2::jsonb) AS x(code text, position int, definition jsonb)
         ON CONFLICT DO NOTHING`,
        [tenant, JSON.stringify(seed)],
      );
      rows = await this.q.query<{ definition: ServiceCategory }>(
        'SELECT definition FROM service_request_categories WHERE tenant_id = $1 ORDER BY position, code',
        [tenant],
      );
    }
    return new Map(rows.map((r) => [r.definition.code, r.definition]));
  }
}
