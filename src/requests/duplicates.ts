/** Duplicate detection: distance on the sphere, Chinese text similarity (character-bigram Dice), and how the two rank a candidate. */

/** Open requests of the same category within this distance… */
export const DUPLICATE_RADIUS_METERS = 200;
/** …and received within this many days are candidates. */
export const DUPLICATE_WINDOW_DAYS = 14;
/**
 * A candidate is offered when its likeness (below) reaches this. Likeness = 0.6 × text similarity +
 * 0.4 × nearness (1 at the same spot, 0 at 200 m). Measured on the pairs in duplicates.test.ts:
 * - same pothole 30 m apart in other words ("文三路与学院路交叉口有一个大坑…" / "学院路文三路路口有个大坑…",
 *   similarity ≈ 0.4): 0.34 + 0.24 ≈ 0.58 — offered;
 * - same spot, no shared bigram ("路中间有个大坑" / "这里路面塌了一个坑", similarity 0): 0.34 at 30 m — offered,
 *   since a pin that close in the same category is most likely the same problem;
 * - a different problem 180 m away (similarity ≈ 0): 0.04 — not offered.
 * So with no words in common a report is offered up to 75 m away; beyond that only as the words agree
 * (at 200 m a similarity of 0.42 is needed).
 */
export const DUPLICATE_THRESHOLD = 0.25;
const TEXT_WEIGHT = 0.6;

const EARTH_RADIUS_METERS = 6_371_008.8;
const METERS_PER_DEGREE_LAT = (Math.PI * EARTH_RADIUS_METERS) / 180;

/** Great-circle distance in meters (haversine). */
export function haversineMeters(lat1: number, long1: number, lat2: number, long2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLong = (long2 - long1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLong / 2) ** 2;
  return 2 * EARTH_RADIUS_METERS * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** The latitude/longitude box that holds every point within `meters` of the centre (for the indexed pre-filter). */
export function boundingBox(lat: number, long: number, meters: number): { minLat: number; maxLat: number; minLong: number; maxLong: number } {
  const dLat = meters / METERS_PER_DEGREE_LAT;
  const dLong = meters / (METERS_PER_DEGREE_LAT * Math.max(0.01, Math.cos((lat * Math.PI) / 180)));
  return { minLat: lat - dLat, maxLat: lat + dLat, minLong: long - dLong, maxLong: long + dLong };
}

/**
 * Normalises text for comparison: full-width forms to half-width, lower case, and no whitespace or
 * punctuation (ASCII and CJK), so "路面 有坑！" and "路面有坑" compare equal.
 */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, ' ')
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]+/gu, '');
}

function bigrams(text: string): Map<string, number> {
  const chars = [...text];
  const counts = new Map<string, number>();
  if (chars.length === 1) counts.set(chars[0] as string, 1);
  for (let i = 0; i + 1 < chars.length; i++) {
    const gram = `${chars[i]}${chars[i + 1]}`;
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  return counts;
}

/** Sørensen–Dice coefficient over character bigrams of the normalised texts, 0..1 (multiset). */
export function textSimilarity(a: string, b: string): number {
  const x = bigrams(normalizeText(a));
  const y = bigrams(normalizeText(b));
  let sizeX = 0;
  let sizeY = 0;
  for (const n of x.values()) sizeX += n;
  for (const n of y.values()) sizeY += n;
  if (sizeX === 0 || sizeY === 0) return 0;
  let shared = 0;
  for (const [gram, n] of x) shared += Math.min(n, y.get(gram) ?? 0);
  return (2 * shared) / (sizeX + sizeY);
}

/** How much a candidate looks like the new report, 0..1: text similarity and nearness combined. */
export function likeness(similarity: number, distanceMeters: number): number {
  const nearness = Math.max(0, 1 - distanceMeters / DUPLICATE_RADIUS_METERS);
  return TEXT_WEIGHT * similarity + (1 - TEXT_WEIGHT) * nearness;
}

export interface NearbyRow {
  id: string;
  lat: number;
  long: number;
  description: string;
}

/** Keeps the rows within the radius whose likeness reaches the threshold, most alike first. */
export function rankCandidates<R extends NearbyRow>(
  probe: { lat: number; long: number; description: string },
  rows: readonly R[],
): Array<{ row: R; distanceMeters: number; similarity: number; likeness: number }> {
  return rows
    .map((row) => {
      const distanceMeters = haversineMeters(probe.lat, probe.long, row.lat, row.long);
      const similarity = textSimilarity(probe.description, row.description);
      return { row, distanceMeters, similarity, likeness: likeness(similarity, distanceMeters) };
    })
    .filter((c) => c.distanceMeters <= DUPLICATE_RADIUS_METERS && c.likeness >= DUPLICATE_THRESHOLD)
    .sort((a, b) => b.likeness - a.likeness || a.distanceMeters - b.distanceMeters);
}
