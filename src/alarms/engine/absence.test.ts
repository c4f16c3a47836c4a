/** Absence detection (`silentFor`) and its inhibition by a power outage's radius: raise, clear, cost, restart, release. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_POLICIES, DEFAULT_RULES } from '../defaults.ts';
import { AlarmEngine } from './engine.ts';
import type { AlarmRuleInput, Decision, NoisePolicy, NoisePolicyInput, Reading, Silence } from './model.ts';
import { knownShapes, parsePolicy, parseRule } from './validate.ts';

const T0 = Date.parse('2026-11-02T02:00:00Z');
const MIN = 60_000;

function rule(input: Partial<AlarmRuleInput> = {}) {
  const out = parseRule(
    { id: 'offline', name: 'offline', entityType: 'NoiseLevelObserved', silentFor: 'PT10M', alarmType: 'deviceOffline', category: 'device', severity: 'minor', ...input },
    knownShapes,
  );
  if ('errors' in out) throw new Error(JSON.stringify(out.errors));
  return out.rule;
}
function policy(input: NoisePolicyInput): NoisePolicy {
  const out = parsePolicy(input, knownShapes);
  if ('errors' in out) throw new Error(JSON.stringify(out.errors));
  return out.policy;
}
const defaults = () => ({
  rules: DEFAULT_RULES.map((r) => {
    const out = parseRule(r, knownShapes);
    if ('errors' in out) throw new Error(`bad default ${r.id}: ${JSON.stringify(out.errors)}`);
    return out.rule;
  }),
  policies: DEFAULT_POLICIES.map(policy),
  silences: [] as Silence[],
});

/** A noise meter `n` at [lon, lat] reporting at `at`. */
const meter = (n: number, at: number, coordinates: [number, number] = [120.15, 30.27], extra: Record<string, unknown> = {}): Reading => ({
  id: `urn:ngsi-ld:NoiseLevelObserved:hz-noise-${n}`,
  type: 'NoiseLevelObserved',
  attrs: { LAeq: 55, LAmax: 70, district: 'xihu', location: { type: 'Point', coordinates }, ...extra },
  changed: ['LAeq', 'LAmax'],
  at,
});
const outage = (status: 'active' | 'restored', at: number, radius = 2000, centre: [number, number] = [120.15, 30.27]): Reading => ({
  id: 'urn:ngsi-ld:PowerOutage:hz-outage-1-0',
  type: 'PowerOutage',
  attrs: { status, radius, district: 'xihu', location: { type: 'Point', coordinates: centre }, startedAt: new Date(T0).toISOString(), affectedDevices: 3 },
  changed: ['status'],
  at,
});
const kinds = (ds: Decision[]) => ds.map((d) => (d.kind === 'suppress' ? `suppress:${d.reason.code}` : d.kind === 'situation' ? 'situation' : `${d.kind}:${d.alarm.alarmType}`));

describe('absence detection (silentFor)', () => {
  it('raises when a device it has seen stays silent for the duration, and clears at its next reading', () => {
    const engine = new AlarmEngine({ rules: [rule()], policies: [], silences: [] });
    assert.deepEqual(engine.advance(T0 + 60 * MIN), [], 'a device never seen is not missed');
    assert.deepEqual(engine.observe(meter(1, T0 + 60 * MIN)), []);
    assert.deepEqual(engine.observe(meter(1, T0 + 61 * MIN)), []);
    assert.deepEqual(engine.advance(T0 + 70 * MIN), [], '9 minutes of silence: not yet');
    const raised = engine.advance(T0 + 75 * MIN);
    assert.deepEqual(kinds(raised), ['raise:deviceOffline']);
    const d = raised[0] as Extract<Decision, { kind: 'raise' }>;
    assert.equal(d.at, T0 + 71 * MIN, 'event time: 10 minutes after the last reading, not when advance ran');
    assert.equal(d.alarm.originator, 'urn:ngsi-ld:NoiseLevelObserved:hz-noise-1');
    assert.equal(d.alarm.category, 'device');
    assert.deepEqual(d.alarm.evidence[0]?.evidence, { lastSeen: new Date(T0 + 61 * MIN).toISOString(), silentForMs: 10 * MIN });
    assert.deepEqual(engine.advance(T0 + 120 * MIN), [], 'one alarm per silence, not one per advance');
    const back = engine.observe(meter(1, T0 + 121 * MIN));
    assert.deepEqual(kinds(back), ['clear:deviceOffline']);
    assert.equal(engine.activeAlarms().length, 0);
    // silent again: a new alarm
    assert.deepEqual(kinds(engine.advance(T0 + 140 * MIN)), ['raise:deviceOffline']);
  });

  it('watches only entities matching where and, with a condition besides, whose last reading met it', () => {
    const engine = new AlarmEngine({ rules: [rule({ where: 'district=="xihu"', condition: 'LAeq > 0' })], policies: [], silences: [] });
    engine.observe({ ...meter(1, T0), attrs: { ...meter(1, T0).attrs, district: 'binjiang' } });
    engine.observe(meter(2, T0, [120.15, 30.27], { LAeq: 0 }));
    engine.observe(meter(3, T0));
    const raised = engine.advance(T0 + 30 * MIN);
    assert.deepEqual(
      raised.map((d) => (d.kind === 'raise' ? d.alarm.originator : d.kind)),
      ['urn:ngsi-ld:NoiseLevelObserved:hz-noise-3'],
    );
  });

  it('looks only at the deadlines that came due: 20,000 reporting devices cost no scan per advance', () => {
    const engine = new AlarmEngine({ rules: [rule()], policies: [], silences: [] });
    const n = 20_000;
    let t = T0;
    // ten minutes of readings every minute from every device, with an advance between minutes
    for (let minute = 0; minute < 10; minute++) {
      t = T0 + minute * MIN;
      assert.deepEqual(engine.advance(t), []);
      for (let i = 0; i < n; i++) engine.observe(meter(i, t));
    }
    // a thousand advances a second apart while everything is fresh: cheap if only due buckets are opened
    const before = engine.silencesExamined;
    for (let k = 1; k <= 1000; k++) assert.deepEqual(engine.advance(t + k * 100), []);
    assert.equal(engine.silencesExamined - before, 0, 'no deadline is examined before its minute comes due');
    // and the silent ones are all found when due
    const raised = engine.advance(t + 10 * MIN);
    assert.equal(raised.filter((d) => d.kind === 'raise').length, n);
    // each silent device's deadline was looked at once, when it came due
    assert.equal(engine.silencesExamined - before, n);
  });

  it('survives a restart mid-silence: the state rows bring back the last reading', () => {
    const first = new AlarmEngine({ rules: [rule()], policies: [], silences: [] });
    first.observe(meter(1, T0));
    first.observe(meter(2, T0));
    first.observe(meter(2, T0 + 4 * MIN));
    assert.deepEqual(first.advance(T0 + 5 * MIN), []);
    const rows = first.drainState();
    assert.ok(rows.some((r) => r.key === 'r|offline|urn:ngsi-ld:NoiseLevelObserved:hz-noise-1'));
    const second = new AlarmEngine({ rules: [rule()], policies: [], silences: [], state: rows });
    const raised = second.advance(T0 + 12 * MIN);
    assert.deepEqual(
      raised.map((d) => (d.kind === 'raise' ? [d.alarm.originator, d.at] : d.kind)),
      [['urn:ngsi-ld:NoiseLevelObserved:hz-noise-1', T0 + 10 * MIN]],
    );
    assert.deepEqual(kinds(second.advance(T0 + 15 * MIN)), ['raise:deviceOffline'], 'the other device came due at 14 min');
    // the active alarm and its state carry over a second restart: the next reading clears it
    const third = new AlarmEngine({ rules: [rule()], policies: [], silences: [], state: [...rows, ...second.drainState()], activeAlarms: second.activeAlarms() });
    assert.deepEqual(third.advance(T0 + 30 * MIN), [], 'no second alarm for the same silence');
    assert.deepEqual(kinds(third.observe(meter(1, T0 + 31 * MIN))), ['clear:deviceOffline']);
  });

  it('an active power outage inhibits the offline alarms within its radius (read from the outage entity), with a reason naming it', () => {
    const { rules, policies, silences } = defaults();
    const engine = new AlarmEngine({ rules, policies, silences });
    const centre: [number, number] = [120.15, 30.27];
    const inside: [number, number] = [120.165, 30.27]; // ~1.44 km east
    const outside: [number, number] = [120.2, 30.27]; // ~4.8 km east
    for (const [n, p] of [
      [1, inside],
      [2, outside],
    ] as const)
      engine.observe(meter(n, T0 - MIN, p));
    const outageRaised = engine.observe(outage('active', T0 + 3 * MIN, 2000, centre));
    assert.deepEqual(kinds(outageRaised), ['raise:powerOutage']);
    const due = engine.advance(T0 + 10 * MIN);
    assert.deepEqual(kinds(due).sort(), ['raise:deviceOffline', 'suppress:inhibited']);
    const suppressed = due.find((d) => d.kind === 'suppress') as Extract<Decision, { kind: 'suppress' }>;
    assert.equal(suppressed.signal.originator, 'urn:ngsi-ld:NoiseLevelObserved:hz-noise-1');
    assert.equal(suppressed.reason.policyId, 'hz-outage-inhibits-offline');
    assert.equal(suppressed.reason.details?.['originator'], 'urn:ngsi-ld:PowerOutage:hz-outage-1-0');
    assert.equal(suppressed.reason.details?.['radiusM'], 2000, 'the radius comes from the outage entity');
    const distance = suppressed.reason.details?.['distanceM'] as number;
    assert.ok(distance > 1400 && distance < 1500, `distance ${distance}`);
    assert.match(suppressed.reason.zh, /PowerOutage:hz-outage-1-0.*距其中心 14\d\d 米，影响半径 2000 米/);
    assert.match(suppressed.reason.en, /PowerOutage:hz-outage-1-0: 14\d\d m from its centre, within its 2000 m radius/);
    const shown = due.find((d) => d.kind === 'raise') as Extract<Decision, { kind: 'raise' }>;
    assert.equal(shown.alarm.originator, 'urn:ngsi-ld:NoiseLevelObserved:hz-noise-2', 'outside the radius: raised');

    // a smaller outage (radius 1 km) does not reach the device 1.44 km away
    const small = new AlarmEngine(defaults());
    small.observe(meter(1, T0 - MIN, inside));
    small.observe(outage('active', T0 + 3 * MIN, 1000, centre));
    assert.deepEqual(kinds(small.advance(T0 + 10 * MIN)), ['raise:deviceOffline']);
  });

  it('releases the held-back silences when the outage clears: back within the grace, nothing; still silent after it, raised', () => {
    const engine = new AlarmEngine(defaults());
    engine.observe(meter(1, T0 - MIN));
    engine.observe(meter(2, T0 - MIN, [120.151, 30.271]));
    engine.observe(outage('active', T0 + 3 * MIN));
    assert.deepEqual(kinds(engine.advance(T0 + 10 * MIN)), ['suppress:inhibited', 'suppress:inhibited']);
    // held back across a restart too
    const restarted = new AlarmEngine({ ...defaults(), state: engine.drainState(), activeAlarms: engine.activeAlarms() });
    restarted.observe({ ...meter(1, T0 - MIN), changed: [] }); // the service primes its cache from the hub
    restarted.observe({ ...meter(2, T0 - MIN, [120.151, 30.271]), changed: [] });
    restarted.observe({ ...outage('active', T0 + 3 * MIN), changed: [] });
    assert.deepEqual(restarted.advance(T0 + 40 * MIN), [], 'still inhibited while the outage lasts');
    const restored = restarted.observe(outage('restored', T0 + 50 * MIN));
    assert.deepEqual(kinds(restored), ['clear:powerOutage']);
    // device 1 comes back a minute after the power; device 2 stays silent (its own fault)
    assert.deepEqual(restarted.observe(meter(1, T0 + 51 * MIN)), []);
    assert.deepEqual(restarted.advance(T0 + 54 * MIN), [], 'within the 5-minute grace');
    const after = restarted.advance(T0 + 56 * MIN);
    assert.deepEqual(
      after.map((d) => (d.kind === 'raise' ? [d.alarm.originator, d.at] : d.kind)),
      [['urn:ngsi-ld:NoiseLevelObserved:hz-noise-2', T0 + 55 * MIN]],
    );
  });
});
