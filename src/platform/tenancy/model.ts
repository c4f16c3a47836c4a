/** Cities (tenants) and the departments inside them. */

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

export interface Department extends DepartmentSeed {}
