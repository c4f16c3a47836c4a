/**
 * The evaluation of the default rules and policies against the simulator's ground truth (CONTRACT.md "Evaluation"):
 * the stream replayed in-process through `AlarmEngine` in event time, then recall on real fires, gas leaks and
 * break-ins, precision of the security alarms an operator sees, the share of noise triggers suppressed and the
 * detection delay; and the devices: missing-data faults found as deviceOffline alarms, devices silenced by a power
 * outage held back by the outage's alarm (inhibition), and offline alarms that neither explains.
 */
import { buildCity, devices, initialEntities, type Size, simulate, type TruthRecord } from '../../sim/index.ts';
import { DEFAULT_POLICIES, DEFAULT_RULES, SECURITY_ALARM_TYPES } from '../defaults.ts';
import { type DeviceEval, DeviceTally } from './devices.ts';
import { AlarmEngine } from '../engine/engine.ts';
import type { Decision, NoisePolicy, RuleError } from '../engine/model.ts';
import { knownShapes, parsePolicy, parseRule } from '../engine/validate.ts';
import { ReadingFeed } from './readings.ts';

export interface EvalOptions {
  seed: number;
  days: number;
  size: Size;
  /** ISO instant where the replay starts. */
  start: string;
}

interface RealEvent {
  kind: string;
  id: string;
  building: string;
  start: number;
  end: number;
  triggers: { entityId: string; at: number }[];
  detectedAt?: number;
  alarmId?: string;
}

interface ShownAlarm {
  id: string;
  alarmType: string;
  originator: string;
  at: number;
  /** Each signal that made or joined the alarm: its entity and the decision's time. */
  joins: { entity: string; at: number }[];
  signals: Set<string>;
  real?: string;
}

export interface EvalResult {
  options: EvalOptions;
  events: RealEvent[];
  noise: { cause: string; entityId: string; at: number; shown: boolean; reason?: string }[];
  securityAlarms: ShownAlarm[];
  otherAlarms: Record<string, number>;
  situations: number;
  devices: DeviceEval;
  readings: number;
  decisions: number;
  seconds: number;
  summary: {
    recall: number;
    precision: number;
    suppressed: number;
    delayP50Ms: number;
    delayP99Ms: number;
    realEvents: number;
    detected: number;
    noiseTriggers: number;
    noiseSuppressed: number;
    securityAlarms: number;
    falseAlarms: number;
  };
}

const SLACK_MS = 10 * 60_000;
const DAY = 86_400_000;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number;
}

function compile<T>(results: ({ errors: RuleError[] } | T)[], what: string): Exclude<T, { errors: RuleError[] }>[] {
  return results.map((r, i) => {
    if (typeof r === 'object' && r !== null && 'errors' in r) throw new Error(`default ${what} ${i} is invalid: ${JSON.stringify(r.errors)}`);
    return r as Exclude<T, { errors: RuleError[] }>;
  });
}

/** Replays `days` of the simulated city through the engine with the default rules and scores it against the truth. */
export function evaluateAlarms(options: EvalOptions): EvalResult {
  const started = process.hrtime.bigint();
  const rules = compile(DEFAULT_RULES.map((r) => parseRule(r, knownShapes)), 'rule').map((r) => r.rule);
  const policies: NoisePolicy[] = compile(DEFAULT_POLICIES.map((p) => parsePolicy(p, knownShapes)), 'policy').map((p) => p.policy);
  const engine = new AlarmEngine({ rules, policies, silences: [] });

  const city = buildCity({ seed: options.seed, size: options.size, start: options.start });
  const specs = devices(city);
  const entityOfDevice = new Map(specs.map((d) => [d.id, d.entityId]));
  const feed = new ReadingFeed(specs);
  const deviceTally = new DeviceTally(specs.filter((d) => d.entityType !== 'SecuritySensor').map((d) => d.entityId));
  const from = Date.parse(options.start);
  const to = from + options.days * DAY;

  const events: RealEvent[] = [];
  const noise: EvalResult['noise'] = [];
  const alarms = new Map<string, ShownAlarm>();
  const securityTypes = new Set<string>(SECURITY_ALARM_TYPES);
  const otherAlarms: Record<string, number> = {};
  const shownSignals = new Set<string>();
  const suppressedWhy = new Map<string, string>();
  let situations = 0;
  let readings = 0;
  let decisions = 0;

  const take = (list: Decision[]) => {
    decisions += list.length;
    deviceTally.decisions(list);
    for (const d of list) {
      if (d.kind === 'situation') situations++;
      else if (d.kind === 'suppress') suppressedWhy.set(`${d.signal.originator}|${d.signal.at}`, d.reason.code);
      else if (d.kind === 'raise' || d.kind === 'repeat') {
        const a = d.alarm;
        if (!securityTypes.has(a.alarmType)) {
          // devices falling silent when the replayed stream ends are the replay's end, not offline devices
          if (d.kind === 'raise' && !(a.alarmType === 'deviceOffline' && d.at >= to)) otherAlarms[a.alarmType] = (otherAlarms[a.alarmType] ?? 0) + 1;
          continue;
        }
        let shown = alarms.get(a.id);
        if (!shown) {
          // the originator (e.g. the building of an intrusion) counts from the moment the alarm was raised
          shown = { id: a.id, alarmType: a.alarmType, originator: a.originator, at: d.at, joins: [{ entity: a.originator, at: d.at }], signals: new Set() };
          alarms.set(a.id, shown);
        }
        for (const s of a.evidence) {
          if (shown.signals.has(s.id)) continue;
          shown.signals.add(s.id);
          shown.joins.push({ entity: s.originator, at: d.at });
          shownSignals.add(`${s.originator}|${s.at}`);
        }
      }
    }
  };

  for (const e of initialEntities(city)) {
    take(engine.observe(feed.upsert(e, from)));
    readings++;
  }
  for (const d of specs) {
    take(engine.observe(feed.register(d, from)));
    readings++;
  }

  for (const tick of simulate(city, new Date(from).toISOString(), new Date(to).toISOString())) {
    const tickAt = Date.parse(tick.at);
    take(engine.advance(tickAt));
    for (const t of tick.truth) {
      recordTruth(t, events, noise, entityOfDevice);
      deviceTally.truth(t, entityOfDevice);
    }
    for (const o of tick.observations) {
      for (const r of feed.readings(o, tickAt)) {
        readings++;
        deviceTally.reading(r);
        take(engine.observe(r));
      }
    }
  }
  take(engine.advance(to + SLACK_MS));

  // detection: an alarm with one of the event's trigger entities (or its building) as evidence, within its span
  const delays: number[] = [];
  for (const ev of events) {
    const entities = new Set([ev.building, ...ev.triggers.map((t) => t.entityId)]);
    let best: { at: number; id: string } | undefined;
    for (const a of alarms.values()) {
      for (const { entity, at } of a.joins) {
        if (entities.has(entity) && at >= ev.start && at <= ev.end + SLACK_MS && (!best || at < best.at)) best = { at, id: a.id };
      }
    }
    if (best) {
      ev.detectedAt = best.at;
      ev.alarmId = best.id;
      const first = Math.min(...ev.triggers.map((t) => t.at));
      delays.push(best.at - first);
      const alarm = alarms.get(best.id);
      if (alarm && alarm.at >= ev.start && alarm.at <= ev.end + SLACK_MS) alarm.real = ev.id;
    }
  }
  // precision: a shown security alarm is real when it was raised on a real event's building or trigger entities in its span
  for (const a of alarms.values()) {
    if (a.real) continue;
    for (const ev of events) {
      const entities = new Set([ev.building, ...ev.triggers.map((t) => t.entityId)]);
      if (a.at >= ev.start && a.at <= ev.end + SLACK_MS && a.joins.some((j) => j.at === a.at && entities.has(j.entity))) a.real = ev.id;
    }
  }
  for (const n of noise) {
    const key = `${n.entityId}|${n.at}`;
    n.shown = shownSignals.has(key);
    n.reason = n.shown ? undefined : (suppressedWhy.get(key) ?? 'noSignal');
  }

  delays.sort((a, b) => a - b);
  const securityAlarms = [...alarms.values()];
  const detected = events.filter((e) => e.detectedAt !== undefined).length;
  const noiseSuppressed = noise.filter((n) => !n.shown).length;
  const realAlarms = securityAlarms.filter((a) => a.real).length;
  return {
    options,
    events,
    noise,
    securityAlarms,
    otherAlarms,
    situations,
    devices: deviceTally.result(to),
    readings,
    decisions,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    summary: {
      recall: events.length === 0 ? 1 : detected / events.length,
      precision: securityAlarms.length === 0 ? 1 : realAlarms / securityAlarms.length,
      suppressed: noise.length === 0 ? 1 : noiseSuppressed / noise.length,
      delayP50Ms: percentile(delays, 0.5),
      delayP99Ms: percentile(delays, 0.99),
      realEvents: events.length,
      detected,
      noiseTriggers: noise.length,
      noiseSuppressed,
      securityAlarms: securityAlarms.length,
      falseAlarms: securityAlarms.length - realAlarms,
    },
  };
}

function recordTruth(t: TruthRecord, events: RealEvent[], noise: EvalResult['noise'], entityOfDevice: Map<string, string>): void {
  if (t.kind === 'noiseTrigger') {
    const entityId = entityOfDevice.get(t['deviceId'] as string);
    if (entityId) noise.push({ cause: String(t['cause']), entityId, at: Date.parse(t.at), shown: false });
    return;
  }
  if (t.real && (t.kind === 'fire' || t.kind === 'gasLeak' || t.kind === 'breakIn')) {
    const triggers = ((t['triggers'] as { deviceId: string; at: string }[] | undefined) ?? []).map((x) => ({ entityId: entityOfDevice.get(x.deviceId) ?? x.deviceId, at: Date.parse(x.at) }));
    events.push({ kind: t.kind, id: t.id, building: String(t['building']), start: Date.parse(String(t['start'] ?? t.at)), end: Date.parse(String(t['end'] ?? t.at)), triggers });
  }
}
