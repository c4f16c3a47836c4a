/** Builds the simulated city from (seed, size): districts, a street grid per district, sensors, car parks, hospitals, homes, units. */
import { HANGZHOU } from '../../platform/tenancy/hangzhou.ts';
import type {
  Building,
  BuildingCategory,
  CarPark,
  City,
  ConstructionSite,
  District,
  DistrictCharacter,
  DistrictId,
  EmergencyUnit,
  Hospital,
  RoadClass,
  RoadSegment,
  SecurityKind,
  SecuritySensor,
  Sensor,
  SensorKind,
  SimOptions,
  Size,
  Station,
  VehicleKind,
} from '../model.ts';
import { P, Sequence } from '../random.ts';
import { AIR_STATIONS, CHINESE_NUMERALS, DISTRICT_PLANS, type DistrictPlan, HOSPITALS } from './names.ts';

interface SizePlan {
  /** [east–west roads, north–south roads] of the grid, by district character */
  grid: Record<DistrictCharacter, [number, number]>;
  air: number;
  noise: number;
  parks: number;
  weather: number;
  hospitals: number;
  buildings: number;
  /** emergency units of each kind per district (at least one each in the city) */
  unitsPerDistrict: number;
  construction: number;
}

const SIZE_PLANS: Record<Size, SizePlan> = {
  tiny: {
    grid: { core: [1, 3], business: [1, 3], suburban: [1, 3], rural: [1, 3] },
    air: 4,
    noise: 4,
    parks: 6,
    weather: 2,
    hospitals: 3,
    buildings: 10,
    unitsPerDistrict: 0,
    construction: 3,
  },
  small: {
    grid: { core: [4, 4], business: [4, 4], suburban: [3, 4], rural: [2, 3] },
    air: 13,
    noise: 40,
    parks: 60,
    weather: 5,
    hospitals: 12,
    buildings: 120,
    unitsPerDistrict: 1,
    construction: 12,
  },
  city: {
    grid: { core: [10, 10], business: [8, 8], suburban: [8, 8], rural: [6, 6] },
    air: 200,
    noise: 1000,
    parks: 1400,
    weather: 20,
    hospitals: 18,
    buildings: 600,
    unitsPerDistrict: 4,
    construction: 40,
  },
};

const SPACING: Record<DistrictCharacter, number> = { core: 0.011, business: 0.012, suburban: 0.016, rural: 0.02 };
/** Mean-hour weekday demand as a share of capacity… times the weekday peak factor gives the peak v/c. */
const PEAK_VC: Record<DistrictCharacter, number> = { core: 1.3, business: 1.2, suburban: 1.0, rural: 0.65 };
const PEAK_FACTOR = 2.3;

const ROAD_CLASS: Record<RoadClass, { lanes: number; speed: number; perLane: number }> = {
  expressway: { lanes: 3, speed: 80, perLane: 1800 },
  arterial: { lanes: 3, speed: 50, perLane: 800 },
  local: { lanes: 2, speed: 30, perLane: 550 },
};

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** Metres between two [lon, lat] points (equirectangular; fine at city scale). */
export function distanceMetres(a: [number, number], b: [number, number]): number {
  const dLat = (b[1] - a[1]) * 111_320;
  const dLon = (b[0] - a[0]) * 111_320 * Math.cos((a[1] * Math.PI) / 180);
  return Math.sqrt(dLat * dLat + dLon * dLon);
}

function streetName(plan: DistrictPlan, names: string[], k: number, offset: number): string {
  return names[k] ?? `${plan.extraPrefix}${CHINESE_NUMERALS[(k - names.length + offset) % CHINESE_NUMERALS.length]}路`;
}

function classOf(name: string, k: number): RoadClass {
  if (name.includes('高架') || name.includes('快速路')) return 'expressway';
  if (k < 2 || name.includes('大道')) return 'arterial';
  return 'local';
}

function buildRoads(seed: number, plans: readonly DistrictPlan[], sizePlan: SizePlan): RoadSegment[] {
  const rng = new Sequence(seed, P.cityLayout);
  const roads: RoadSegment[] = [];
  for (const plan of plans) {
    const [nEW, nNS] = sizePlan.grid[plan.character];
    const spacing = SPACING[plan.character];
    const node = (i: number, j: number): [number, number] => [
      round6(plan.centre[0] + (j - (nNS - 1) / 2) * spacing),
      round6(plan.centre[1] + (i - (nEW - 1) / 2) * spacing * 0.9),
    ];
    const addRoad = (name: string, k: number, points: [number, number][], crossNames: string[], tidal: 1 | -1) => {
      const roadClass = classOf(name, k);
      const spec = ROAD_CLASS[roadClass];
      let previousForward = -1;
      const forward: number[] = [];
      const backward: number[] = [];
      for (let l = 0; l + 1 < points.length; l++) {
        const a = points[l] as [number, number];
        const b = points[l + 1] as [number, number];
        const lanes = roadClass === 'local' && rng.chance(0.4) ? 1 : spec.lanes;
        const capacity = lanes * spec.perLane;
        const length = Math.round(distanceMetres(a, b));
        const stretch = `${name}（${crossNames[l]}—${crossNames[l + 1]}）`;
        const stretchBack = `${name}（${crossNames[l + 1]}—${crossNames[l]}）`;
        const demandShare = (PEAK_VC[plan.character] / PEAK_FACTOR) * rng.between(0.8, 1.2);
        const fwd = roads.length;
        roads.push({
          index: fwd,
          id: '',
          name: stretch,
          district: plan.id,
          roadClass,
          lanes,
          speedLimit: spec.speed,
          capacity,
          length,
          coordinates: [a, b],
          baseDemand: Math.round(capacity * demandShare),
          tidal,
          upstream: previousForward,
          twin: fwd + 1,
        });
        roads.push({
          index: fwd + 1,
          id: '',
          name: stretchBack,
          district: plan.id,
          roadClass,
          lanes,
          speedLimit: spec.speed,
          capacity,
          length,
          coordinates: [b, a],
          baseDemand: Math.round(capacity * (PEAK_VC[plan.character] / PEAK_FACTOR) * rng.between(0.8, 1.2)),
          tidal: tidal === 1 ? -1 : 1,
          upstream: -1,
          twin: fwd,
        });
        forward.push(fwd);
        backward.push(fwd + 1);
        previousForward = fwd;
      }
      // backward links flow from the far end: each one's upstream is the next link along the road
      for (let l = 0; l < backward.length; l++) {
        const segment = roads[backward[l] as number] as RoadSegment;
        segment.upstream = l + 1 < backward.length ? (backward[l + 1] as number) : -1;
      }
    };
    const ewNames = Array.from({ length: nEW }, (_, i) => streetName(plan, plan.eastWest, i, 0));
    const nsNames = Array.from({ length: nNS }, (_, j) => streetName(plan, plan.northSouth, j, 7));
    for (let i = 0; i < nEW; i++) {
      addRoad(ewNames[i] as string, i, Array.from({ length: nNS }, (_, j) => node(i, j)), nsNames, 1);
    }
    for (let j = 0; j < nNS; j++) {
      addRoad(nsNames[j] as string, j, Array.from({ length: nEW }, (_, i) => node(i, j)), ewNames, -1);
    }
  }
  for (const road of roads) road.id = `urn:ngsi-ld:RoadSegment:hz-road-${road.index + 1}`;
  return roads;
}

/** Deals `count` items over districts by weight (core districts get more), in a fixed order. */
function dealDistricts(count: number, plans: readonly DistrictPlan[], rng: Sequence): DistrictId[] {
  const weight: Record<DistrictCharacter, number> = { core: 3, business: 2.5, suburban: 2, rural: 1 };
  const total = plans.reduce((s, p) => s + weight[p.character], 0);
  const out: DistrictId[] = [];
  for (let k = 0; k < count; k++) {
    if (k < plans.length && count >= plans.length) {
      out.push((plans[k] as DistrictPlan).id);
      continue;
    }
    let r = rng.next() * total;
    let chosen = plans[0] as DistrictPlan;
    for (const p of plans) {
      r -= weight[p.character];
      if (r <= 0) {
        chosen = p;
        break;
      }
    }
    out.push(chosen.id);
  }
  return out;
}

function near(plan: DistrictPlan, rng: Sequence, spread: number): [number, number] {
  return [round6(plan.centre[0] + rng.between(-spread, spread)), round6(plan.centre[1] + rng.between(-spread, spread) * 0.9)];
}

/** The city for (seed, size): the same arguments always give the same city. */
export function buildCity(options: SimOptions): City {
  const { seed, size } = options;
  const sizePlan = SIZE_PLANS[size];
  const plans = DISTRICT_PLANS;
  const planOf = new Map(plans.map((p) => [p.id, p]));
  const rng = new Sequence(seed, P.cityLayout + 1000);
  const spreadOf = (d: DistrictId) => {
    const plan = planOf.get(d) as DistrictPlan;
    const [nEW, nNS] = sizePlan.grid[plan.character];
    return (SPACING[plan.character] * Math.max(nEW, nNS, 3)) / 2;
  };
  const rings = new Map(HANGZHOU.districts.features.map((f) => [f.properties.id, ((f.geometry.coordinates as unknown[][])[0] ?? []) as [number, number][]]));
  const districts: District[] = plans.map((p) => ({
    id: p.id,
    name: p.name,
    character: p.character,
    centre: p.centre,
    ring: (rings.get(p.id) ?? []) as [number, number][],
  }));

  const roads = buildRoads(seed, plans, sizePlan);
  const sensors: Sensor[] = [];
  const addSensor = (kind: SensorKind, entityType: string, deviceKind: string, n: number, district: DistrictId, location: [number, number], ref: number) => {
    const sensor: Sensor = {
      index: sensors.length,
      kind,
      deviceId: `hz-${deviceKind}-${n}`,
      entityId: `urn:ngsi-ld:${entityType}:hz-${deviceKind}-${n}`,
      entityType,
      district,
      location,
      ref,
    };
    sensors.push(sensor);
    return sensor.index;
  };

  const detectorOfRoad = roads.map((road) => {
    const [a, b] = road.coordinates as [[number, number], [number, number]];
    // a detector two thirds of the way along its link, offset to its side of the road
    const loc: [number, number] = [round6(a[0] + (b[0] - a[0]) * 0.66), round6(a[1] + (b[1] - a[1]) * 0.66)];
    return addSensor('traffic', 'TrafficFlowObserved', 'traffic', road.index + 1, road.district, loc, road.index);
  });

  const airStations: Station[] = dealDistricts(sizePlan.air, plans, rng).map((district, index) => {
    const named = AIR_STATIONS.filter((s) => s.district === district);
    const own = sensors.filter((s) => s.kind === 'air' && s.district === district).length;
    const plan = planOf.get(district) as DistrictPlan;
    const name = named[own]?.name ?? `${plan.name.replace('区', '')}${CHINESE_NUMERALS[own % 16]}号空气站`;
    const station = { index, name, district, location: near(plan, rng, spreadOf(district)), level: rng.between(0.85, 1.15) };
    addSensor('air', 'AirQualityObserved', 'air', index + 1, district, station.location, index);
    return station;
  });

  const noiseMeters: Station[] = dealDistricts(sizePlan.noise, plans, rng).map((district, index) => {
    const road = roads.filter((r) => r.district === district)[rng.int(0, 1000) % roads.filter((r) => r.district === district).length] as RoadSegment;
    const a = road.coordinates[0] as [number, number];
    const location: [number, number] = [round6(a[0] + rng.between(-0.002, 0.002)), round6(a[1] + rng.between(-0.002, 0.002))];
    const station = { index, name: `${road.name.split('（')[0]}噪声监测点${index + 1}`, district, location, level: rng.between(-4, 6) };
    addSensor('noise', 'NoiseLevelObserved', 'noise', index + 1, district, location, index);
    return station;
  });

  const carParks: CarPark[] = dealDistricts(sizePlan.parks, plans, rng).map((district, index) => {
    const plan = planOf.get(district) as DistrictPlan;
    const businessShare = plan.character === 'core' || plan.character === 'business' ? 0.6 : 0.25;
    const r = rng.next();
    const character = r < businessShare ? 'business' : r < businessShare + 0.3 ? 'residential' : 'mixed';
    const place = character === 'residential' ? `${rng.pick(plan.compounds)}小区` : rng.pick(plan.landmarks);
    const park: CarPark = {
      index,
      name: `${place}${character === 'residential' ? '' : '地下'}停车场${index >= plans.length ? `${index + 1}号` : ''}`,
      district,
      location: near(plan, rng, spreadOf(district)),
      totalSpots: character === 'business' ? rng.int(200, 1200) : rng.int(100, 600),
      character,
    };
    addSensor('parking', 'OffStreetParking', 'parking', index + 1, district, park.location, index);
    return park;
  });

  const weatherStations: Station[] = dealDistricts(sizePlan.weather, plans, rng).map((district, index) => {
    const plan = planOf.get(district) as DistrictPlan;
    const station = { index, name: `${plan.name}气象站${index >= plans.length ? index + 1 : ''}`, district, location: near(plan, rng, 0.01), level: rng.between(-1, 1) };
    addSensor('weather', 'WeatherObserved', 'weather', index + 1, district, station.location, index);
    return station;
  });

  const hospitals: Hospital[] = HOSPITALS.slice(0, sizePlan.hospitals).map((h, index) => {
    const plan = planOf.get(h.district) as DistrictPlan;
    return {
      index,
      id: `urn:ngsi-ld:Hospital:hz-hospital-${index + 1}`,
      name: h.name,
      district: h.district,
      location: near(plan, rng, spreadOf(h.district)),
      totalBeds: h.beds,
      emergencyCapacity: Math.round(h.beds / 40),
    };
  });

  const buildings: Building[] = [];
  const securitySensors: SecuritySensor[] = [];
  for (const [index, district] of dealDistricts(sizePlan.buildings, plans, rng).entries()) {
    const plan = planOf.get(district) as DistrictPlan;
    const r = rng.next();
    const category: BuildingCategory = r < 0.8 ? 'residential' : r < 0.9 ? 'office' : r < 0.97 ? 'commercial' : 'school';
    const compound = rng.pick(plan.compounds);
    const name =
      category === 'residential'
        ? `${compound}${rng.int(1, 30)}幢${rng.int(1, 4)}单元${rng.int(1, 25)}0${rng.int(1, 4)}室`
        : category === 'office'
          ? `${rng.pick(plan.landmarks)}写字楼${rng.int(1, 20)}层`
          : category === 'commercial'
            ? `${rng.pick(plan.landmarks)}商铺${rng.int(1, 200)}号`
            : `${compound}小学`;
    const kinds: SecurityKind[] = category === 'residential' ? ['door', 'window', 'motion', 'smoke', 'gas'] : ['door', 'motion', 'smoke'];
    const building: Building = {
      index,
      id: `urn:ngsi-ld:Building:hz-building-${index + 1}`,
      name,
      district,
      location: near(plan, rng, spreadOf(district)),
      category,
      pet: category === 'residential' && rng.chance(0.3),
      firstSensor: securitySensors.length,
      sensorCount: kinds.length,
    };
    buildings.push(building);
    for (const sensorKind of kinds) {
      const s = securitySensors.length;
      const sensor = addSensor('security', 'SecuritySensor', 'security', s + 1, district, building.location, s);
      securitySensors.push({ index: s, building: index, sensorKind, sensor });
    }
  }

  const units: EmergencyUnit[] = [];
  const kinds: [VehicleKind, string, string][] = [
    ['fireEngine', '消防救援站', '消防车'],
    ['ambulance', '急救站', '救护车'],
    ['policeCar', '派出所', '警车'],
  ];
  const perDistrict = Math.max(sizePlan.unitsPerDistrict, 0);
  const unitDistricts: DistrictId[] = perDistrict > 0 ? plans.flatMap((p) => Array.from({ length: perDistrict }, () => p.id)) : ['shangcheng', 'xihu', 'xiaoshan'];
  for (const [kind, stationWord, vehicleWord] of kinds) {
    for (const [k, district] of unitDistricts.entries()) {
      const plan = planOf.get(district) as DistrictPlan;
      const n = units.length + 1;
      units.push({
        index: units.length,
        id: `urn:ngsi-ld:EmergencyVehicle:hz-unit-${n}`,
        name: `${plan.name.replace('区', '')}${vehicleWord}${k + 1}号`,
        kind,
        district,
        station: `${plan.name}${rng.pick(plan.compounds)}${stationWord}`,
        location: near(plan, rng, spreadOf(district) * 0.6),
      });
    }
  }

  const constructionSites: ConstructionSite[] = dealDistricts(sizePlan.construction, plans, rng).map((district, index) => {
    const plan = planOf.get(district) as DistrictPlan;
    return { index, name: `${rng.pick(plan.landmarks)}周边地铁施工工地`, district, location: near(plan, rng, spreadOf(district)) };
  });

  return {
    seed,
    size,
    start: options.start,
    stepSeconds: options.stepSeconds ?? 60,
    districts,
    roads,
    sensors,
    detectorOfRoad,
    airStations,
    noiseMeters,
    weatherStations,
    carParks,
    hospitals,
    buildings,
    securitySensors,
    units,
    constructionSites,
  };
}
