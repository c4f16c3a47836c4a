/** Who is in a building: home, away or asleep — residents leave for work on workdays and come back in the evening. */
import type { DayType } from '../calendar.ts';
import type { Building } from '../model.ts';
import { P, unit } from '../random.ts';

export type OccupancyState = 'home' | 'away' | 'night';

export interface DaySchedule {
  /** minutes of the local day */
  wake: number;
  leave: number;
  back: number;
  sleep: number;
  /** nobody leaves (retirees, working from home, a lazy Sunday) */
  stayIn: boolean;
}

/** The building's schedule on a local day (pure in (seed, building, day)). */
export function daySchedule(seed: number, building: Building, day: number, dayType: DayType): DaySchedule {
  const u = (k: number) => unit(seed, P.occupancy, building.index, day, k);
  if (building.category !== 'residential') {
    // workplaces: "home" means staffed; closed nights and days off
    const open = dayType === 'workday';
    return { wake: 0, leave: 0, back: 0, sleep: 0, stayIn: !open };
  }
  const workday = dayType === 'workday';
  return {
    wake: Math.round(360 + 60 * u(0)),
    leave: Math.round(workday ? 450 + 60 * u(1) : 780 + 120 * u(1)),
    back: Math.round(workday ? 1050 + 120 * u(2) : 960 + 120 * u(2)),
    sleep: Math.round(1350 + 75 * u(3)),
    stayIn: u(4) < (workday ? 0.3 : 0.55),
  };
}

export function occupancyState(building: Building, schedule: DaySchedule, minuteOfDay: number): OccupancyState {
  if (building.category !== 'residential') {
    if (schedule.stayIn) return 'away';
    return minuteOfDay >= 510 && minuteOfDay < 1110 ? 'home' : 'away';
  }
  if (minuteOfDay < schedule.wake || minuteOfDay >= schedule.sleep) return 'night';
  if (!schedule.stayIn && minuteOfDay >= schedule.leave && minuteOfDay < schedule.back) return 'away';
  return 'home';
}
