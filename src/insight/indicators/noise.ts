/**
 * Noise exceedance against GB 3096-2008 (声环境质量标准), table 1: equivalent continuous A-weighted sound level
 * limits LAeq in dB(A) by acoustic environment zone class, day (昼间 06:00–22:00) and night (夜间 22:00–06:00). Pure.
 *
 * Zone of a simulated noise meter (the city has no zoning map): a meter within 50 m of an expressway or arterial
 * road is in class 4a (both sides of a trunk road, 交通干线两侧); otherwise class 1 in a rural district (residential,
 * quiet), class 2 elsewhere (mixed residential, commercial and industrial — most of Hangzhou's built-up area).
 * Hourly LAeq is the energy mean of the minute values, not their arithmetic mean (10·log10 of the mean of 10^(L/10)).
 */

export type NoiseZone = '0' | '1' | '2' | '3' | '4a' | '4b';

/** GB 3096-2008 table 1, dB(A). */
export const NOISE_LIMITS: Record<NoiseZone, { day: number; night: number }> = {
  '0': { day: 50, night: 40 },
  '1': { day: 55, night: 45 },
  '2': { day: 60, night: 50 },
  '3': { day: 65, night: 55 },
  '4a': { day: 70, night: 55 },
  '4b': { day: 70, night: 60 },
};

/** Day is 06:00–22:00 local time (UTC+8). */
export function isNoiseDay(ms: number): boolean {
  const hour = Math.floor((((ms + 8 * 3_600_000) % 86_400_000) + 86_400_000) % 86_400_000 / 3_600_000);
  return hour >= 6 && hour < 22;
}

/** The limit for an hour starting at `hourStart`. */
export function noiseLimit(zone: NoiseZone, hourStart: number): number {
  return isNoiseDay(hourStart) ? NOISE_LIMITS[zone].day : NOISE_LIMITS[zone].night;
}

/** Energy mean of sound levels in dB. */
export function energyMean(levels: readonly number[]): number | null {
  const ok = levels.filter(Number.isFinite);
  if (ok.length === 0) return null;
  return Math.round(10 * Math.log10(ok.reduce((s, l) => s + 10 ** (l / 10), 0) / ok.length) * 10) / 10;
}

const distanceToSegmentMetres = (p: [number, number], a: [number, number], b: [number, number]) => {
  // equirectangular around Hangzhou (30° N): good to a metre at these distances
  const kx = 96_500;
  const ky = 111_300;
  const ax = (a[0] - p[0]) * kx;
  const ay = (a[1] - p[1]) * ky;
  const bx = (b[0] - p[0]) * kx;
  const by = (b[1] - p[1]) * ky;
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2));
  return Math.hypot(ax + t * dx, ay + t * dy);
};

/** The zone class of a meter (see the module comment for the rule). */
export function noiseZoneOf(
  meter: { location: [number, number] },
  roads: readonly { roadClass: string; coordinates: [number, number][] }[],
  districtCharacter: string,
): NoiseZone {
  for (const r of roads) {
    if (r.roadClass === 'local') continue;
    for (let i = 1; i < r.coordinates.length; i++) {
      if (distanceToSegmentMetres(meter.location, r.coordinates[i - 1]!, r.coordinates[i]!) <= 50) return '4a';
    }
  }
  return districtCharacter === 'rural' ? '1' : '2';
}

/** Share (0–1) of the hours whose LAeq is above the zone's limit; `null` without hours. */
export function noiseExceedance(hours: readonly { at: number; laeq: number }[], zone: NoiseZone): { share: number; hours: number; over: number } | null {
  const ok = hours.filter((h) => Number.isFinite(h.laeq));
  if (ok.length === 0) return null;
  const over = ok.filter((h) => h.laeq > noiseLimit(zone, h.at)).length;
  return { share: Math.round((over / ok.length) * 1000) / 1000, hours: ok.length, over };
}
