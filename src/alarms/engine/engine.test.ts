import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_POLICIES, DEFAULT_RULES } from '../defaults.ts';
import { AlarmEngine } from './engine.ts';
import type { AlarmRuleInput, Decision, NoisePolicy, NoisePolicyInput, Reading, Silence } from './model.ts';
import { knownShapes, parsePolicy, parseRule } from './validate.ts';

const T0 = Date.parse('2026-11-02T02:00:00Z'); // 10:00 in Hangzhou, a Monday
const MIN = 60_000;

function rule(input: Partial<AlarmRuleInput> & Pick<AlarmRuleInput, 'condition'>) {
  const out = parseRule({ name: 'r', entityType: 'AirQualityObserved', alarmType: 'airPollution', category: 'environment', severity: 'minor', id: 'r1', ...input }, knownShapes);
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
    if ('errors' in out) throw new Error('bad default');
    return out.rule;
  }),
  policies: DEFAULT_POLICIES.map(policy),
  silences: [] as Silence[],
});

const air = (pm25: number, at: number, id = 'urn:air-1'): Reading => ({
  id,
  type: 'AirQualityObserved',
  attrs: { pm25, district: 'xihu', location: { type: 'Point', coordinates: [120.15, 30.27] } },
  changed: ['pm25'],
  at,
});
const building = (id: string, occupancyState: string, at: number, changed: string[] = ['occupancyState']): Reading => ({
  id,
  type: 'Building',
  attrs: { occupancyState, district: 'xihu', location: { type: 'Point', coordinates: [120.15, 30.27] } },
  changed,
  at,
});
const sensor = (n: number, sensorKind: string, state: string, value: number, at: number, b = 'urn:b1'): Reading => ({
  id: `urn:sensor-${n}`,
  type: 'SecuritySensor',
  attrs: { sensorKind, state, value, refBuilding: b, district: 'xihu', location: { type: 'Point', coordinates: [120.15, 30.27] } },
  changed: ['state', 'value'],
  at,
});
const kinds = (ds: Decision[]) => ds.map((d) => (d.kind === 'suppress' ? `suppress:${d.reason.code}` : d.kind === 'situation' ? 'situation' : `${d.kind}:${d.alarm.alarmType}`));

describe('alarm engine', () => {
  it('raises only after the condition held for the duration, on advance, and clears with hysteresis', () => {
    const engine = new AlarmEngine({ rules: [rule({ condition: 'pm25 > 150', for: 'PT1H', clear: 'pm25 < 115', clearFor: 'PT30M' })], policies: [], silences: [] });
    assert.deepEqual(engine.observe(air(160, T0)), []);
    assert.deepEqual(engine.observe(air(170, T0 + 30 * MIN)), []);
    assert.deepEqual(engine.advance(T0 + 59 * MIN), []);
    const raised = engine.advance(T0 + 61 * MIN);
    assert.deepEqual(kinds(raised), ['raise:airPollution']);
    assert.equal(raised[0]?.at, T0 + 60 * MIN, 'raised when the hour was complete');
    assert.deepEqual(kinds(engine.observe(air(155, T0 + 70 * MIN))), ['repeat:airPollution']);
    assert.equal(engine.activeAlarms()[0]?.count, 2);
    assert.deepEqual(engine.observe(air(130, T0 + 80 * MIN)), [], 'between the thresholds: neither raised nor cleared');
    assert.deepEqual(engine.observe(air(100, T0 + 90 * MIN)), []);
    assert.deepEqual(kinds(engine.advance(T0 + 121 * MIN)), ['clear:airPollution']);
    assert.equal(engine.activeAlarms().length, 0);
  });

  it('needs atLeast of the last readings for a repeat rule', () => {
    const engine = new AlarmEngine({ rules: [rule({ condition: 'pm25 > 150', repeat: { atLeast: 3, of: 5 } })], policies: [], silences: [] });
    const out = [200, 100, 200, 100, 200].map((v, i) => kinds(engine.observe(air(v, T0 + i * MIN))));
    assert.deepEqual(out, [[], [], [], [], ['raise:airPollution']]);
  });

  it('fires only inside its schedule window in local time', () => {
    const engine = new AlarmEngine({ rules: [rule({ condition: 'pm25 > 150', schedule: { windows: [{ days: [1], from: '22:00', to: '06:00' }] } })], policies: [], silences: [] });
    assert.deepEqual(engine.observe(air(200, T0)), [], '10:00 Monday is outside');
    assert.deepEqual(kinds(engine.observe(air(200, Date.parse('2026-11-02T15:30:00Z')))), ['raise:airPollution'], '23:30 Monday is inside');
  });

  it('corroborates a door and then motion in one building into one intrusion alarm', () => {
    const engine = new AlarmEngine(defaults());
    engine.observe(building('urn:b1', 'away', T0 - 60 * MIN, []));
    assert.deepEqual(engine.observe(sensor(1, 'door', 'triggered', 1, T0)), []);
    const out = engine.observe(sensor(2, 'motion', 'triggered', 1, T0 + 2 * MIN));
    assert.deepEqual(kinds(out), ['raise:intrusion']);
    const alarm = (out[0] as { alarm: { originator: string; evidence: { originator: string }[] } }).alarm;
    assert.equal(alarm.originator, 'urn:b1');
    assert.deepEqual(alarm.evidence.map((s) => s.originator), ['urn:sensor-1', 'urn:sensor-2']);
    assert.deepEqual(kinds(engine.observe(sensor(2, 'motion', 'triggered', 1, T0 + 5 * MIN))), ['repeat:intrusion']);
    assert.deepEqual(kinds(engine.advance(T0 + 36 * MIN)), ['clear:intrusion'], 'quiet for 30 min: cleared');
  });

  it('suppresses a lone trigger when its window expires, with the matching reason', () => {
    const engine = new AlarmEngine(defaults());
    engine.observe(building('urn:b1', 'away', T0 - 60 * MIN, []));
    assert.deepEqual(engine.observe(sensor(2, 'motion', 'triggered', 1, T0)), []);
    const out = engine.advance(T0 + 7 * MIN);
    assert.deepEqual(kinds(out), ['suppress:condition']);
    const d = out[0] as Extract<Decision, { kind: 'suppress' }>;
    assert.equal(d.reason.policyId, 'hz-pets-sunlight');
    assert.deepEqual(d.reason.details, { 'refBuilding.occupancyState': 'away' });
    assert.match(d.reason.zh, /宠物/);
  });

  it('treats a household coming home as expected activity', () => {
    const engine = new AlarmEngine(defaults());
    engine.observe(building('urn:b1', 'away', T0 - 60 * MIN, []));
    engine.observe(sensor(1, 'door', 'triggered', 1, T0 + 20_000));
    engine.observe(building('urn:b1', 'home', T0));
    const out = engine.observe(sensor(2, 'motion', 'triggered', 1, T0 + 90_000));
    assert.deepEqual(kinds(out), ['suppress:expectedActivity', 'suppress:expectedActivity']);
  });

  it('raises an intrusion while the household has long been home', () => {
    const engine = new AlarmEngine(defaults());
    engine.observe(building('urn:b1', 'away', T0 - 120 * MIN, []));
    engine.observe(building('urn:b1', 'home', T0 - 60 * MIN));
    engine.observe(sensor(1, 'window', 'triggered', 1, T0));
    assert.deepEqual(kinds(engine.observe(sensor(2, 'motion', 'triggered', 1, T0 + 3 * MIN))), ['raise:intrusion']);
  });

  it('suppresses cooking fumes, raises a fire, and groups nearby fires into a situation', () => {
    const engine = new AlarmEngine(defaults());
    const cooking = engine.observe(sensor(5, 'smoke', 'triggered', 9, T0));
    assert.deepEqual(kinds(cooking), ['suppress:condition']);
    assert.deepEqual(kinds(engine.observe(sensor(6, 'smoke', 'triggered', 30, T0 + MIN, 'urn:b2'))), ['raise:fire']);
    assert.deepEqual(kinds(engine.observe(sensor(7, 'smoke', 'triggered', 25, T0 + 2 * MIN, 'urn:b3'))), ['raise:fire', 'situation']);
    assert.ok(engine.activeAlarms().every((a) => a.situationId === engine.activeAlarms()[0]?.situationId));
    // the fire inhibits intrusion alarms within 50 m (firefighters going in)
    engine.observe(sensor(8, 'door', 'triggered', 1, T0 + 3 * MIN, 'urn:b2'));
    assert.deepEqual(kinds(engine.observe(sensor(9, 'motion', 'triggered', 1, T0 + 4 * MIN, 'urn:b2'))), ['suppress:inhibited', 'suppress:inhibited']);
  });

  it('silences matching signals inside a maintenance window', () => {
    const silences: Silence[] = [{ id: 's1', kind: 'maintenance', matchers: { originator: 'urn:sensor-6' }, from: new Date(T0).toISOString(), to: new Date(T0 + 60 * MIN).toISOString(), reason: '更换烟感' }];
    const engine = new AlarmEngine({ ...defaults(), silences });
    assert.deepEqual(kinds(engine.observe(sensor(6, 'smoke', 'triggered', 30, T0 + MIN))), ['suppress:maintenance']);
    assert.deepEqual(kinds(engine.observe(sensor(6, 'smoke', 'triggered', 30, T0 + 61 * MIN))), ['raise:fire']);
  });

  it('keeps one active alarm per originator and type, and a new one only after a clear', () => {
    const engine = new AlarmEngine({ rules: [rule({ condition: 'pm25 > 150' })], policies: [], silences: [] });
    const first = engine.observe(air(200, T0))[0] as Extract<Decision, { kind: 'raise' }>;
    assert.deepEqual(kinds(engine.observe(air(210, T0 + MIN))), ['repeat:airPollution']);
    assert.equal(engine.clearAlarm(first.alarm.id, T0 + 2 * MIN)?.status, 'cleared');
    const again = engine.observe(air(220, T0 + 3 * MIN));
    assert.deepEqual(kinds(again), ['raise:airPollution']);
    assert.notEqual((again[0] as Extract<Decision, { kind: 'raise' }>).alarm.id, first.alarm.id);
  });

  it('explains a lone window trigger by the wind at the nearest weather station', () => {
    const engine = new AlarmEngine(defaults());
    const station = (id: string, lon: number, windSpeed: number): Reading => ({
      id,
      type: 'WeatherObserved',
      attrs: { windSpeed, location: { type: 'Point', coordinates: [lon, 30.27] } },
      changed: ['windSpeed'],
      at: T0 - MIN,
    });
    engine.observe(station('urn:w-far', 120.6, 1.2));
    engine.observe(station('urn:w-near', 120.16, 9.4));
    engine.observe(building('urn:b1', 'home', T0 - 600 * MIN, []));
    assert.deepEqual(engine.observe(sensor(3, 'window', 'triggered', 1, T0)), []);
    const [d] = engine.advance(T0 + 6 * MIN) as Extract<Decision, { kind: 'suppress' }>[];
    assert.equal(d?.reason.policyId, 'hz-wind-windows');
    assert.deepEqual(d?.reason.details, { sensorKind: 'window', 'nearest(WeatherObserved).windSpeed': 9.4 });
  });

  it('loses nothing across a restart in the middle of a for duration and a corroboration window', () => {
    const script: { reading?: Reading; advance?: number }[] = [
      { reading: building('urn:b1', 'away', T0 - 60 * MIN, []) },
      { reading: air(200, T0) },
      { reading: sensor(1, 'door', 'triggered', 1, T0 + MIN) },
      { reading: air(210, T0 + 2 * MIN) },
      // ← restart here: the service restores the rows and primes the cache with the hub's entities (changed: [])
      { reading: sensor(2, 'motion', 'triggered', 1, T0 + 3 * MIN) },
      { advance: T0 + 50 * MIN },
      { advance: T0 + 61 * MIN },
    ];
    const prime = [building('urn:b1', 'away', T0 - 60 * MIN, []), { ...air(210, T0 + 2 * MIN), changed: [] }];
    const options = () => ({ ...defaults(), rules: [...defaults().rules, rule({ condition: 'pm25 > 150', for: 'PT1H' })] });
    const run = (engine: AlarmEngine, steps: typeof script) => steps.flatMap((s) => (s.reading ? engine.observe(s.reading) : engine.advance(s.advance as number)));
    const whole = run(new AlarmEngine(options()), script);
    const before = new AlarmEngine(options());
    const part1 = run(before, script.slice(0, 4));
    const state = before.drainState();
    assert.ok(state.some((r) => r.key.startsWith('r|r1|')) && state.some((r) => r.key.startsWith('g|')), 'the for state and the held door are rows');
    const after = new AlarmEngine({ ...options(), state: JSON.parse(JSON.stringify(state)), activeAlarms: before.activeAlarms() });
    for (const r of prime) assert.deepEqual(after.observe(r), []);
    const part2 = run(after, script.slice(4));
    const plain = (ds: Decision[]) => ds.map((d) => JSON.stringify({ ...d, alarm: undefined, id: d.kind === 'raise' ? d.alarm.id : undefined }));
    assert.deepEqual(kinds([...part1, ...part2]), kinds(whole));
    assert.deepEqual(plain([...part1, ...part2]), plain(whole));
    // the default PM2.5 rule and r1 both watch pm25 > 150 for an hour: one alarm, raised by the first, repeated by the second;
    // the station's last reading was at 2 min, so the default offline rule finds it silent at 12 min (also across the restart)
    assert.deepEqual(kinds(whole), ['raise:intrusion', 'raise:deviceOffline', 'clear:intrusion', 'raise:airPollution', 'repeat:airPollution']);
  });
});
