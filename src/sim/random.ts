/** Seeded, counter-based randomness: every draw is a pure hash of (seed, purpose, entity, time), never Math.random. */

/** A 32-bit avalanche mix (the finaliser of "lowbias32", Chris Wellons). */
function mix(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uint32 that depends on every argument; `a`, `b`, `c` are small integers (ids, minute numbers). */
export function hash(seed: number, purpose: number, a = 0, b = 0, c = 0): number {
  let h = mix(seed ^ 0x9e3779b9);
  h = mix(h ^ Math.imul(purpose, 0x85ebca6b));
  h = mix(h ^ Math.imul(a + 0x632be5ab, 0xc2b2ae35));
  h = mix(h ^ Math.imul(b + 0x1b873593, 0x27d4eb2f));
  return mix(h ^ Math.imul(c + 0x68e31da4, 0x165667b1));
}

/** A uniform draw in [0, 1). */
export function unit(seed: number, purpose: number, a = 0, b = 0, c = 0): number {
  return hash(seed, purpose, a, b, c) / 4294967296;
}

/** An approximately standard normal draw (Irwin–Hall of four uniforms, rescaled): fast and bounded (|z| < 3.5). */
export function normal(seed: number, purpose: number, a = 0, b = 0, c = 0): number {
  const h1 = hash(seed, purpose, a, b, c);
  const h2 = mix(h1 ^ 0x5bd1e995);
  const s = (h1 & 0xffff) + (h1 >>> 16) + (h2 & 0xffff) + (h2 >>> 16);
  return (s / 65536 - 2) * 1.7320508;
}

/** Smooth noise in [−1, 1] over time: hashed values every `period` units of `t`, eased in between. */
export function smoothNoise(seed: number, purpose: number, key: number, t: number, period: number): number {
  const x = t / period;
  const i = Math.floor(x);
  const f = x - i;
  const e = f * f * (3 - 2 * f);
  const v0 = unit(seed, purpose, key, i) * 2 - 1;
  const v1 = unit(seed, purpose, key, i + 1) * 2 - 1;
  return v0 + (v1 - v0) * e;
}

/** A Poisson count with mean `mean` from one hashed stream (inversion; fine for small means). */
export function poisson(seed: number, purpose: number, mean: number, a = 0, b = 0): number {
  if (mean <= 0) return 0;
  // its own stream (purpose offset), so the count is independent of the draws keyed like it
  const u = unit(seed, purpose + 0x10000, a, b, 0x5eed);
  let p = Math.exp(-mean);
  let cumulative = p;
  let k = 0;
  while (u > cumulative && k < 1000) {
    k++;
    p *= mean / k;
    cumulative += p;
  }
  return k;
}

/** A sequential generator (for building the city once, in a fixed order). */
export class Sequence {
  private counter = 0;
  constructor(
    private readonly seed: number,
    private readonly purpose: number,
  ) {}
  next(): number {
    return unit(this.seed, this.purpose, this.counter++);
  }
  between(low: number, high: number): number {
    return low + (high - low) * this.next();
  }
  int(low: number, highExclusive: number): number {
    return low + Math.floor((highExclusive - low) * this.next());
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
}

/** Purposes: each random decision has its own stream, so adding one never shifts another. */
export const P = {
  cityLayout: 1,
  trafficDay: 10,
  trafficMinute: 11,
  air: 20,
  airMinute: 21,
  noise: 30,
  parking: 40,
  weather: 50,
  rain: 51,
  wind: 52,
  hospital: 60,
  occupancy: 70,
  noiseTrigger: 80,
  accident: 90,
  fire: 91,
  gasLeak: 92,
  breakIn: 93,
  pollution: 94,
  fault: 95,
  outage: 96,
  report: 100,
  post: 110,
  dispatch: 120,
} as const;
