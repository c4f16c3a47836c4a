/** Issue item 3: the SLA clock pauses, overdue requests are escalated once, and the on-time rate is computed as defined. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Principal } from '../../src/platform/auth/model.ts';
import { createServiceRequests, type RequestsParts } from '../../src/requests/index.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

const citizen: Principal = { kind: 'user', id: 'c0ffee00-0000-4000-8000-000000000001', name: 'citizen', tenant: 'hangzhou', roles: ['citizen'], department: null };
const officer: Principal = { kind: 'user', id: 'c0ffee00-0000-4000-8000-000000000002', name: 'road-officer', tenant: 'hangzhou', roles: ['officer'], department: 'transport' };

describe('SLA: clock, overdue and escalation', () => {
  let t: TestPlatform;
  let clock: Date;
  let requests: RequestsParts;
  /** Another process sweeping the same store at the same time. */
  let otherProcess: RequestsParts;
  const at = (iso: string) => {
    clock = new Date(iso);
  };
  const file = async (lat: number, text: string, code = 'pothole') =>
    (
      await requests.service.submit(
        'hangzhou',
        { serviceCode: code, lat, long: 120.1, description: text, attributes: code === 'pothole' ? { depth_cm: 5, lane: 'bike' } : {} },
        citizen,
      )
    ).request.id;

  before(async () => {
    t = await startTestPlatform();
    const deps = {
      store: t.platform.store,
      tenancy: t.platform.tenancy,
      hub: t.platform.context.hub,
      terms: t.platform.context.resolver.core,
      logger: t.platform.server.log as never,
      config: t.platform.config,
      now: () => clock,
      background: false,
    };
    requests = createServiceRequests(deps);
    otherProcess = createServiceRequests(deps);
  });
  after(async () => {
    await requests.close();
    await otherProcess.close();
    await t.close();
  });

  test('a request whose clock is paused is not overdue while paused, and its due time grows by the pause', async () => {
    at('2025-05-01T00:00:00Z');
    const id = await file(30.2, '保俶路有坑');
    at('2025-05-01T10:00:00Z');
    await requests.service.setWaiting(officer, id, true, '请补充照片');
    // 100 h after filing, 28 h past the 72 h target — but waiting on the citizen since hour 10.
    at('2025-05-05T04:00:00Z');
    const paused = await requests.service.get('hangzhou', id, officer);
    assert.equal(paused.paused, true);
    assert.equal(paused.overdue, false);
    assert.equal((await requests.sweep()).escalated, 0);
    assert.equal((await requests.service.get('hangzhou', id, officer)).escalatedAt, null);
    // Resumed after a 90 h pause (05-01T10:00 → 05-05T04:00): due 72 h + 90 h after filing = 2025-05-07T18:00Z.
    const resumed = await requests.service.setWaiting(officer, id, false);
    assert.equal(resumed.dueAt, '2025-05-07T18:00:00.000Z');
    assert.equal(resumed.overdue, false);
    at('2025-05-07T18:00:01Z');
    assert.equal((await requests.service.get('hangzhou', id, officer)).overdue, true);
  });

  test('an overdue request is escalated once, however often and by however many processes the sweeper runs', async () => {
    await requests.sweep(); // escalates what the previous test left overdue
    at('2025-06-01T00:00:00Z');
    const id = await file(30.21, '曙光路有坑');
    at('2025-06-04T00:00:01Z'); // 72 h and a second later
    const sweeps = await Promise.all([requests.sweep(), otherProcess.sweep(), requests.sweep(), otherProcess.sweep()]);
    assert.equal(sweeps.reduce((n, s) => n + s.escalated, 0), 1);
    at('2025-06-05T00:00:00Z');
    for (let i = 0; i < 3; i++) assert.equal((await requests.sweep()).escalated, 0);
    const view = await requests.service.get('hangzhou', id, officer);
    assert.equal(view.escalatedAt, '2025-06-04T00:00:01.000Z');
    assert.equal(view.timeline.filter((e) => e.kind === 'escalated').length, 1);
    const inbox = await requests.service.notifications(officer);
    assert.equal(inbox.filter((n) => n.requestId === id && /Escalated/.test(n.text)).length, 1, 'the department is told once');
  });

  test('the on-time rate matches a hand computation', async () => {
    // Garbage: resolution target 24 h. Five requests filed 2025-07-01T00:00Z, stats read at 07-03T00:00Z:
    //   A fixed after 10 h            → resolved on time
    //   B fixed after 30 h            → resolved late
    //   C closed (referred) after 20 h → resolved on time
    //   D still open, due 07-02T00:00Z → open and overdue (counts as late)
    //   E paused at 12 h, still paused → open, not overdue (counts neither way)
    // on-time = resolved by due ÷ (resolved + open overdue) = 2 ÷ (3 + 1) = 0.5
    // median resolution = median(600, 1800, 1200) min = 1200 min; response: median(600, 1800, 1200, 720) = 960 min.
    const from = '2025-07-01T00:00:00Z';
    at(from);
    const [a, b, c, d, e] = [
      await file(30.3, 'A', 'garbage'),
      await file(30.31, 'B', 'garbage'),
      await file(30.32, 'C', 'garbage'),
      await file(30.33, 'D', 'garbage'),
      await file(30.34, 'E', 'garbage'),
    ];
    const urban: Principal = { ...officer, department: 'urban-management' };
    at('2025-07-01T10:00:00Z');
    await requests.service.changeStatus(urban, a as string, { status: 'fixed' });
    at('2025-07-01T12:00:00Z');
    await requests.service.setWaiting(urban, e as string, true);
    at('2025-07-01T20:00:00Z');
    await requests.service.changeStatus(urban, c as string, { status: 'closed', closeReason: 'referred' });
    at('2025-07-02T06:00:00Z');
    await requests.service.changeStatus(urban, b as string, { status: 'fixed' });
    at('2025-07-03T00:00:00Z');
    assert.ok(d);
    const report = await requests.service.stats('hangzhou', { from, to: '2025-07-02T00:00:00Z' });
    assert.equal(report.totals.received, 5);
    assert.equal(report.totals.resolved, 3);
    assert.equal(report.totals.overdueOpen, 1);
    assert.equal(report.totals.onTimeRate, 0.5);
    assert.equal(report.totals.medianResolutionMinutes, 1200);
    assert.equal(report.totals.medianResponseMinutes, 960);
    assert.equal(report.byDepartment[0]?.department, 'urban-management');
    assert.equal(report.byDepartment[0]?.onTimeRate, 0.5);
  });
});
