/**
 * Road traffic indicators from detector readings (`TrafficFlowObserved`): the congestion index and the speed, per
 * road, district and city. Pure.
 *
 * Congestion index = travel-time ratio to free flow (the detector's `congestionIndex`, ≥ 1), averaged with weights
 * flow × length (vehicle-kilometres): a long, busy arterial counts more than an empty side street, which is what
 * “how much longer do trips take” means for the city. Speed = the same weighted mean of `averageVehicleSpeed`.
 * When no vehicle passed (night, every flow 0) the plain mean is used so the value still exists.
 */

export interface RoadReading {
  roadId: string;
  district?: string;
  /** travel-time ratio to free flow (≥ 1) */
  congestionIndex: number;
  /** km/h */
  speed: number;
  /** veh/h */
  intensity: number;
  /** metres; weight 1 when absent */
  length?: number;
}

export interface TrafficFigure {
  congestion: number;
  speed: number;
  /** veh/h summed over the roads */
  flow: number;
  roads: number;
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

/** The flow-weighted congestion index and speed of a set of road readings; `null` when there is none. */
export function trafficFigure(readings: readonly RoadReading[]): TrafficFigure | null {
  const ok = readings.filter((r) => Number.isFinite(r.congestionIndex) && Number.isFinite(r.speed) && r.congestionIndex > 0);
  if (ok.length === 0) return null;
  let w = 0;
  let c = 0;
  let s = 0;
  let flow = 0;
  for (const r of ok) {
    const weight = Math.max(0, r.intensity) * (r.length ?? 1);
    w += weight;
    c += weight * r.congestionIndex;
    s += weight * r.speed;
    flow += Math.max(0, r.intensity);
  }
  if (w === 0) {
    c = ok.reduce((a, r) => a + r.congestionIndex, 0);
    s = ok.reduce((a, r) => a + r.speed, 0);
    w = ok.length;
  }
  return { congestion: round(c / w, 3), speed: round(s / w, 1), flow: Math.round(flow), roads: ok.length };
}

/** Per road, per district and for the city. */
export function trafficByScope(readings: readonly RoadReading[]): {
  road: Map<string, TrafficFigure>;
  district: Map<string, TrafficFigure>;
  city: TrafficFigure | null;
} {
  const byRoad = new Map<string, RoadReading[]>();
  const byDistrict = new Map<string, RoadReading[]>();
  for (const r of readings) {
    byRoad.set(r.roadId, [...(byRoad.get(r.roadId) ?? []), r]);
    if (r.district) byDistrict.set(r.district, [...(byDistrict.get(r.district) ?? []), r]);
  }
  const figures = (groups: Map<string, RoadReading[]>) => {
    const out = new Map<string, TrafficFigure>();
    for (const [k, v] of groups) {
      const f = trafficFigure(v);
      if (f) out.set(k, f);
    }
    return out;
  };
  return { road: figures(byRoad), district: figures(byDistrict), city: trafficFigure(readings) };
}
