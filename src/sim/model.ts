/** The simulated city's types: the generator's API (see CONTRACT.md) and the city model it builds. */

/** tiny: tests (~100 sensors); small: `npm start` (~1,000); city: benchmarks (≥ 5,000 sensors reporting every minute). */
export type Size = 'tiny' | 'small' | 'city';

export const SIZES: readonly Size[] = ['tiny', 'small', 'city'];

export interface SimOptions {
  seed: number;
  size: Size;
  /** ISO instant (UTC); where a run starts by default. */
  start: string;
  /** Seconds between ticks; default 60. */
  stepSeconds?: number;
}

export type GeoJsonGeometry =
  | { type: 'Point'; coordinates: [number, number] }
  | { type: 'LineString'; coordinates: [number, number][] }
  | { type: 'Polygon'; coordinates: [number, number][][] };

/** One NGSI-LD attribute in normalized form. */
export type NgsiAttribute =
  | { type: 'Property'; value: unknown; observedAt?: string; unitCode?: string }
  | { type: 'GeoProperty'; value: GeoJsonGeometry; observedAt?: string }
  | { type: 'Relationship'; object: string; observedAt?: string };

/** An NGSI-LD entity, normalized, with core @context terms only (no `@context` member). */
export interface NgsiEntity {
  id: string;
  type: string;
  [attribute: string]: NgsiAttribute | string;
}

/** What to register in `/api/v1/devices`: one per sensor that reports over MQTT. */
export interface DeviceSpec {
  id: string;
  entityId: string;
  entityType: string;
  attributes: { key: string; name: string; unitCode?: string }[];
  /** NGSI-LD attributes set once at registration, e.g. `location`, `name`, `refRoadSegment`. */
  staticAttributes: Record<string, unknown>;
  ownerDepartment: string;
}

export type ObservationValue = number | string | boolean;

export interface DeviceObservation {
  channel: 'device';
  deviceId: string;
  values: Record<string, ObservationValue>;
  observedAt: string;
}

export interface EntityObservation {
  channel: 'entity';
  entity: NgsiEntity;
}

export interface ReportObservation {
  channel: 'report';
  serviceCode: string;
  lat: number;
  long: number;
  description: string;
  attributes?: Record<string, string>;
}

/** One thing the city emits: a device message (→ MQTT), an entity upsert (→ NGSI-LD), a citizen report (→ Open311). */
export type Observation = DeviceObservation | EntityObservation | ReportObservation;

/** One ground-truth record; `real` tells a real event from noise. Keys come out in a fixed order. */
export interface TruthRecord {
  at: string;
  kind: string;
  id: string;
  real: boolean;
  [detail: string]: unknown;
}

export interface Tick {
  at: string;
  observations: Observation[];
  truth: TruthRecord[];
}

// ---- the city model -------------------------------------------------------------------------------

export type DistrictId =
  | 'shangcheng'
  | 'gongshu'
  | 'xihu'
  | 'binjiang'
  | 'xiaoshan'
  | 'yuhang'
  | 'linping'
  | 'qiantang'
  | 'fuyang'
  | 'linan';

/** Business districts fill car parks by day; residential ones by night. */
export type DistrictCharacter = 'core' | 'business' | 'suburban' | 'rural';

export interface District {
  id: DistrictId;
  name: string;
  character: DistrictCharacter;
  /** [lon, lat] of the district's urban centre (where its grid of streets is laid). */
  centre: [number, number];
  ring: [number, number][];
}

export type RoadClass = 'expressway' | 'arterial' | 'local';

/** A directed road link: traffic flows from its first to its last coordinate. */
export interface RoadSegment {
  index: number;
  id: string;
  name: string;
  district: DistrictId;
  roadClass: RoadClass;
  lanes: number;
  /** km/h */
  speedLimit: number;
  /** veh/h at which speed is t0·1.15 (BPR practical capacity). */
  capacity: number;
  /** metres */
  length: number;
  coordinates: [number, number][];
  /** Demand at the mean hour of a weekday, veh/h. */
  baseDemand: number;
  /** +1 for the direction that is heavier in the morning peak, −1 for the evening one. */
  tidal: 1 | -1;
  /** The segment just upstream (traffic that queues back from this one lands there), or −1. */
  upstream: number;
  /** The same stretch of road in the other direction. */
  twin: number;
}

export type SensorKind = 'traffic' | 'air' | 'noise' | 'parking' | 'weather' | 'security';

/** A sensor that reports over MQTT; `index` is its position in `City.sensors`. */
export interface Sensor {
  index: number;
  kind: SensorKind;
  deviceId: string;
  entityId: string;
  entityType: string;
  district: DistrictId;
  location: [number, number];
  /** traffic: the segment index; parking: the car park index; security: the sensor index in `securitySensors`; else the station index. */
  ref: number;
}

export interface CarPark {
  index: number;
  name: string;
  district: DistrictId;
  location: [number, number];
  totalSpots: number;
  /** business car parks fill by day, residential ones by night. */
  character: 'business' | 'residential' | 'mixed';
}

export interface Station {
  index: number;
  name: string;
  district: DistrictId;
  location: [number, number];
  /** A per-station level factor (near a main road, in a park…). */
  level: number;
}

export interface Hospital {
  index: number;
  id: string;
  name: string;
  district: DistrictId;
  location: [number, number];
  totalBeds: number;
  emergencyCapacity: number;
}

export type BuildingCategory = 'residential' | 'office' | 'commercial' | 'school';

export interface Building {
  index: number;
  id: string;
  name: string;
  district: DistrictId;
  location: [number, number];
  category: BuildingCategory;
  /** residents keep a pet (motion triggers while away). */
  pet: boolean;
  /** the first security sensor index of this building in `securitySensors`. */
  firstSensor: number;
  sensorCount: number;
}

export type SecurityKind = 'door' | 'window' | 'motion' | 'smoke' | 'gas';

export interface SecuritySensor {
  index: number;
  building: number;
  sensorKind: SecurityKind;
  /** the sensor's index in `City.sensors` */
  sensor: number;
}

export type VehicleKind = 'fireEngine' | 'ambulance' | 'policeCar';

export interface EmergencyUnit {
  index: number;
  id: string;
  name: string;
  kind: VehicleKind;
  district: DistrictId;
  station: string;
  location: [number, number];
}

export interface ConstructionSite {
  index: number;
  name: string;
  district: DistrictId;
  location: [number, number];
}

export interface City {
  seed: number;
  size: Size;
  start: string;
  stepSeconds: number;
  districts: District[];
  roads: RoadSegment[];
  sensors: Sensor[];
  /** traffic detector sensor index per road segment */
  detectorOfRoad: number[];
  airStations: Station[];
  noiseMeters: Station[];
  weatherStations: Station[];
  carParks: CarPark[];
  hospitals: Hospital[];
  buildings: Building[];
  securitySensors: SecuritySensor[];
  units: EmergencyUnit[];
  constructionSites: ConstructionSite[];
}
