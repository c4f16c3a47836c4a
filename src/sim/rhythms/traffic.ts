/** Traffic on a road segment: daily demand profiles by day type, tidal flow, rain, and a BPR speed–flow curve. */
import type { DayType } from '../calendar.ts';
import type { RoadSegment } from '../model.ts';

// Hourly demand shapes (relative), Asia/Shanghai local time. Weekdays: a sharp double peak at 8:00 and 17:30;
// weekends: later and flatter, peaking late morning and afternoon.
const WEEKDAY_HOURS = [0.18, 0.1, 0.07, 0.06, 0.1, 0.3, 0.9, 2.1, 2.95, 1.55, 1.05, 0.98, 0.95, 0.92, 0.95, 1.05, 1.45, 2.35, 2.75, 1.5, 1.05, 0.85, 0.6, 0.34];
const WEEKEND_HOURS = [0.35, 0.22, 0.14, 0.1, 0.1, 0.18, 0.35, 0.6, 0.95, 1.25, 1.4, 1.45, 1.35, 1.3, 1.35, 1.45, 1.5, 1.45, 1.35, 1.2, 1.05, 0.9, 0.7, 0.5];
/** Daily volume relative to a weekday. */
const LEVEL: Record<DayType, number> = { workday: 1, weekend: 0.82, holiday: 0.72 };

/** A per-minute profile (1,440 values, mean = the day type's level), interpolated between hour midpoints. */
function perMinute(hours: number[], level: number): Float64Array {
  const mean = hours.reduce((s, h) => s + h, 0) / hours.length;
  const out = new Float64Array(1440);
  for (let m = 0; m < 1440; m++) {
    const x = m / 60 - 0.5;
    const i = Math.floor(x);
    const f = x - i;
    const a = hours[(i + 24) % 24] as number;
    const b = hours[(i + 25) % 24] as number;
    out[m] = ((a + (b - a) * f) / mean) * level;
  }
  return out;
}

export const DEMAND_PROFILE: Record<DayType, Float64Array> = {
  workday: perMinute(WEEKDAY_HOURS, LEVEL.workday),
  weekend: perMinute(WEEKEND_HOURS, LEVEL.weekend),
  holiday: perMinute(WEEKEND_HOURS, LEVEL.holiday),
};

/** How much heavier the morning-peak direction is at 8:00 (and the other one at 18:00) on workdays. */
export function tidalShift(dayType: DayType, minuteOfDay: number): number {
  if (dayType !== 'workday') return 0;
  const h = minuteOfDay / 60;
  return 0.22 * Math.exp(-(((h - 8) / 1.3) ** 2)) - 0.22 * Math.exp(-(((h - 18) / 1.5) ** 2));
}

/** Rain cuts capacity (up to −15 %) and free-flow speed (up to −12 %), and keeps a few trips at home. */
export function rainEffect(precipitation: number): { capacity: number; speed: number; demand: number } {
  const r = Math.min(1, precipitation / 8);
  return { capacity: 1 - 0.15 * r, speed: 1 - 0.12 * r, demand: 1 - 0.04 * r };
}

export interface TrafficReading {
  intensity: number;
  averageVehicleSpeed: number;
  occupancy: number;
  congestionIndex: number;
  congested: boolean;
}

/** The BPR travel-time ratio t/t0 = 1 + 0.15·(v/c)^4. */
export function bpr(volumeOverCapacity: number): number {
  const x2 = volumeOverCapacity * volumeOverCapacity;
  return 1 + 0.15 * x2 * x2;
}

/**
 * One detector reading: `demand` in veh/h, `capacityFactor` (accident, rain) and `queueDelay` (extra travel-time
 * ratio from a queue spilling back from downstream).
 */
export function trafficReading(road: RoadSegment, demand: number, capacityFactor: number, speedFactor: number, queueDelay: number): TrafficReading {
  const capacity = road.capacity * capacityFactor;
  const ratio = demand / capacity;
  const free = road.speedLimit * 0.92 * speedFactor;
  const travelTime = bpr(ratio) * (1 + queueDelay);
  const speed = Math.max(3, free / travelTime);
  // a queue's head lets through at most its capacity (and a spilled-back queue less than that)
  const flow = Math.min(demand, capacity) / (1 + queueDelay * 0.5);
  const occupancy = Math.min(0.95, ((flow / road.lanes / speed) * 6.5) / 1000 + queueDelay * 0.04);
  const congestionIndex = (road.speedLimit * 0.92) / speed;
  return {
    intensity: Math.round(flow),
    averageVehicleSpeed: Math.round(speed * 10) / 10,
    occupancy: Math.round(occupancy * 1000) / 1000,
    congestionIndex: Math.round(congestionIndex * 100) / 100,
    congested: congestionIndex >= 1.5,
  };
}
