/** Cities and their departments: creation, lookup (cached, as every request resolves its city) and the city profile. */
import { AppError } from '../errors/app-error.ts';
import { insertBatch, type Queryable, type Store } from '../store/store.ts';
import { type CityProfile, type Department, type DepartmentSeed, type LocalizedName, TENANT_ID_PATTERN, type Tenant } from './model.ts';


export class Tenancy {
  #store: Store;
  #known = new Set<string>();

  constructor(store: Store) {
    this.#store = store;
  }

  /** Creates the city and its departments unless it exists; returns whether it was created. */
  async ensureTenant(
    q: Queryable,
    id: string,
    name: LocalizedName,
    profile: CityProfile,
    departments: readonly DepartmentSeed[],
  ): Promise<boolean> {
    if (!TENANT_ID_PATTERN.test(id)) {
      throw new AppError('BAD_REQUEST_DATA', `City id "${id}" must be lower-case letters, digits, "-" or "_"`);
    }
    const created = await q.query(
      `INSERT INTO tenants (id, name_zh, name_en, profile) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [id, name.zh, name.en, JSON.stringify(profile)],
    );
    await insertBatch(
      q,
      'departments',
      ['tenant_id', 'id', 'name_zh', 'name_en'].map((name) => ({ name, type: 'text' })),
      departments.map((d) => ({ tenant_id: id, id: d.id, name_zh: d.name.zh, name_en: d.name.en })),
      'ON CONFLICT DO NOTHING',
    );
    this.#known.add(id);
    return created.length > 0;
  }

  /** Throws NONEXISTENT_TENANT unless the city exists. Positive answers are cached. */
  async assertExists(id: string): Promise<void> {
    if (this.#known.has(id)) return;
    if (TENANT_ID_PATTERN.test(id)) {
      const rows = await this.#store.query('SELECT 1 FROM tenants WHERE id = $1', [id]);
      if (rows.length > 0) {
        this.#known.add(id);
        return;
      }
    }
    throw new AppError('NONEXISTENT_TENANT', `There is no city (tenant) "${truncate(id)}" on this platform`);
  }

  async list(): Promise<Tenant[]> {
    const rows = await this.#store.query<{ id: string; name_zh: string; name_en: string; created_at: Date }>(
      'SELECT id, name_zh, name_en, created_at FROM tenants ORDER BY id',
    );
    return rows.map((r) => ({ id: r.id, name: { zh: r.name_zh, en: r.name_en }, createdAt: r.created_at.toISOString() }));
  }

  async profile(tenant: string): Promise<CityProfile> {
    await this.assertExists(tenant);
    const [row] = await this.#store.query<{ profile: Partial<CityProfile>; name_zh: string; name_en: string }>(
      'SELECT profile, name_zh, name_en FROM tenants WHERE id = $1',
      [tenant],
    );
    const profile = row?.profile ?? {};
    return {
      name: { zh: row?.name_zh ?? tenant, en: row?.name_en ?? tenant },
      center: profile.center ?? [0, 0],
      districts: profile.districts ?? { type: 'FeatureCollection', features: [] },
    };
  }

  async departments(tenant: string): Promise<Department[]> {
    const rows = await this.#store.query<{ id: string; name_zh: string; name_en: string }>(
      'SELECT id, name_zh, name_en FROM departments WHERE tenant_id = $1 ORDER BY name_zh',
      [tenant],
    );
    return rows.map((r) => ({ id: r.id, name: { zh: r.name_zh, en: r.name_en } }));
  }

  async assertDepartment(q: Queryable, tenant: string, department: string): Promise<void> {
    const rows = await q.query('SELECT 1 FROM departments WHERE tenant_id = $1 AND id = $2', [tenant, department]);
    if (rows.length === 0) {
      throw new AppError('BAD_REQUEST_DATA', `City "${tenant}" has no department "${truncate(department)}"`, {
        details: { field: 'department' },
      });
    }
  }
}

function truncate(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}…` : value;
}
