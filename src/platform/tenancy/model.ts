/** Cities (tenants) and the departments inside them. */

/** A city id: what the `tenants.id` CHECK constraint allows too. */
export const TENANT_ID_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;

export interface LocalizedName {
  zh: string;
  en: string;
}

export interface DistrictFeature {
  type: 'Feature';
  id: string;
  properties: { id: string; name: string; nameEn: string; approximate?: boolean };
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown };
}

export interface CityProfile {
  name: LocalizedName;
  /** [longitude, latitude] */
  center: [number, number];
  districts: { type: 'FeatureCollection'; features: DistrictFeature[] };
}

export interface Tenant {
  id: string;
  name: LocalizedName;
  createdAt: string;
}

export interface DepartmentSeed {
  id: string;
  name: LocalizedName;
}

export type Department = DepartmentSeed;
