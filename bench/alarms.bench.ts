/**
 * Alarm detection latency, in-process (issue 6 item 1): the city-size simulated stream (`--size city`, ≥ 5,000
 * sensors every minute, plus security sensors and building updates) turned into readings as ingest would, pushed
 * through `AlarmEngine` with the default Hangzhou rules and policies at a paced 5,000 readings/s for
 * BENCH_ALARMS_SECONDS (default 20). Latency per reading runs from its arrival (hrtime just before `observe`) to the
 * moment `observe` returns its decisions; beside it, the latency from the reading's scheduled arrival, which also
 * counts pacing and scheduler lag (a backlog when the process is not on a CPU). Then throughput at
 * saturation (every reading back to back). Same-run baseline: a bare loop applying one threshold to the same
 * readings at saturation. Target: p99 ≤ 20 ms.
 */
import { DEFAULT_POLICIES, DEFAULT_RULES } from '../src/alarms/defaults.ts';
import { AlarmEngine } from '../src/alarms/engine/engine.ts';
import type { NoisePolicy, Reading } from '../src/alarms/engine/model.ts';
import { knownShapes, parsePolicy, parseRule } from '../src/alarms/engine/validate.ts';
import { ReadingFeed } from '../src/alarms/eval/readings.ts';
import { buildCity, devices, initialEntities, simulate } from '../src/sim/index.ts';
import type { BenchResult } from './report.ts';

const SECONDS = Number(process.env.BENCH_ALARMS_SECONDS ?? 20);
const RATE = Number(process.env.BENCH_ALARMS_RATE ?? 5000);
const SEED = 42;
/** A weekday morning: rush-hour congestion, residents leaving, staff arriving. */
const START = '2026-11-02T00:00:00.000Z';

function engineWithDefaults(): AlarmEngine {
  const rules = DEFAULT_RULES.map((r) => {
    const out = parseRule(r, knownShapes);
    if ('errors' in out) throw new Error(JSON.stringify(out.errors));
    return out.rule;
  });
  const policies: NoisePolicy[] = DEFAULT_POLICIES.map((p) => {
    const out = parsePolicy(p, knownShapes);
    if ('errors' in out) throw new Error(JSON.stringify(out.errors));
    return out.policy;
  });
  return new AlarmEngine({ rules, policies, silences: [] });
}

interface Stream {
  setup: Reading[];
  readings: Reading[];
}

/** The city's entities and registrations (setup), then readings tick by tick until there are `count`. */
function cityStream(count: number): Stream {
  const city = buildCity({ seed: SEED, size: 'city', start: START });
  const specs = devices(city);
  const feed = new ReadingFeed(specs);
  const from = Date.parse(START);
  const setup = [...initialEntities(city).map((e) => feed.upsert(e, from)), ...specs.map((d) => feed.register(d, from))];
  const readings: Reading[] = [];
  const to = new Date(from + 24 * 3_600_000).toISOString();
  for (const tick of simulate(city, START, to)) {
    for (const o of tick.observations) readings.push(...feed.readings(o, Date.parse(tick.at)));
    if (readings.length >= count) break;
  }
  return { setup, readings: readings.slice(0, count) };
}

function quantile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
}

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** Paced run: reading i is due at start + i / RATE; returns per-reading latency from its due time and the service time. */
async function paced(stream: Stream): Promise<{ latency: Float64Array; service: Float64Array; decisions: number; seconds: number }> {
  const engine = engineWithDefaults();
  for (const r of stream.setup) engine.observe(r);
  const n = stream.readings.length;
  const latency = new Float64Array(n);
  const service = new Float64Array(n);
  let decisions = 0;
  let lastAt = Number.NEGATIVE_INFINITY;
  const started = nowMs();
  let i = 0;
  while (i < n) {
    const now = nowMs();
    const due = Math.min(n, Math.floor(((now - started) * RATE) / 1000) + 1);
    if (i >= due) {
      // nothing due: yield to the event loop as a server would between messages
      await new Promise((resolve) => setImmediate(resolve));
      continue;
    }
    for (; i < due; i++) {
      const r = stream.readings[i] as Reading;
      const dueAt = started + (i * 1000) / RATE;
      const before = nowMs();
      if (r.at > lastAt) {
        decisions += engine.advance(r.at).length;
        lastAt = r.at;
      }
      decisions += engine.observe(r).length;
      const after = nowMs();
      latency[i] = after - Math.min(before, dueAt);
      service[i] = after - before;
    }
  }
  return { latency: latency.sort(), service: service.sort(), decisions, seconds: (nowMs() - started) / 1000 };
}

function saturation(stream: Stream): number {
  const engine = engineWithDefaults();
  for (const r of stream.setup) engine.observe(r);
  const started = nowMs();
  for (const r of stream.readings) engine.observe(r);
  return stream.readings.length / ((nowMs() - started) / 1000);
}

/** The baseline: one threshold on the same readings, no rules, no context, no policies. */
function bareThreshold(stream: Stream): number {
  let hits = 0;
  const started = nowMs();
  for (const r of stream.readings) if ((r.attrs['pm25'] as number) > 150) hits++;
  const seconds = (nowMs() - started) / 1000;
  if (hits < 0) console.log(hits);
  return stream.readings.length / Math.max(seconds, 1e-6);
}

export async function benchAlarms(): Promise<BenchResult[]> {
  const count = Math.round(SECONDS * RATE);
  const stream = cityStream(count);
  console.log(`alarms: ${stream.setup.length} entities, ${stream.readings.length} readings of the city-size stream; pacing at ${RATE}/s for ${SECONDS} s`);
  const run = await paced(stream);
  const throughput = saturation(stream);
  const baseline = bareThreshold(stream);
  const f = (x: number) => (x < 1 ? x.toFixed(3) : x.toFixed(1));
  const figure = `p50 ${f(quantile(run.service, 0.5))} ms, p99 ${f(quantile(run.service, 0.99))} ms, max ${f(quantile(run.service, 1))} ms at ${RATE.toLocaleString('en-US')} readings/s; saturation ${Math.round(throughput).toLocaleString('en-US')} readings/s`;
  const notes = `${stream.readings.length.toLocaleString('en-US')} readings (size city, seed ${SEED}) over ${run.seconds.toFixed(1)} s, ${run.decisions} decisions; latency = arrival (before observe) → decision (observe returned); from the scheduled arrival (pacing and scheduler lag included) p50 ${f(quantile(run.latency, 0.5))} ms, p99 ${f(quantile(run.latency, 0.99))} ms, max ${f(quantile(run.latency, 1))} ms; target p99 ≤ 20 ms`;
  console.log(`alarms: ${figure}; ${notes}; bare threshold ${Math.round(baseline).toLocaleString('en-US')} readings/s`);
  return [
    {
      name: 'alarm detection latency (in-process, 5,000 readings/s)',
      driver: 'none',
      figure,
      baseline: `bare threshold loop ${Math.round(baseline).toLocaleString('en-US')} readings/s`,
      ratio: throughput / baseline,
      notes,
    },
  ];
}
