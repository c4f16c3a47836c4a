import type { DistrictCollection, DistrictFeature } from '../../api/types.ts';

/** A point drawn on the map, e.g. a sensor or an incident. */
export interface CityMapPoint {
  name: string;
  /** [longitude, latitude] */
  coords: [number, number];
  value: number;
  /** Any CSS colour; defaults to the map's accent colour. */
  color?: string;
  /** What `onSelectPoint` identifies the point by, e.g. an entity id (defaults to `name`). */
  id?: string;
  /** Tooltip lines under the name, instead of "value: n". */
  details?: readonly string[];
  /** Marker diameter in px, instead of one that grows with `value`. */
  size?: number;
}

export interface CityMapProps {
  /** District boundaries (Polygon / MultiPolygon features with `id`, `name`, `nameEn`). */
  districts: DistrictCollection;
  points?: readonly CityMapPoint[];
  /** Makes districts selectable; called with the selected district, or null when unselected. */
  onSelectDistrict?: (district: DistrictFeature | null) => void;
  /** Makes points clickable; called with the clicked point. */
  onSelectPoint?: (point: CityMapPoint) => void;
  /** Accessible name of the map, e.g. "Map of the districts of Hangzhou". */
  label?: string;
  className?: string;
}
