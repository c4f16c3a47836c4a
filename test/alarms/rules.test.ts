/** Rules, noise policies and silences through /api/v1/alarms: CRUD, roles, and a 400 that says what to fix for each kind of mistake. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AlarmsWorld, type DurableStore, durableStore, pm25Rule, startAlarmsWorld } from './support.ts';

describe('alarm rules, policies and silences', () => {
  let durable: DurableStore;
  let w: AlarmsWorld;
  before(async () => {
    durable = durableStore();
    w = await startAlarmsWorld(durable);
  });
  after(async () => {
    await w.close();
    await durable.dispose();
  });

  test('a new city starts with the Hangzhou rule set and noise policies', async () => {
    const rules = await w.call(w.officer, 'GET', '/api/v1/alarms/rules');
    assert.equal(rules.status, 200);
    const ids = rules.body.rules.map((r: { id: string }) => r.id);
    assert.ok(ids.includes('hz-smoke-fire'), ids.join(', '));
    const fire = rules.body.rules.find((r: { id: string }) => r.id === 'hz-smoke-fire');
    assert.equal(fire.updatedBy, 'defaults');
    assert.equal(fire.name.zh, '烟感报警：疑似火灾');
    const policies = await w.call(w.officer, 'GET', '/api/v1/alarms/policies');
    assert.ok(policies.body.policies.some((p: { id: string; kind: string }) => p.id === 'hz-intrusion-corroboration' && p.kind === 'corroborate'));
  });

  test('an operator creates, reads, replaces and deletes a rule; each change is audited', async () => {
    const created = await w.call(w.operator, 'POST', '/api/v1/alarms/rules', pm25Rule({ id: 'crud-rule' }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.id, 'crud-rule');
    assert.equal(created.body.version, 1);
    assert.equal(created.body.updatedBy, 'duty-operator');
    assert.equal(created.body.enabled, true);

    const again = await w.call(w.operator, 'POST', '/api/v1/alarms/rules', pm25Rule({ id: 'crud-rule' }));
    assert.equal(again.status, 409);
    assert.match(again.body.detail, /exists already/);

    const replaced = await w.call(w.operator, 'PUT', '/api/v1/alarms/rules/crud-rule', pm25Rule({ id: 'crud-rule', condition: 'pm25 > 250', enabled: false }));
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    assert.equal(replaced.body.version, 2);
    assert.equal(replaced.body.condition, 'pm25 > 250');
    assert.equal(replaced.body.enabled, false);

    const mismatch = await w.call(w.operator, 'PUT', '/api/v1/alarms/rules/crud-rule', pm25Rule({ id: 'other' }));
    assert.equal(mismatch.status, 400);
    assert.match(mismatch.body.detail, /differs from the rule in the path/);

    const read = await w.call(w.officer, 'GET', '/api/v1/alarms/rules/crud-rule');
    assert.equal(read.body.condition, 'pm25 > 250');

    assert.equal((await w.call(w.operator, 'DELETE', '/api/v1/alarms/rules/crud-rule')).status, 204);
    const gone = await w.call(w.officer, 'GET', '/api/v1/alarms/rules/crud-rule');
    assert.equal(gone.status, 404);
    assert.match(gone.body.detail, /No alarm rule "crud-rule"/);
    assert.equal((await w.call(w.operator, 'DELETE', '/api/v1/alarms/rules/crud-rule')).status, 404);
    assert.equal((await w.call(w.operator, 'PUT', '/api/v1/alarms/rules/never-was', pm25Rule({ id: undefined }))).status, 404);

    const audit = await w.platform.store.query<{ action: string; actor_name: string }>(
      "SELECT action, actor_name FROM audit_log WHERE target_id = 'crud-rule' ORDER BY id",
    );
    assert.deepEqual(
      audit.map((a) => a.action),
      ['alarmRule.create', 'alarmRule.update', 'alarmRule.delete'],
    );
    assert.ok(audit.every((a) => a.actor_name === 'duty-operator'));
  });

  test('officers read but may not change rules; citizens may not read them', async () => {
    assert.equal((await w.call(w.officer, 'POST', '/api/v1/alarms/rules', pm25Rule({ id: 'officer-rule' }))).status, 403);
    assert.equal((await w.call(w.citizen, 'GET', '/api/v1/alarms/rules')).status, 403);
    assert.equal((await w.call(w.citizen, 'GET', '/api/v1/alarms')).status, 403);
    assert.equal((await w.call(undefined, 'GET', '/api/v1/alarms')).status, 401);
  });

  test('a syntax error in the condition is refused with the column to fix', async () => {
    const bad = await w.call(w.operator, 'POST', '/api/v1/alarms/rules', pm25Rule({ id: 'bad-syntax', condition: 'pm25 >= ' }));
    assert.equal(bad.status, 400);
    const error = bad.body.errors.find((e: { path: string }) => e.path === 'condition');
    assert.ok(error, JSON.stringify(bad.body));
    assert.match(error.message, /column \d+/);
    assert.match(bad.body.detail, /condition: /);
    assert.equal((await w.call(w.officer, 'GET', '/api/v1/alarms/rules/bad-syntax')).status, 404, 'nothing was stored');
  });

  test('an unknown attribute is refused, naming the attributes the type has', async () => {
    const bad = await w.call(w.operator, 'POST', '/api/v1/alarms/rules', pm25Rule({ id: 'bad-attr', condition: 'pm252 > 3' }));
    assert.equal(bad.status, 400);
    const error = bad.body.errors.find((e: { path: string }) => e.path === 'condition');
    assert.ok(error, JSON.stringify(bad.body));
    assert.match(error.message, /pm252/);
    assert.match(error.message, /pm25\b/, 'the known attributes are listed');
  });

  test("an attribute the hub's entities have is known, though no built-in shape lists it", async () => {
    await w.upsert([
      { id: 'urn:ngsi-ld:RiverGauge:qiantang-1', type: 'RiverGauge', waterLevel: { type: 'Property', value: 3.2 } },
    ]);
    const good = await w.call(w.operator, 'POST', '/api/v1/alarms/rules', {
      id: 'river-high',
      name: '钱塘江水位高 River high',
      entityType: 'RiverGauge',
      condition: 'waterLevel > 6.5',
      alarmType: 'flood',
      category: 'environment',
      severity: 'critical',
    });
    assert.equal(good.status, 201, JSON.stringify(good.body));
    const bad = await w.call(w.operator, 'PUT', '/api/v1/alarms/rules/river-high', {
      name: 'River high',
      entityType: 'RiverGauge',
      condition: 'waterLvl > 6.5',
      alarmType: 'flood',
      category: 'environment',
      severity: 'critical',
    });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body.errors), /waterLevel/);
  });

  test('an impossible schedule is refused, path by path', async () => {
    const bad = await w.call(
      w.operator,
      'POST',
      '/api/v1/alarms/rules',
      pm25Rule({ id: 'bad-schedule', schedule: { timezone: 'Mars/Olympus', windows: [{ days: [8], from: '25:00', to: '06:00' }] } }),
    );
    assert.equal(bad.status, 400);
    const paths = bad.body.errors.map((e: { path: string }) => e.path);
    assert.ok(paths.includes('schedule.timezone'), paths.join(', '));
    assert.ok(paths.includes('schedule.windows[0].from'), paths.join(', '));
    assert.ok(paths.includes('schedule.windows[0].days[0]'), paths.join(', '));
  });

  test('several problems are listed together, and a malformed body is a 400 too', async () => {
    const bad = await w.call(w.operator, 'POST', '/api/v1/alarms/rules', pm25Rule({ id: 'bad-many', severity: 'apocalyptic', for: 'two minutes', repeat: { atLeast: 5, of: 3 } }));
    assert.equal(bad.status, 400);
    const paths = bad.body.errors.map((e: { path: string }) => e.path);
    for (const p of ['severity', 'for', 'repeat']) assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);
    const notObject = await w.call(w.operator, 'POST', '/api/v1/alarms/rules', [1, 2]);
    assert.equal(notObject.status, 400);
  });

  test('noise policies: created, validated, listed and deleted', async () => {
    const bad = await w.call(w.operator, 'POST', '/api/v1/alarms/policies', { id: 'bad-policy', kind: 'corroborate', name: 'x', signalTypes: ['entryOpened'], sameAs: 'refBuilding', within: 'PT0S' });
    assert.equal(bad.status, 400);
    const paths = bad.body.errors.map((e: { path: string }) => e.path);
    assert.ok(paths.includes('signalTypes') && paths.includes('raise'), paths.join(', '));
    const unknownKind = await w.call(w.operator, 'POST', '/api/v1/alarms/policies', { kind: 'ignoreEverything', name: 'x' });
    assert.equal(unknownKind.status, 400);
    assert.match(unknownKind.body.errors[0].message, /corroborate/);

    const good = await w.call(w.operator, 'POST', '/api/v1/alarms/policies', {
      id: 'dust-storm',
      kind: 'inhibit',
      name: { zh: '沙尘暴期间抑制 PM2.5 告警', en: 'Inhibit PM2.5 alarms during a dust storm' },
      source: ['dustStorm'],
      targets: ['pm25Spike'],
      scope: 'district',
    });
    assert.equal(good.status, 201, JSON.stringify(good.body));
    assert.equal(good.body.kind, 'inhibit');
    const list = await w.call(w.officer, 'GET', '/api/v1/alarms/policies');
    assert.ok(list.body.policies.some((p: { id: string }) => p.id === 'dust-storm'));
    assert.equal((await w.call(w.operator, 'DELETE', '/api/v1/alarms/policies/dust-storm')).status, 204);
    assert.equal((await w.call(w.officer, 'GET', '/api/v1/alarms/policies/dust-storm')).status, 404);
  });

  test('silences: a window that ends before it starts is refused; a good one is listed as active', async () => {
    const now = Date.now();
    const bad = await w.call(w.operator, 'POST', '/api/v1/alarms/silences', {
      kind: 'maintenance',
      matchers: { district: 'xihu' },
      from: new Date(now).toISOString(),
      to: new Date(now - 60_000).toISOString(),
      reason: '西湖区传感器检修',
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors[0].path, 'to');
    const good = await w.call(w.operator, 'POST', '/api/v1/alarms/silences', {
      kind: 'maintenance',
      matchers: { district: 'gongshu', entityType: 'SecuritySensor' },
      from: new Date(now - 60_000).toISOString(),
      to: new Date(now + 3_600_000).toISOString(),
      reason: '拱墅区安防传感器检修 Sensor maintenance',
    });
    assert.equal(good.status, 201, JSON.stringify(good.body));
    assert.equal(good.body.active, true);
    assert.equal(good.body.createdBy, 'duty-operator');
    const list = await w.call(w.officer, 'GET', '/api/v1/alarms/silences');
    assert.ok(list.body.silences.some((s: { id: string }) => s.id === good.body.id));
    assert.equal((await w.call(w.operator, 'DELETE', `/api/v1/alarms/silences/${good.body.id}`)).status, 204);
    assert.equal((await w.call(w.operator, 'DELETE', `/api/v1/alarms/silences/${good.body.id}`)).status, 404);
  });

  test('bad query parameters are 400s that say what is wrong', async () => {
    const status = await w.call(w.officer, 'GET', '/api/v1/alarms?status=sleeping');
    assert.equal(status.status, 400);
    const from = await w.call(w.officer, 'GET', '/api/v1/alarms/suppressed?from=yesterday');
    assert.equal(from.status, 400);
    assert.match(from.body.detail, /ISO 8601/);
    assert.equal((await w.call(w.officer, 'GET', '/api/v1/alarms/no-such-alarm')).status, 404);
  });
});
