/** Car-park occupancy: business car parks fill by day (less at weekends), residential ones by night. */
import type { DayType } from '../calendar.ts';
import type { CarPark } from '../model.ts';
import { P, smoothNoise } from '../random.ts';

const bump = (h: number, centre: number, width: number) => Math.exp(-(((h - centre) / width) ** 2));

/** Occupancy (0–1) of a car park at a local hour on a day type. */
export function parkingOccupancy(seed: number, park: CarPark, dayType: DayType, localHour: number, ms: number): number {
  const workday = dayType === 'workday';
  // a plateau from ~9:00 to ~17:30 for offices (rising at the morning peak, emptying at the evening one)
  const office = 1 / (1 + Math.exp(-(localHour - 8.6) * 2.2)) - 1 / (1 + Math.exp(-(localHour - 18) * 1.6));
  const business = workday ? 0.1 + 0.8 * office : 0.1 + 0.45 * bump(localHour, 15, 4);
  const away = 1 / (1 + Math.exp(-(localHour - 8) * 2)) - 1 / (1 + Math.exp(-(localHour - 18.5) * 1.5));
  const residential = workday ? 0.9 - 0.5 * away : 0.9 - 0.25 * bump(localHour, 14, 4);
  const base = park.character === 'business' ? business : park.character === 'residential' ? residential : 0.5 * business + 0.4 * residential + 0.2 * bump(localHour, 19.5, 2);
  const wobble = 0.05 * smoothNoise(seed, P.parking, park.index, ms / 60_000, 45) + 0.04 * smoothNoise(seed, P.parking, park.index + 100_000, ms / 3_600_000, 30);
  return Math.min(0.995, Math.max(0.02, base + wobble));
}
