/** The city as NGSI-LD: its static and first-state entities, and the devices to register for its sensors. */
import type { City, DeviceSpec, NgsiAttribute, NgsiEntity, SensorKind } from '../model.ts';

export const property = (value: unknown, extra?: { observedAt?: string; unitCode?: string }): NgsiAttribute => ({ type: 'Property', value, ...extra });
export const point = (coordinates: [number, number]): NgsiAttribute => ({ type: 'GeoProperty', value: { type: 'Point', coordinates } });
export const relationship = (object: string): NgsiAttribute => ({ type: 'Relationship', object });

/** Device attribute mappings per sensor kind: the payload key is the attribute name (readable over MQTT and in `stream.jsonl`). */
export const DEVICE_ATTRIBUTES: Record<SensorKind, { key: string; name: string; unitCode?: string }[]> = {
  traffic: [
    { key: 'intensity', name: 'intensity', unitCode: 'E50' },
    { key: 'averageVehicleSpeed', name: 'averageVehicleSpeed', unitCode: 'KMH' },
    { key: 'occupancy', name: 'occupancy', unitCode: 'C62' },
    { key: 'congestionIndex', name: 'congestionIndex', unitCode: 'C62' },
    { key: 'congested', name: 'congested' },
  ],
  air: [
    { key: 'pm25', name: 'pm25', unitCode: 'GQ' },
    { key: 'pm10', name: 'pm10', unitCode: 'GQ' },
    { key: 'no2', name: 'no2', unitCode: 'GQ' },
    { key: 'o3', name: 'o3', unitCode: 'GQ' },
    { key: 'so2', name: 'so2', unitCode: 'GQ' },
    { key: 'co', name: 'co', unitCode: 'GP' },
    { key: 'temperature', name: 'temperature', unitCode: 'CEL' },
    { key: 'relativeHumidity', name: 'relativeHumidity', unitCode: 'C62' },
  ],
  noise: [
    { key: 'LAeq', name: 'LAeq', unitCode: '2N' },
    { key: 'LAmax', name: 'LAmax', unitCode: '2N' },
  ],
  parking: [
    { key: 'availableSpotNumber', name: 'availableSpotNumber' },
    { key: 'occupancyRate', name: 'occupancyRate', unitCode: 'C62' },
  ],
  weather: [
    { key: 'temperature', name: 'temperature', unitCode: 'CEL' },
    { key: 'relativeHumidity', name: 'relativeHumidity', unitCode: 'C62' },
    { key: 'precipitation', name: 'precipitation', unitCode: 'H67' },
    { key: 'windSpeed', name: 'windSpeed', unitCode: 'MTS' },
    { key: 'windDirection', name: 'windDirection', unitCode: 'DD' },
  ],
  security: [
    { key: 'state', name: 'state' },
    { key: 'triggeredAt', name: 'triggeredAt' },
    { key: 'value', name: 'value' },
  ],
};

const DEPARTMENT: Record<SensorKind, string> = {
  traffic: 'transport',
  air: 'ecology-environment',
  noise: 'ecology-environment',
  parking: 'transport',
  weather: 'emergency',
  security: 'public-security',
};

/** One device per sensor, with its entity's static attributes (location, district, name, relationships). */
export function devices(city: City): DeviceSpec[] {
  return city.sensors.map((sensor) => {
    const staticAttributes: Record<string, unknown> = { location: point(sensor.location), district: property(sensor.district) };
    if (sensor.kind === 'traffic') {
      const road = city.roads[sensor.ref]!;
      staticAttributes['name'] = property(`${road.name}检测器`);
      staticAttributes['refRoadSegment'] = relationship(road.id);
    } else if (sensor.kind === 'parking') {
      const park = city.carParks[sensor.ref]!;
      staticAttributes['name'] = property(park.name);
      staticAttributes['totalSpotNumber'] = property(park.totalSpots);
      staticAttributes['category'] = property([park.character === 'residential' ? 'forResidents' : 'public']);
    } else if (sensor.kind === 'security') {
      const spec = city.securitySensors[sensor.ref]!;
      const building = city.buildings[spec.building]!;
      staticAttributes['name'] = property(`${building.name}${SECURITY_WORD[spec.sensorKind]}`);
      staticAttributes['refBuilding'] = relationship(building.id);
      staticAttributes['sensorKind'] = property(spec.sensorKind);
    } else {
      const station = (sensor.kind === 'air' ? city.airStations : sensor.kind === 'noise' ? city.noiseMeters : city.weatherStations)[sensor.ref]!;
      staticAttributes['name'] = property(station.name);
    }
    return {
      id: sensor.deviceId,
      entityId: sensor.entityId,
      entityType: sensor.entityType,
      attributes: DEVICE_ATTRIBUTES[sensor.kind],
      staticAttributes,
      ownerDepartment: DEPARTMENT[sensor.kind],
    };
  });
}

export const SECURITY_WORD = { door: '门磁', window: '窗磁', motion: '人体感应器', smoke: '烟雾报警器', gas: '燃气报警器' } as const;

/** Road segments, buildings, hospitals and emergency vehicles as they stand at `at` (their first state). */
export function staticEntities(city: City): NgsiEntity[] {
  const entities: NgsiEntity[] = [];
  for (const road of city.roads) {
    entities.push({
      id: road.id,
      type: 'RoadSegment',
      name: property(road.name),
      location: { type: 'GeoProperty', value: { type: 'LineString', coordinates: road.coordinates } },
      roadClass: property(road.roadClass),
      totalLaneNumber: property(road.lanes),
      maximumAllowedSpeed: property(road.speedLimit, { unitCode: 'KMH' }),
      capacity: property(road.capacity, { unitCode: 'E50' }),
      length: property(road.length, { unitCode: 'MTR' }),
      district: property(road.district),
    });
  }
  return entities;
}
