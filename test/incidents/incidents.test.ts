/** Incidents end to end on a whole platform: alarms open and join incidents, recommendation, dispatch, unit status, escalation, close, timeline, citizen-report clusters. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createIncidents, type IncidentsParts } from '../../src/incidents/index.ts';
import { etaSeconds } from '../../src/incidents/recommend.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { alert, type Call, caller, hubEntity, north, SCENE, serviceRequest, unit, upsert, userToken } from './support.ts';

const U = (id: string) => `urn:ngsi-ld:EmergencyVehicle:${id}`;

describe('incidents', () => {
  let t: TestPlatform;
  let call: Call;
  let admin: string;
  let operator: string;
  let officer: string;
  let citizen: string;
  let fireId: string;

  before(async () => {
    t = await startTestPlatform();
    call = caller(t.platform);
    admin = t.adminToken;
    operator = await userToken(call, admin, 'duty-operator', ['operator'], t.login);
    officer = await userToken(call, admin, 'duty-officer', ['officer'], t.login);
    citizen = await userToken(call, admin, 'xiaoming', ['citizen'], t.login);
    // Units at known distances north of the scene; fe-3 is the nearest engine but already on another job.
    await upsert(call, admin, [
      unit('fe-1', 'fireEngine', north(300)),
      unit('fe-2', 'fireEngine', north(800)),
      unit('fe-3', 'fireEngine', north(150), 'dispatched'),
      unit('fe-4', 'fireEngine', north(2000)),
      unit('amb-1', 'ambulance', north(1200)),
      unit('amb-2', 'ambulance', north(500)),
      unit('pol-1', 'policeCar', north(400)),
    ]);
    await t.platform.incidents.idle();
  });
  after(() => t.close());

  const incident = async (id: string) => {
    const r = await call(operator, 'GET', `/api/v1/incidents/${id}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };

  test('incident types list the response plans, bilingual, with units, targets and evacuation radius', async () => {
    const r = await call(officer, 'GET', '/api/v1/incidents/types');
    assert.equal(r.status, 200);
    const fire = r.body.types.find((p: { type: string }) => p.type === 'fire');
    assert.deepEqual(fire.units, [
      { vehicleKind: 'fireEngine', count: 2 },
      { vehicleKind: 'ambulance', count: 1 },
    ]);
    assert.equal(fire.ackWithinSeconds, 60);
    assert.equal(fire.evacuateRadiusM, 100);
    assert.equal(fire.targets.firstUnitOnSceneMinutes, 8);
    assert.match(fire.steps.find((s: { id: string }) => s.id === 'notify').text.zh, /消防救援支队/);
    const gas = r.body.types.find((p: { type: string }) => p.type === 'gasLeak');
    assert.equal(gas.evacuateRadiusM, 50);
    assert.ok(gas.notify.some((n: { name: { zh: string } }) => n.name.zh === '燃气集团'));
    assert.deepEqual(
      r.body.types.map((p: { type: string }) => p.type),
      ['fire', 'gasLeak', 'intrusion', 'trafficAccident', 'citizenReports', 'general'],
    );
    assert.equal((await call(citizen, 'GET', '/api/v1/incidents/types')).status, 403);
  });

  test('a fire Alert in the hub opens a fire incident with its plan; a second one 50 m away joins it', async () => {
    await upsert(call, admin, [alert('a-fire-1', 'fire', SCENE)]);
    await t.platform.incidents.idle();
    let list = await call(operator, 'GET', '/api/v1/incidents');
    assert.equal(list.status, 200);
    assert.equal(list.body.total, 1);
    fireId = list.body.incidents[0].id;
    const opened = await incident(fireId);
    assert.equal(opened.type, 'fire');
    assert.equal(opened.status, 'open');
    assert.equal(opened.openedBy, 'system:alarm');
    assert.equal(opened.district, 'xihu');
    assert.equal(opened.severity, 'major');
    assert.deepEqual(opened.alarmIds, ['a-fire-1']);
    assert.equal(opened.plan.units.length, 2);
    assert.equal(opened.steps.length, 5);

    await upsert(call, admin, [alert('a-fire-2', 'fire', north(50)), alert('a-noise', 'curtainMotion', SCENE), alert('a-old', 'fire', north(5000), { alarmStatus: { type: 'Property', value: 'cleared' } }),
      // Active but last seen two hours ago (a replayed backfill): history, not an emergency.
      alert('a-history', 'fire', north(9000), { lastSeen: { type: 'Property', value: new Date(Date.now() - 2 * 3_600_000).toISOString() } }),
    ]);
    // The same alert changing again (a repeat count) joins nothing twice.
    await upsert(call, admin, [{ id: 'urn:ngsi-ld:Alert:a-fire-1', type: 'Alert', count: { type: 'Property', value: 3 } }]);
    await t.platform.incidents.idle();
    list = await call(operator, 'GET', '/api/v1/incidents');
    assert.equal(list.body.total, 1, 'joined, not a second incident; a cleared alert, an alert last seen hours ago and a non-auto-open alarm type open nothing');
    assert.deepEqual((await incident(fireId)).alarmIds, ['a-fire-1', 'a-fire-2']);

    const entity = await hubEntity(call, admin, `urn:ngsi-ld:Incident:${fireId}`);
    assert.equal(entity.incidentType, 'fire');
    assert.equal(entity.status, 'open');
    assert.deepEqual((entity.location as { coordinates: number[] }).coordinates, [SCENE.long, SCENE.lat]);
    const refs = Array.isArray(entity.refAlerts) ? entity.refAlerts : [entity.refAlerts];
    assert.deepEqual(refs.sort(), ['urn:ngsi-ld:Alert:a-fire-1', 'urn:ngsi-ld:Alert:a-fire-2']);
  });

  test('acknowledging works once; a second acknowledgement is a 409', async () => {
    const r = await call(operator, 'POST', `/api/v1/incidents/${fireId}/acknowledge`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'acknowledged');
    assert.equal(r.body.acknowledgedBy, 'duty-operator');
    const again = await call(operator, 'POST', `/api/v1/incidents/${fireId}/acknowledge`);
    assert.equal(again.status, 409);
    assert.match(again.body.detail, /acknowledged by duty-operator/);
    assert.equal((await call(officer, 'POST', `/api/v1/incidents/${fireId}/acknowledge`)).status, 403, 'officers read, operators act');
  });

  test('recommendations: the two nearest available fire engines (the dispatched one skipped) and the nearest ambulance, by distance', async () => {
    const r = await call(operator, 'GET', `/api/v1/incidents/${fireId}/recommendations`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const [engines, ambulances] = r.body.recommendations;
    assert.equal(engines.vehicleKind, 'fireEngine');
    assert.deepEqual(
      engines.units.map((u: { unitId: string }) => u.unitId),
      [U('fe-1'), U('fe-2')],
    );
    assert.deepEqual(
      engines.alternates.map((u: { unitId: string }) => u.unitId),
      [U('fe-4')],
    );
    assert.ok(Math.abs(engines.units[0].distanceM - 300) <= 2, `${engines.units[0].distanceM}`);
    assert.ok(Math.abs(engines.units[1].distanceM - 800) <= 3);
    assert.equal(engines.units[0].etaSeconds, etaSeconds(engines.units[0].distanceM));
    assert.equal(etaSeconds(3000), 60 + 360, '30 km/h = 8.33 m/s plus one minute turnout');
    assert.equal(engines.missing, 0);
    assert.deepEqual(
      ambulances.units.map((u: { unitId: string }) => u.unitId),
      [U('amb-2')],
    );
    assert.match(r.body.method, /straight-line/);
  });

  test('dispatch marks the units dispatched with refIncident in the hub; unknown or busy units are refused by name', async () => {
    const unknown = await call(operator, 'POST', `/api/v1/incidents/${fireId}/dispatch`, { unitIds: [U('fe-1'), U('nope')] });
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.detail, /no unit "urn:ngsi-ld:EmergencyVehicle:nope"/);
    const busy = await call(operator, 'POST', `/api/v1/incidents/${fireId}/dispatch`, { unitIds: [U('fe-3')] });
    assert.equal(busy.status, 409);
    assert.match(busy.body.detail, /Unit urn:ngsi-ld:EmergencyVehicle:fe-3 is not available \(its status is dispatched\)/);
    assert.equal((await hubEntity(call, admin, U('fe-1'))).status, 'available', 'a refused dispatch changed nothing');

    const r = await call(operator, 'POST', `/api/v1/incidents/${fireId}/dispatch`, { unitIds: [U('fe-1'), U('fe-2'), U('amb-2')] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(
      r.body.units.map((u: { unitId: string; status: string }) => [u.unitId, u.status]),
      [
        [U('fe-1'), 'dispatched'],
        [U('fe-2'), 'dispatched'],
        [U('amb-2'), 'dispatched'],
      ],
    );
    for (const id of ['fe-1', 'fe-2', 'amb-2']) {
      const e = await hubEntity(call, admin, U(id));
      assert.equal(e.status, 'dispatched');
      assert.equal(e.refIncident, `urn:ngsi-ld:Incident:${fireId}`);
    }
    const again = await call(operator, 'POST', `/api/v1/incidents/${fireId}/dispatch`, { unitIds: [U('fe-1')] });
    assert.equal(again.status, 409);
    assert.match(again.body.detail, /fe-1 is not available/);
    const entity = await hubEntity(call, admin, `urn:ngsi-ld:Incident:${fireId}`);
    assert.deepEqual(entity.units, [U('fe-1'), U('fe-2'), U('amb-2')]);
  });

  test('unit status advances enRoute → onScene → clear with a time for each; clear frees the unit; illegal moves are 409 with the allowed ones', async () => {
    const path = `/api/v1/incidents/${fireId}/units/${encodeURIComponent(U('fe-1'))}/status`;
    assert.equal((await call(operator, 'POST', path, { status: 'enRoute' })).status, 200);
    assert.equal((await hubEntity(call, admin, U('fe-1'))).status, 'enRoute');
    assert.equal((await call(operator, 'POST', path, { status: 'onScene' })).status, 200);
    const back = await call(operator, 'POST', path, { status: 'enRoute' });
    assert.equal(back.status, 409);
    assert.match(back.body.detail, /is onScene; from onScene it can go to clear, not enRoute/);
    const bad = await call(operator, 'POST', path, { status: 'flying' });
    assert.equal(bad.status, 400);
    const cleared = await call(operator, 'POST', path, { status: 'clear' });
    assert.equal(cleared.status, 200);
    const fe1 = cleared.body.units.find((u: { unitId: string }) => u.unitId === U('fe-1'));
    assert.equal(fe1.status, 'clear');
    for (const key of ['dispatchedAt', 'enRouteAt', 'onSceneAt', 'clearedAt']) assert.match(fe1[key], /^\d{4}-\d\d-\d\dT/, key);
    assert.ok(fe1.dispatchedAt <= fe1.enRouteAt && fe1.enRouteAt <= fe1.onSceneAt && fe1.onSceneAt <= fe1.clearedAt);
    const hub = await hubEntity(call, admin, U('fe-1'));
    assert.equal(hub.status, 'available');
    assert.equal(hub.refIncident, undefined, 'refIncident removed');
    const after = await call(operator, 'POST', path, { status: 'onScene' });
    assert.equal(after.status, 409);
    assert.match(after.body.detail, /is clear/);
  });

  test("a crew's own report on its unit entity moves the unit in the incident", async () => {
    await upsert(call, admin, [{ id: U('fe-2'), type: 'EmergencyVehicle', status: { type: 'Property', value: 'enRoute' }, location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [120.1, 30.252] } } }]);
    await t.platform.incidents.idle();
    let fe2 = (await incident(fireId)).units.find((u: { unitId: string }) => u.unitId === U('fe-2'));
    assert.equal(fe2.status, 'enRoute');
    await upsert(call, admin, [{ id: U('fe-2'), type: 'EmergencyVehicle', status: { type: 'Property', value: 'onScene' } }]);
    await t.platform.incidents.idle();
    fe2 = (await incident(fireId)).units.find((u: { unitId: string }) => u.unitId === U('fe-2'));
    assert.equal(fe2.status, 'onScene');
    const last = (await incident(fireId)).timeline.filter((e: { kind: string }) => e.kind === 'unitStatus').at(-1);
    assert.equal(last.actor, `system:unit:${U('fe-2')}`);
    assert.equal(last.details.source, 'hub');
  });

  test('steps, notes and close with an outcome; closing releases the units still attached; a second close is a 409', async () => {
    assert.equal((await call(operator, 'POST', `/api/v1/incidents/${fireId}/steps/verify/done`)).status, 200);
    const twice = await call(operator, 'POST', `/api/v1/incidents/${fireId}/steps/verify/done`);
    assert.equal(twice.status, 409);
    const unknownStep = await call(operator, 'POST', `/api/v1/incidents/${fireId}/steps/pray/done`);
    assert.equal(unknownStep.status, 404);
    assert.match(unknownStep.body.detail, /verify, dispatch, notify, evacuate, confirmOut/);
    assert.equal((await call(operator, 'POST', `/api/v1/incidents/${fireId}/notes`, { text: '明火已控制 Fire under control' })).status, 200);
    const badOutcome = await call(operator, 'POST', `/api/v1/incidents/${fireId}/close`, { outcome: 'whatever' });
    assert.equal(badOutcome.status, 400);
    const closed = await call(operator, 'POST', `/api/v1/incidents/${fireId}/close`, { outcome: 'resolved', note: '无人员伤亡' });
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.equal(closed.body.status, 'closed');
    assert.equal(closed.body.outcome, 'resolved');
    assert.ok(closed.body.units.every((u: { status: string }) => u.status === 'clear'));
    for (const id of ['fe-2', 'amb-2']) {
      const e = await hubEntity(call, admin, U(id));
      assert.equal(e.status, 'available', id);
      assert.equal(e.refIncident, undefined);
    }
    assert.equal((await hubEntity(call, admin, `urn:ngsi-ld:Incident:${fireId}`)).outcome, 'resolved');
    const again = await call(operator, 'POST', `/api/v1/incidents/${fireId}/close`, { outcome: 'resolved' });
    assert.equal(again.status, 409);
    assert.match(again.body.detail, /already closed/);
    assert.equal((await call(operator, 'GET', '/api/v1/incidents')).body.total, 0);
    assert.equal((await call(operator, 'GET', '/api/v1/incidents?status=closed')).body.total, 1);
  });

  test('the timeline lists every step with its time, in order', async () => {
    const { timeline } = await incident(fireId);
    assert.deepEqual(
      timeline.map((e: { kind: string }) => e.kind),
      [
        'opened',
        'alarmJoined',
        'alarmJoined',
        'acknowledged',
        'dispatched',
        'dispatched',
        'dispatched',
        'unitStatus',
        'unitStatus',
        'unitStatus',
        'unitStatus',
        'unitStatus',
        'stepDone',
        'note',
        'unitStatus',
        'unitStatus',
        'closed',
      ],
    );
    for (let i = 1; i < timeline.length; i++) assert.ok(timeline[i - 1].at <= timeline[i].at, `${timeline[i - 1].at} <= ${timeline[i].at}`);
    assert.equal(timeline[3].actor, 'duty-operator');
    const audit = await t.platform.store.query<{ action: string }>(`SELECT action FROM audit_log WHERE target_id = $1 ORDER BY id`, [fireId]);
    assert.deepEqual(
      [...new Set(audit.map((a) => a.action))].sort(),
      ['incident.acknowledge', 'incident.alarmJoin', 'incident.close', 'incident.dispatch', 'incident.note', 'incident.open', 'incident.stepDone', 'incident.unitStatus'],
    );
  });

  test('an incident not acknowledged within its plan time is escalated once, with a raised severity, however many sweepers run', async () => {
    const opened = await call(operator, 'POST', '/api/v1/incidents', { type: 'gasLeak', location: north(3000), title: '天目山路燃气泄漏' });
    assert.equal(opened.status, 201, JSON.stringify(opened.body));
    const id = opened.body.id;
    assert.equal(opened.body.openedBy, 'duty-operator');
    // Two more processes whose clocks read 30 s and 61 s after now.
    let offset = 30_000;
    const deps = {
      store: t.platform.store,
      audit: t.platform.audit,
      tenancy: t.platform.tenancy,
      hub: t.platform.context.hub,
      reader: t.platform.context.reader,
      live: t.platform.subscriptions.live,
      terms: t.platform.context.resolver.core,
      logger: t.platform.server.log as never,
      now: () => new Date(Date.now() + offset),
      background: false,
    };
    const others: IncidentsParts[] = [await createIncidents(deps), await createIncidents(deps)];
    try {
      const [a, b] = others as [IncidentsParts, IncidentsParts];
      assert.equal((await a.sweep()).escalated, 0, 'not yet due at 30 s');
      offset = 61_000;
      const sweeps = await Promise.all([a.sweep(), b.sweep(), a.sweep(), b.sweep()]);
      assert.equal(
        sweeps.reduce((n, s) => n + s.escalated, 0),
        1,
      );
      const escalated = await incident(id);
      assert.equal(escalated.escalated, true);
      assert.equal(escalated.severity, 'critical', 'major → critical');
      assert.equal(escalated.timeline.at(-1).kind, 'escalated');
      assert.equal((await hubEntity(call, admin, `urn:ngsi-ld:Incident:${id}`)).escalated, true);
      assert.equal((await a.sweep()).escalated, 0);
    } finally {
      for (const o of others) await o.close();
    }
  });

  test('a burst of fire alerts heard by three processes at once opens one incident that all of them join', async () => {
    const deps = {
      store: t.platform.store,
      audit: t.platform.audit,
      tenancy: t.platform.tenancy,
      hub: t.platform.context.hub,
      reader: t.platform.context.reader,
      live: t.platform.subscriptions.live,
      terms: t.platform.context.resolver.core,
      logger: t.platform.server.log as never,
      background: false,
    };
    const others: IncidentsParts[] = [await createIncidents(deps), await createIncidents(deps)];
    try {
      const far = north(10_000);
      await upsert(
        call,
        admin,
        [0, 20, 40, 60, 80].map((m, i) => alert(`burst-${i}`, 'fire', { lat: far.lat + m / 111_195, long: far.long })),
      );
      await Promise.all([t.platform.incidents.idle(), ...others.map((o) => o.idle())]);
      const fires = (await call(operator, 'GET', '/api/v1/incidents?status=all&limit=100')).body.incidents.filter(
        (i: { alarmIds: string[] }) => i.alarmIds.some((a) => a.startsWith('burst-')),
      );
      assert.equal(fires.length, 1);
      assert.deepEqual([...fires[0].alarmIds].sort(), ['burst-0', 'burst-1', 'burst-2', 'burst-3', 'burst-4']);
      const joins = (await incident(fires[0].id)).timeline.filter((e: { kind: string }) => e.kind === 'alarmJoined');
      assert.equal(joins.length, 5, 'each alert joined once');
    } finally {
      for (const o of others) await o.close();
    }
  });

  test('bad input to POST /incidents is a 400 that says what to fix', async () => {
    const noType = await call(operator, 'POST', '/api/v1/incidents', { type: 'meteor', location: SCENE });
    assert.equal(noType.status, 400);
    assert.match(noType.body.detail, /type/);
    const noPlace = await call(operator, 'POST', '/api/v1/incidents', { type: 'fire', location: { lat: 95, long: 120 } });
    assert.equal(noPlace.status, 400);
    assert.match(noPlace.body.detail, /lat/);
    const missing = await call(operator, 'GET', '/api/v1/incidents/INC-0-0');
    assert.equal(missing.status, 404);
  });

  test('three citizen reports of one kind within 300 m and 2 h open a citizenReports incident; a fourth joins it', async () => {
    const now = Date.now();
    await upsert(call, admin, [
      serviceRequest('HZ-1', 'garbage', north(2600), new Date(now - 90 * 60_000)),
      serviceRequest('HZ-2', 'garbage', north(2700), new Date(now - 30 * 60_000)),
      serviceRequest('HZ-X', 'pothole', north(2650), new Date(now - 10 * 60_000)),
      serviceRequest('HZ-F', 'garbage', north(3500), new Date(now - 10 * 60_000)),
    ]);
    await t.platform.incidents.idle();
    const countOf = async () => (await call(operator, 'GET', '/api/v1/incidents?status=all&limit=100')).body.incidents.filter((i: { type: string }) => i.type === 'citizenReports');
    assert.equal((await countOf()).length, 0, 'two of a kind nearby are not yet a cluster');
    await upsert(call, admin, [serviceRequest('HZ-3', 'garbage', north(2500), new Date(now))]);
    await t.platform.incidents.idle();
    const [cluster] = await countOf();
    assert.ok(cluster, 'a citizenReports incident was opened');
    assert.deepEqual(cluster.requestIds, ['HZ-1', 'HZ-2', 'HZ-3']);
    assert.equal(cluster.openedBy, 'system:reports');
    const view = await incident(cluster.id);
    assert.equal(view.plan.notify[0].department, 'urban-management', 'the routed department is the one to notify');
    await upsert(call, admin, [serviceRequest('HZ-4', 'garbage', north(2550), new Date(now))]);
    await t.platform.incidents.idle();
    const after = await countOf();
    assert.equal(after.length, 1);
    assert.deepEqual(after[0].requestIds, ['HZ-1', 'HZ-2', 'HZ-3', 'HZ-4']);
  });
});
