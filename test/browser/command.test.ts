/**
 * The command center end to end in a real Chromium (issue 6): an operator watches the wall screen; a smoke detector
 * in a building triggers (written through the NGSI-LD API); the fire alarm shows on the map and in the list without a
 * reload and an incident opens; the operator opens it, sees the plan and the two nearest fire engines recommended,
 * dispatches them, moves them en route, on scene and clear, closes the incident, and the timeline shows every step.
 */
/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { browserMissing as missing, type Portal, shot, startPortal } from '../support/browser.ts';
import { bearer } from '../support/platform.ts';

const WALL = { width: 1920, height: 1080 } as const;
const OPERATOR = { username: 'operator.chen', password: 'chen-pass-1234', name: '陈值班' };

/** The burning building, in Shangcheng, Hangzhou. */
const BUILDING = { id: 'urn:ngsi-ld:Building:cmd-test-1', name: '望江小区 3 幢', long: 120.18, lat: 30.25 };
const SENSOR = 'urn:ngsi-ld:SecuritySensor:cmd-test-smoke-1';
/** Units at known offsets north of the building (1° latitude ≈ 111 km): the nearest two fire engines are the first two. */
const UNITS = [
  { id: 'urn:ngsi-ld:EmergencyVehicle:cmd-fe-1', name: '望江消防站 1 号车', kind: 'fireEngine', dLat: 0.006 },
  { id: 'urn:ngsi-ld:EmergencyVehicle:cmd-fe-2', name: '清波消防站 2 号车', kind: 'fireEngine', dLat: 0.012 },
  { id: 'urn:ngsi-ld:EmergencyVehicle:cmd-fe-3', name: '湖滨消防站 3 号车', kind: 'fireEngine', dLat: 0.03 },
  { id: 'urn:ngsi-ld:EmergencyVehicle:cmd-fe-4', name: '萧山消防站 4 号车', kind: 'fireEngine', dLat: -0.09 },
  { id: 'urn:ngsi-ld:EmergencyVehicle:cmd-amb-1', name: '市一医院救护车', kind: 'ambulance', dLat: 0.008 },
  { id: 'urn:ngsi-ld:EmergencyVehicle:cmd-pol-1', name: '上城公安巡逻车', kind: 'policeCar', dLat: 0.004 },
] as const;

const property = (value: unknown) => ({ type: 'Property', value });
const point = (long: number, lat: number) => ({ type: 'GeoProperty', value: { type: 'Point', coordinates: [long, lat] } });


describe('portal: the command center from a smoke alarm to a closed incident', { skip: missing }, () => {
  let portal: Portal;
  let context: BrowserContext;
  let page: Page;
  const failures: string[] = [];

  const ngsi = (method: 'POST' | 'PATCH', url: string, payload: unknown) => portal.asAdmin(method, url, payload);

  before(async () => {
    portal = await startPortal();
    const created = await portal.t.platform.server.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: bearer(portal.t.adminToken),
      payload: { username: OPERATOR.username, password: OPERATOR.password, displayName: OPERATOR.name, roles: ['operator'] },
    });
    assert.equal(created.statusCode, 201, created.body);
    await ngsi('POST', '/ngsi-ld/v1/entityOperations/upsert', [
      ...UNITS.map((u) => ({
        id: u.id,
        type: 'EmergencyVehicle',
        name: property(u.name),
        vehicleKind: property(u.kind),
        status: property('available'),
        location: point(BUILDING.long, BUILDING.lat + u.dLat),
        district: property('shangcheng'),
      })),
      { id: BUILDING.id, type: 'Building', name: property(BUILDING.name), category: property('residential'), location: point(BUILDING.long, BUILDING.lat), district: property('shangcheng'), occupancyState: property('home') },
      {
        id: SENSOR,
        type: 'SecuritySensor',
        name: property(`${BUILDING.name}烟雾报警器`),
        sensorKind: property('smoke'),
        refBuilding: { type: 'Relationship', object: BUILDING.id },
        location: point(BUILDING.long, BUILDING.lat),
        district: property('shangcheng'),
        state: property('idle'),
        value: property(0),
      },
    ]);
    context = await portal.browser.newContext({ viewport: WALL });
    await context.addInitScript(() => {
      if (!window.localStorage.getItem('citycloud.lang')) window.localStorage.setItem('citycloud.lang', 'zh');
    });
    page = await context.newPage();
    page.on('pageerror', (error) => failures.push(error.message));
    page.on('requestfailed', (request) => {
      if (request.failure()?.errorText !== 'net::ERR_ABORTED') failures.push(`${request.url()} ${request.failure()?.errorText}`);
    });
  });
  after(async () => {
    await context?.close();
    await portal?.close();
  });

  test('a smoke detector triggering shows a fire alarm on the live map and list, and an incident opens, without a reload', async () => {
    await page.goto(`${portal.base}/login?next=${encodeURIComponent('/command')}`);
    await page.getByTestId('login-username').fill(OPERATOR.username);
    await page.getByTestId('login-password').fill(OPERATOR.password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('command-center').waitFor();
    await page.locator('[data-testid="command-live-state"][data-state="live"]').waitFor({ timeout: 15_000 });
    await page.locator('[data-testid="command-map"][data-units="6"]').waitFor({ timeout: 15_000 });
    assert.equal(await page.getByTestId('command-count-units').getAttribute('data-value'), '6', 'six units available');
    assert.equal(await page.getByTestId('command-alarm').count(), 0, 'no alarm before the fire');

    const navigations: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations.push(frame.url());
    });
    const observedAt = new Date().toISOString();
    await ngsi('PATCH', `/ngsi-ld/v1/entities/${encodeURIComponent(SENSOR)}/attrs`, {
      state: { type: 'Property', value: 'triggered', observedAt },
      value: { type: 'Property', value: 30, observedAt },
    });

    const alarm = page.locator('[data-testid="command-alarm"][data-type="fire"]');
    await alarm.waitFor({ timeout: 30_000 });
    assert.equal(await alarm.getAttribute('data-severity'), 'critical');
    assert.equal(await alarm.getAttribute('data-acknowledged'), 'false');
    await page.locator('[data-testid="command-map"][data-alarms="1"]').waitFor({ timeout: 10_000 });
    const incident = page.locator('[data-testid="command-incident"][data-type="fire"]');
    await incident.waitFor({ timeout: 20_000 });
    await page.locator('[data-testid="command-map"][data-incidents="1"]').waitFor({ timeout: 10_000 });
    assert.ok(Number(await page.getByTestId('command-count-signals').getAttribute('data-value')) >= 1, 'the raw trigger is counted');
    assert.equal(await page.getByTestId('command-count-incidents').getAttribute('data-value'), '1');
    assert.deepEqual(navigations, [], 'the page was not reloaded');
    await shot(page, 'command-center-1920');

    // Acknowledging the alarm stops its pulse.
    await alarm.getByTestId('command-alarm-ack').click();
    await page.locator('[data-testid="command-alarm"][data-type="fire"][data-acknowledged="true"]').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="command-map"][data-alarms="0"][data-acked="1"]').waitFor({ timeout: 10_000 });
    assert.deepEqual(failures, []);
  });

  test('the operator dispatches the two nearest fire engines, moves them through their statuses, closes the incident, and the timeline shows each step', async () => {
    await page.locator('[data-testid="command-incident"][data-type="fire"] a').click();
    await page.getByTestId('incident-page').waitFor();
    const steps = page.getByTestId('incident-step');
    await steps.first().waitFor();
    assert.ok((await steps.count()) >= 2, 'the fire plan has steps');

    const fireLine = page.locator('[data-testid="incident-rec-line"][data-kind="fireEngine"]');
    await fireLine.waitFor({ timeout: 10_000 });
    const names = await fireLine.getByTestId('incident-rec-unit').evaluateAll((items) => items.map((item) => item.getAttribute('data-name')));
    assert.deepEqual(names.slice(0, 2), [UNITS[0].name, UNITS[1].name], 'the two nearest fire engines, nearest first');
    await fireLine.locator(`[data-testid="incident-rec-unit"][data-id="${UNITS[0].id}"] input`).check();
    await fireLine.locator(`[data-testid="incident-rec-unit"][data-id="${UNITS[1].id}"] input`).check();
    await page.getByTestId('incident-dispatch').click();
    await page.locator('[data-testid="incident-unit"][data-status="dispatched"]').nth(1).waitFor({ timeout: 10_000 });
    assert.deepEqual((await page.getByTestId('incident-unit-name').allTextContents()).sort(), [UNITS[0].name, UNITS[1].name].sort());

    for (const [button, status] of [
      ['incident-unit-enRoute', 'enRoute'],
      ['incident-unit-onScene', 'onScene'],
      ['incident-unit-clear', 'clear'],
    ] as const) {
      for (const unit of [UNITS[0], UNITS[1]]) {
        await page.locator(`[data-testid="incident-unit"][data-id="${unit.id}"]`).getByTestId(button).click();
        await page.locator(`[data-testid="incident-unit"][data-id="${unit.id}"][data-status="${status}"]`).waitFor({ timeout: 10_000 });
      }
    }

    await page.getByTestId('incident-step-done').first().click();
    await page.locator('[data-testid="incident-step"][data-done="true"]').first().waitFor({ timeout: 10_000 });
    await page.getByTestId('incident-note').fill('两车已到场扑灭厨房明火，无人员伤亡。');
    await page.getByTestId('incident-note-add').click();
    await page.locator('[data-testid="incident-event"][data-kind="note"]').waitFor({ timeout: 10_000 });
    await shot(page, 'command-incident-1920');

    await page.getByTestId('incident-outcome').selectOption('resolved');
    await page.getByTestId('incident-close').click();
    await page.locator('[data-testid="incident-page"][data-status="closed"]').waitFor({ timeout: 10_000 });
    await page.getByTestId('incident-closed').waitFor();

    const events = await page.getByTestId('incident-event').evaluateAll((items) =>
      items.map((item) => ({ kind: item.getAttribute('data-kind'), time: item.querySelector('time')?.textContent ?? '', text: item.textContent ?? '' })),
    );
    const kinds = events.map((e) => e.kind);
    for (const kind of ['opened', 'dispatched', 'unitStatus', 'stepDone', 'note', 'closed']) assert.ok(kinds.includes(kind), `the timeline shows ${kind}: ${kinds.join(', ')}`);
    assert.ok(kinds.filter((k) => k === 'unitStatus').length >= 6, 'each unit went en route, on scene and clear');
    for (const event of events) assert.match(event.time, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, `every event has its time (${event.kind})`);
    await shot(page, 'command-incident-closed-1920');
    assert.deepEqual(failures, []);
  });
});
