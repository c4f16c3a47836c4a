/** Hospital load: beds follow the seasons (winter flu), the emergency room follows the day and the city's incidents. */
import { dayOfYear } from '../calendar.ts';
import type { Hospital } from '../model.ts';
import { P, smoothNoise } from '../random.ts';

/** Flu season intensity (0–1): peaks around mid-January, a smaller bump in early summer. */
export function fluSeason(day: number): number {
  const doy = dayOfYear(day);
  const fromPeak = Math.abs(doy - 15);
  const winter = Math.exp(-((Math.min(fromPeak, 365 - fromPeak) / 40) ** 2));
  return Math.min(1, winter + 0.25 * Math.exp(-(((doy - 190) / 25) ** 2)));
}

export interface HospitalReading {
  availableBeds: number;
  bedOccupancy: number;
  emergencyWaiting: number;
  emergencyLoad: number;
}

/** `incidentPatients`: casualties of recent accidents and fires brought here (they wait in the ER and take beds). */
export function hospitalReading(seed: number, hospital: Hospital, day: number, localHour: number, ms: number, incidentPatients: number): HospitalReading {
  const flu = fluSeason(day);
  const occupancy = Math.min(0.995, 0.8 + 0.12 * flu + 0.03 * smoothNoise(seed, P.hospital, hospital.index, ms / 3_600_000, 72) + incidentPatients / hospital.totalBeds);
  const daily = 0.35 + 0.45 * Math.exp(-(((localHour - 10) / 3) ** 2)) + 0.4 * Math.exp(-(((localHour - 20.5) / 2.5) ** 2));
  const waiting = Math.max(0, Math.round(hospital.emergencyCapacity * daily * (0.6 + 0.7 * flu) * (1 + 0.15 * smoothNoise(seed, P.hospital, hospital.index + 1000, ms / 60_000, 40)) + incidentPatients));
  return {
    availableBeds: Math.round(hospital.totalBeds * (1 - occupancy)),
    bedOccupancy: Math.round(occupancy * 1000) / 1000,
    emergencyWaiting: waiting,
    emergencyLoad: Math.round(Math.min(1, waiting / hospital.emergencyCapacity) * 1000) / 1000,
  };
}
