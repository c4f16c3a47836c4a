import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_POLICIES, DEFAULT_RULES } from '../defaults.ts';
import type { RuleError } from './model.ts';
import { knownShapes, parsePolicy, parseRule, parseSilence } from './validate.ts';

const base = { name: { zh: '烟感', en: 'Smoke' }, entityType: 'SecuritySensor', condition: 'value >= 15', alarmType: 'fire', category: 'fire', severity: 'critical' };

function errorsOf(input: unknown): RuleError[] {
  const out = parseRule(input, knownShapes);
  assert.ok('errors' in out, 'expected the rule to be rejected');
  return out.errors;
}

describe('rule validation', () => {
  it('accepts every default rule and policy', () => {
    for (const r of DEFAULT_RULES) assert.ok('rule' in parseRule(r, knownShapes), JSON.stringify(parseRule(r, knownShapes)));
    for (const p of DEFAULT_POLICIES) assert.ok('policy' in parsePolicy(p, knownShapes), JSON.stringify(parsePolicy(p, knownShapes)));
  });

  it('reports a syntax error with its column', () => {
    const [e] = errorsOf({ ...base, condition: 'value >= ' });
    assert.equal(e?.path, 'condition');
    assert.match(e?.message ?? '', /condition: at column 10: expected a number, a "string" or an attribute name after '>='/);
  });

  it('names an unknown attribute and lists the known ones', () => {
    const errors = errorsOf({ ...base, condition: 'smokeLevel >= 15 and refBuilding.occupancy == "away"' });
    assert.match(errors[0]?.message ?? '', /unknown attribute 'smokeLevel' of SecuritySensor; known: .*sensorKind.*value/);
    assert.match(errors[1]?.message ?? '', /unknown attribute 'occupancy' of Building .*known: .*occupancyState/);
  });

  it('rejects impossible schedules, durations, repeats, severities and a clear equal to the condition', () => {
    const errors = errorsOf({
      ...base,
      where: 'sensorKind==',
      for: 'PT0S',
      clearFor: 'ten minutes',
      clear: 'value>=15',
      repeat: { atLeast: 5, of: 3 },
      severity: 'urgent',
      schedule: { timezone: 'Mars/Olympus', windows: [{ from: '25:00', to: '07:00' }, { from: '08:00', to: '08:00' }, { days: [], from: '01:00', to: '02:00' }, { days: [1, 8], from: '01:00', to: '02:00' }] },
    });
    const byPath = new Map(errors.map((e) => [e.path, e.message]));
    assert.match(byPath.get('where') ?? '', /Invalid q at character/);
    assert.match(byPath.get('for') ?? '', /longer than zero/);
    assert.match(byPath.get('clearFor') ?? '', /ISO 8601 duration/);
    assert.match(byPath.get('clear') ?? '', /same as the condition/);
    assert.match(byPath.get('repeat') ?? '', /atLeast \(5\) cannot exceed of \(3\)/);
    assert.match(byPath.get('severity') ?? '', /unknown severity "urgent"; one of critical/);
    assert.match(byPath.get('schedule.timezone') ?? '', /unknown time zone "Mars\/Olympus"/);
    assert.match(byPath.get('schedule.windows[0].from') ?? '', /00:00 to 23:59/);
    assert.match(byPath.get('schedule.windows[1]') ?? '', /window is empty/);
    assert.match(byPath.get('schedule.windows[2].days') ?? '', /non-empty list of days/);
    assert.match(byPath.get('schedule.windows[3].days[1]') ?? '', /from 1 \(Monday\) to 7 \(Sunday\), not 8/);
  });

  it('accepts an absence rule (silentFor) without a condition, and checks its duration', () => {
    const offline = { name: '离线', entityType: 'WeatherObserved', silentFor: 'PT10M', alarmType: 'deviceOffline', category: 'device', severity: 'minor' };
    const ok = parseRule(offline, knownShapes);
    assert.ok('rule' in ok, JSON.stringify(ok));
    assert.equal(ok.rule.condition, undefined);
    assert.ok('rule' in parseRule({ ...offline, condition: 'windSpeed >= 0' }, knownShapes), 'a condition besides silentFor is allowed');
    assert.match(errorsOf({ ...offline, silentFor: 'PT0S' })[0]?.message ?? '', /silentFor must be longer than zero/);
    const [bad] = errorsOf({ ...offline, silentFor: 'ten minutes' });
    assert.equal(bad?.path, 'silentFor');
    assert.match(bad?.message ?? '', /ISO 8601 duration such as "PT10M"/);
    assert.match(errorsOf({ ...offline, silentFor: 600 })[0]?.message ?? '', /not 600/);
    const clear = errorsOf({ ...offline, clear: 'windSpeed > 1' });
    assert.deepEqual(clear.map((e) => e.path), ['clear']);
    assert.match(clear[0]?.message ?? '', /clears at the entity's next reading/);
    const { condition: _none, ...noCondition } = base;
    const [missing] = errorsOf(noCondition);
    assert.equal(missing?.path, 'condition');
    assert.match(missing?.message ?? '', /needs a condition .* or silentFor/);
  });

  it('accepts an inhibition radius read from the source entity, and refuses a scope without one', () => {
    const inhibit = { kind: 'inhibit', name: 'outage', source: ['powerOutage'], targets: ['deviceOffline'] };
    assert.ok('policy' in parsePolicy({ ...inhibit, scope: { radiusFrom: 'radius' } }, knownShapes));
    assert.ok('policy' in parsePolicy({ ...inhibit, scope: { radiusFrom: 'radius', radiusM: 3000 }, releaseAfter: 'PT5M' }, knownShapes));
    const bad = parsePolicy({ ...inhibit, scope: { radiusFrom: '' }, releaseAfter: 'later' }, knownShapes);
    assert.ok('errors' in bad);
    assert.deepEqual(bad.errors.map((e) => e.path), ['scope', 'releaseAfter']);
    assert.match(bad.errors[0]?.message ?? '', /radiusFrom/);
    const fallback = parsePolicy({ ...inhibit, scope: { radiusFrom: 'radius', radiusM: -1 } }, knownShapes);
    assert.ok('errors' in fallback);
    assert.equal(fallback.errors[0]?.path, 'scope.radiusM');
  });

  it('does not check attributes of a type it does not know', () => {
    assert.ok('rule' in parseRule({ ...base, entityType: 'Beehive', condition: 'buzz > 3' }, knownShapes));
  });

  it('validates policies and silences', () => {
    const p = parsePolicy({ kind: 'corroborate', name: 'x', signalTypes: ['a'], sameAs: 'refBuilding', within: 'soon', raise: { alarmType: 'i', category: 'security', severity: 'loud' } }, knownShapes);
    assert.ok('errors' in p);
    const paths = p.errors.map((e) => e.path);
    assert.deepEqual(paths, ['signalTypes', 'within', 'raise.severity']);
    const s = parseSilence({ kind: 'maintenance', matchers: {}, from: '2026-11-02T10:00:00Z', to: '2026-11-02T09:00:00Z', reason: 'repair' });
    assert.ok('errors' in s);
    assert.deepEqual(s.errors.map((e) => e.path), ['matchers', 'to']);
  });
});
