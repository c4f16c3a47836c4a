/** The simulated city (modelled on Hangzhou): build it, list its entities and devices, and stream it deterministically. */
import { dayTypeOfDay, localDayNumber } from './calendar.ts';
import { property, staticEntities } from './city/entities.ts';
import type { City, NgsiEntity } from './model.ts';
import { daySchedule, occupancyState } from './rhythms/occupancy.ts';
import { hospitalReading } from './rhythms/hospital.ts';

export { buildCity, distanceMetres } from './city/build.ts';
export { devices } from './city/entities.ts';
export { simulate } from './stream.ts';
export { dayTypeOfDate, HOLIDAY_ARRANGEMENTS, isMakeUpWorkday } from './calendar.ts';
export type * from './model.ts';

/**
 * The entities that exist before the first tick, in their state at `city.start`: road segments, buildings,
 * hospitals and emergency vehicles (sensor entities are created by registering `devices(city)`).
 */
export function initialEntities(city: City): NgsiEntity[] {
  const at = Date.parse(city.start);
  const day = localDayNumber(at);
  const minuteOfDay = Math.floor(((at + 8 * 3_600_000) % 86_400_000) / 60_000);
  const localHour = minuteOfDay / 60;
  const entities = staticEntities(city);
  const point = (coordinates: [number, number]) => ({ type: 'GeoProperty' as const, value: { type: 'Point' as const, coordinates } });
  for (const b of city.buildings) {
    const schedule = daySchedule(city.seed, b, day, dayTypeOfDay(day));
    entities.push({
      id: b.id,
      type: 'Building',
      name: property(b.name),
      category: property(b.category),
      location: point(b.location),
      district: property(b.district),
      occupancyState: property(occupancyState(b, schedule, minuteOfDay)),
    });
  }
  for (const h of city.hospitals) {
    const r = hospitalReading(city.seed, h, day, localHour, at, 0);
    entities.push({
      id: h.id,
      type: 'Hospital',
      name: property(h.name),
      location: point(h.location),
      district: property(h.district),
      totalBeds: property(h.totalBeds),
      availableBeds: property(r.availableBeds),
      bedOccupancy: property(r.bedOccupancy),
      emergencyWaiting: property(r.emergencyWaiting),
      emergencyLoad: property(r.emergencyLoad),
    });
  }
  for (const u of city.units) {
    entities.push({
      id: u.id,
      type: 'EmergencyVehicle',
      name: property(u.name),
      vehicleKind: property(u.kind),
      status: property('available'),
      location: point(u.location),
      station: property(u.station),
      district: property(u.district),
    });
  }
  return entities;
}
