/** What the workflow needs to know of a city (department names, district polygons), read once and refreshed every minute. */
import type { Tenancy } from '../platform/tenancy/service.ts';
import type { Text } from './model.ts';
import { type District, readDistricts } from './routing.ts';

export interface CityInfo {
  departmentNames: Map<string, Text>;
  districts: District[];
}

const TTL_MS = 60_000;

export class CityCache {
  readonly #cache = new Map<string, { at: number; info: Promise<CityInfo> }>();

  constructor(private readonly tenancy: Tenancy) {}

  get(tenant: string): Promise<CityInfo> {
    const hit = this.#cache.get(tenant);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.info;
    const info = this.#load(tenant);
    info.catch(() => this.#cache.delete(tenant));
    this.#cache.set(tenant, { at: Date.now(), info });
    return info;
  }

  async #load(tenant: string): Promise<CityInfo> {
    const [profile, departments] = await Promise.all([this.tenancy.profile(tenant), this.tenancy.departments(tenant)]);
    return { departmentNames: new Map(departments.map((d) => [d.id, d.name])), districts: readDistricts(profile.districts.features) };
  }
}
