/**
 * Citizen service requests end to end in a real Chromium (issue 7, item 2): a citizen on a phone reports a
 * pothole with a photo and a pin, it goes to the Transport Bureau, a second citizen nearby follows it instead
 * of filing again, an officer fixes it from the queue, the citizen sees "fixed" with the note and rates it,
 * and the public statistics count it.
 */
/// <reference lib="dom" />
import assert from 'node:assert/strict';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { browserMissing as missing, type Portal, SHOTS, startPortal } from '../support/browser.ts';
import { bearer } from '../support/platform.ts';

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } as const;
const DESKTOP = { viewport: { width: 1440, height: 900 } } as const;
const WALL = { width: 1920, height: 1080 } as const;

const FIRST = { username: 'citizen.zhang', password: 'zhang-pass-123', name: '张女士' };
const SECOND = { username: 'citizen.li', password: 'li-pass-12345' };
const OFFICER = { username: 'officer.wang', password: 'wang-pass-123', name: '王工' };
const OFFICER_NOTE = '已于今日完成坑洼修补，路面已恢复平整。';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A real PNG photo of a pothole, drawn pixel by pixel: grey asphalt, a lane marking, a dark hole with water in it. */
function potholePng(width = 160, height = 120): Buffer {
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      const dx = (x - width * 0.55) / (width * 0.22);
      const dy = (y - height * 0.6) / (height * 0.16);
      const inHole = dx * dx + dy * dy < 1;
      const inWater = inHole && dx * dx + dy * dy < 0.35;
      const marking = Math.abs(x - width * 0.2) < 3 && y % 24 < 14;
      const grain = ((x * 31 + y * 17) % 13) - 6;
      const [r, g, b] = inWater ? [70, 90, 110] : inHole ? [45, 42, 40] : marking ? [235, 235, 225] : [120 + grain, 122 + grain, 125 + grain];
      row.set([r, g, b], 1 + x * 3);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Page errors and failed requests, to assert none happened. */
function watch(page: Page): string[] {
  const failures: string[] = [];
  page.on('pageerror', (error) => failures.push(error.message));
  page.on('requestfailed', (request) => {
    // A photo fetch aborted because the page moved on is not a failure.
    if (request.failure()?.errorText !== 'net::ERR_ABORTED') failures.push(`${request.url()} ${request.failure()?.errorText}`);
  });
  return failures;
}

async function shot(page: Page, name: string): Promise<void> {
  // From the top, so the sticky top bar is drawn where it belongs in a full-page picture.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300); // let the canvases draw their first frame
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

async function assertFitsPhone(page: Page, where: string): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling on a phone (${where}: ${overflow}px too wide)`);
}

/** No dictionary key (`requests.…`) shows through untranslated. */
async function assertTranslated(page: Page, where: string): Promise<void> {
  const text = (await page.locator('body').textContent()) ?? '';
  assert.doesNotMatch(text, /requests\.[a-z]+\.[a-zA-Z]+/, `untranslated key on ${where}`);
}

async function logIn(page: Page, base: string, user: { username: string; password: string }, next = '/'): Promise<void> {
  await page.goto(`${base}/login?next=${encodeURIComponent(next)}`);
  await page.getByTestId('login-username').fill(user.username);
  await page.getByTestId('login-password').fill(user.password);
  await page.getByTestId('login-submit').click();
}

describe('portal: citizen service requests from report to resolution', { skip: missing }, () => {
  let portal: Portal;
  let citizen: BrowserContext;
  let citizenPage: Page;
  let citizenFailures: string[];
  let requestId = '';
  let pin = { lat: 0, long: 0 };

  before(async () => {
    portal = await startPortal();
    const created = await portal.t.platform.server.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: bearer(portal.t.adminToken),
      payload: { username: OFFICER.username, password: OFFICER.password, displayName: OFFICER.name, roles: ['officer'], department: 'transport' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const registered = await portal.t.platform.server.inject({ method: 'POST', url: '/api/v1/auth/register', payload: SECOND });
    assert.ok(registered.statusCode === 200 || registered.statusCode === 201, registered.body);
    citizen = await portal.browser.newContext(PHONE);
    citizenPage = await citizen.newPage();
    citizenFailures = watch(citizenPage);
  });
  after(async () => {
    await citizen?.close();
    await portal?.close();
  });

  test('a citizen registers on a phone, reports a pothole with a photo and a map pin, and it goes to the Transport Bureau', async () => {
    const page = citizenPage;
    await page.goto(`${portal.base}/register`);
    await page.getByTestId('register-username').fill(FIRST.username);
    await page.getByTestId('register-display-name').fill(FIRST.name);
    await page.getByTestId('register-password').fill(FIRST.password);
    await page.getByTestId('register-confirm').fill(FIRST.password);
    await page.getByTestId('register-submit').click();
    await page.getByTestId('service-grid').waitFor();

    // From the home page through the phone menu to the requests section, then "report a problem".
    await page.getByTestId('menu-button').tap();
    await page.getByTestId('nav-requests').tap();
    await page.waitForURL(/\/requests\/mine$/);
    await page.getByTestId('mine-empty').waitFor();
    await page.getByTestId('requests-tab-new').tap();
    await page.waitForURL(/\/requests\/new$/);
    assert.match((await page.locator('h1').textContent()) ?? '', /我要反映/);

    await page.getByTestId('request-category-pothole').tap();
    assert.match((await page.getByTestId('request-attr-safety_note').textContent()) ?? '', /请勿在车道上停留拍照/, 'the informational attribute is shown as a notice');
    await page.getByTestId('request-attr-depth_cm').fill('12');
    await page.getByTestId('request-attr-hazards-water').check();
    await page.getByTestId('request-attr-hazards-busy').check();

    // The photo: a real PNG, previewed and uploaded before the report is sent.
    await page.getByTestId('request-photo').setInputFiles({ name: 'pothole.png', mimeType: 'image/png', buffer: potholePng() });
    await page.locator('[data-testid="request-photo-item"][data-state="done"]').waitFor();

    // A tap on the map drops the pin and names the district it is in.
    const canvas = page.getByTestId('request-map-canvas');
    await canvas.locator('canvas').first().waitFor();
    await page.waitForTimeout(300);
    const box = await canvas.boundingBox();
    assert.ok(box && box.width > 300 && box.height > 250, 'the map is big enough to tap on a phone');
    await canvas.tap({ position: { x: box.width * 0.645, y: box.height * 0.45 } });
    assert.match((await page.getByTestId('request-pin-district').textContent()) ?? '', /西湖区/, 'the pin names the district it is in');
    const readout = page.getByTestId('request-pin');
    pin = { lat: Number(await readout.getAttribute('data-lat')), long: Number(await readout.getAttribute('data-long')) };
    assert.ok(pin.lat > 29.7 && pin.lat < 30.6 && pin.long > 118.8 && pin.long < 120.8, `the pin is in Hangzhou (${pin.lat}, ${pin.long})`);

    await page.getByTestId('request-description').fill('文三路学院路口东侧机动车道上有一个大坑，约十几厘米深，下雨后积水，电动车经过很危险。');
    await shot(page, 'requests-1-report-phone');

    // The lane is required: sending without it names the field, and nothing is filed.
    await page.getByTestId('request-submit').tap();
    await page.getByTestId('request-attr-lane-error').waitFor();
    assert.match((await page.getByTestId('request-attr-lane-error').textContent()) ?? '', /车道/);
    await page.getByTestId('request-attr-lane-motorway').check();
    await page.getByTestId('request-submit').tap();

    const confirmation = page.getByTestId('request-confirmation');
    await confirmation.waitFor();
    requestId = ((await page.getByTestId('request-confirmation-id').textContent()) ?? '').trim();
    assert.ok(requestId.length > 0, 'the confirmation shows the request id');
    assert.equal(((await page.getByTestId('request-confirmation-department').textContent()) ?? '').trim(), '交通运输局');
    assert.match((await page.getByTestId('request-confirmation-due').textContent()) ?? '', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}（北京时间）$/);
    await assertFitsPhone(page, 'confirmation');
    await assertTranslated(page, 'confirmation');
    await shot(page, 'requests-2-confirmation-phone');

    // What the server stored: the pin, the answers and the photo, routed to transport.
    const stored = await portal.t.platform.server.inject({ method: 'GET', url: `/api/v1/requests/${encodeURIComponent(requestId)}`, headers: bearer(portal.t.adminToken) });
    const view = stored.json();
    assert.equal(view.department, 'transport');
    assert.equal(view.serviceCode, 'pothole');
    assert.deepEqual([view.lat, view.long], [pin.lat, pin.long]);
    assert.deepEqual(view.attributes, { depth_cm: 12, lane: 'motorway', hazards: ['water', 'busy'] });
    assert.equal(view.media.length, 1);
  });

  test('a second citizen reporting a pothole nearby from their location is offered the first report and follows it', async () => {
    // About 30 m from the first pin, found with "use my location".
    const context = await portal.browser.newContext({
      ...PHONE,
      geolocation: { latitude: pin.lat + 0.0002, longitude: pin.long + 0.0002 },
      permissions: ['geolocation'],
    });
    const page = await context.newPage();
    const failures = watch(page);
    await logIn(page, portal.base, SECOND, '/requests/new');
    await page.waitForURL(/\/requests\/new$/);
    await page.getByTestId('request-category-pothole').tap();
    await page.getByTestId('request-locate').tap();
    await page.getByTestId('request-pin-district').waitFor();
    await page.getByTestId('request-description').fill('学院路口机动车道有个大坑，积水很深，电动车容易摔倒。');

    const offer = page.getByTestId('request-duplicates');
    await offer.waitFor();
    assert.match((await offer.textContent()) ?? '', /这个问题可能已有人反映/);
    const follow = page.getByTestId(`duplicate-follow-${requestId}`);
    assert.ok(await follow.isVisible(), 'the first report is offered to follow');
    assert.ok(await page.getByTestId('duplicate-dismiss').isVisible(), 'and the citizen may still send a new report');
    await assertFitsPhone(page, 'duplicate offer');
    await offer.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'requests-3-duplicate-offer-phone.png') });

    await follow.tap();
    await page.getByTestId('request-followed').waitFor();
    await page.goto(`${portal.base}/requests/mine`);
    const item = page.getByTestId(`mine-item-${requestId}`);
    await item.waitFor();
    assert.match((await item.textContent()) ?? '', /关注中/);
    await shot(page, 'requests-4-follower-mine-phone');

    const count = await portal.t.platform.server.inject({ method: 'GET', url: '/api/v1/requests/mine', headers: bearer(await portal.t.login(SECOND.username, SECOND.password)) });
    assert.deepEqual(
      count.json().requests.map((r: { id: string }) => r.id),
      [requestId],
      'following filed nothing new',
    );
    assert.deepEqual(failures, []);
    await context.close();
  });

  test('an officer of the Transport Bureau approves the photo and marks the request fixed with a note from the queue', async () => {
    const context = await portal.browser.newContext(DESKTOP);
    const page = await context.newPage();
    const failures = watch(page);
    await logIn(page, portal.base, OFFICER);
    await page.getByTestId('service-grid').waitFor();
    await page.getByTestId('nav-requests').click();
    await page.waitForURL(/\/requests\/queue$/);
    const row = page.getByTestId(`queue-row-${requestId}`);
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /道路坑洼/);
    assert.match((await page.locator('.page-header').textContent()) ?? '', /交通运输局/);

    // Review the photo in the request's own panel.
    await page.getByTestId(`queue-open-${requestId}`).click();
    const panel = page.getByTestId('officer-panel');
    await panel.waitFor();
    await panel.locator('[data-testid^="media-approve-"]').click();
    await panel.locator('[data-review="approved"]').waitFor();
    await panel.locator('img').first().waitFor();
    await shot(page, 'requests-5-queue-panel-desktop');
    await page.getByTestId(`queue-open-${requestId}`).click();

    // Tick it and fix it with a note, in bulk.
    await page.getByTestId(`queue-select-${requestId}`).check();
    await page.getByTestId('bulk-action').selectOption('fixed');
    await page.getByTestId('bulk-note').fill(OFFICER_NOTE);
    await page.setViewportSize(WALL);
    await shot(page, 'requests-5-queue-bulk-1920');
    await page.setViewportSize(DESKTOP.viewport);
    await page.getByTestId('bulk-apply').click();
    const result = page.getByTestId('bulk-result');
    await result.waitFor();
    assert.match((await result.textContent()) ?? '', /1 件已处理，0 件未能处理/);
    // Fixed requests leave the queue of work to do; the status filter still finds them.
    await row.waitFor({ state: 'detached' });
    await page.getByTestId('queue-filter-status').selectOption('fixed');
    await page.locator(`[data-testid="queue-row-${requestId}"][data-status="fixed"]`).waitFor();
    await shot(page, 'requests-5-queue-fixed-desktop');
    assert.deepEqual(failures, []);
    await context.close();
  });

  test('the first citizen sees the report fixed with the officer\'s note, and rates it five stars', async () => {
    const page = citizenPage;
    await page.goto(`${portal.base}/requests/mine`);
    await page.getByTestId('requests-unread').waitFor();
    assert.ok(Number(await page.getByTestId('requests-unread').getAttribute('data-count')) >= 1, 'the unread count shows');
    assert.match((await page.getByTestId(`mine-status-${requestId}`).textContent()) ?? '', /已办结/);
    await assertFitsPhone(page, 'my reports');
    await shot(page, 'requests-6-mine-phone');

    await page.getByTestId(`mine-item-${requestId}`).tap();
    await page.getByTestId('request-view').waitFor();
    await page.getByTestId('request-fixed').waitFor();
    await page.getByTestId('requests-unread').waitFor({ state: 'detached' }); // opening the request read its messages
    assert.match((await page.getByTestId('request-fixed').textContent()) ?? '', /问题已办结/);
    assert.match((await page.getByTestId('request-officer-note').textContent()) ?? '', new RegExp(OFFICER_NOTE));
    const timeline = (await page.getByTestId('request-timeline').textContent()) ?? '';
    assert.match(timeline, /状态更新为“已办结”/);
    assert.match(timeline, /北京时间/);
    await page.getByTestId('request-photos-view').locator('img').first().waitFor();
    await assertFitsPhone(page, 'request page');
    await assertTranslated(page, 'request page');
    await shot(page, 'requests-7-fixed-phone');

    await page.getByTestId('rating-star-5').tap();
    await page.getByTestId('rating-comment').fill('修得很快，谢谢！');
    await page.getByTestId('rating-submit').tap();
    const rating = page.getByTestId('request-rating');
    await rating.waitFor();
    assert.match((await rating.textContent()) ?? '', /修得很快/);
    assert.equal(await page.getByTestId('rating-form').count(), 0, 'a request is rated once');
    await shot(page, 'requests-8-rated-phone');

    // The same page in English.
    await page.getByTestId('lang-switch').tap();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.match((await page.getByTestId('request-fixed').textContent()) ?? '', /Fixed/);
    await assertTranslated(page, 'request page in English');
    await shot(page, 'requests-9-fixed-en-phone');
    await page.getByTestId('lang-switch').tap();
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    assert.deepEqual(citizenFailures, []);
  });

  test('a photo that is not really an image, or is too large, is refused with a message saying what to do', async () => {
    const page = citizenPage;
    await page.goto(`${portal.base}/requests/new`);
    await page.getByTestId('request-category-streetlight').tap();
    // Text named .jpg: the browser calls it image/jpeg, the server reads the bytes and answers 415.
    await page.getByTestId('request-photo').setInputFiles({ name: 'lamp.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('this is not a photo\n') });
    const failed = page.locator('[data-testid="request-photo-item"][data-state="failed"]');
    await failed.waitFor();
    assert.match((await failed.getByTestId('request-photo-error').textContent()) ?? '', /不是 JPEG、PNG 或 WebP 格式的图片.*请重新拍照或换一张照片/);
    // Over 10 MB: refused before a long upload on a phone connection.
    await page.getByTestId('request-photo').setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(10 * 1024 * 1024 + 1) });
    await page.locator('[data-testid="request-photo-item"][data-state="failed"]').nth(1).waitFor();
    assert.match((await page.getByTestId('request-photo-error').nth(1).textContent()) ?? '', /超过 10 MB.*请压缩后再试/);

    // Sending with a refused photo still attached is stopped with a reason.
    await page.getByTestId('request-address').fill('文三路 478 号门口');
    await page.getByTestId('request-description').fill('路灯不亮');
    await page.getByTestId('request-submit').tap();
    await page.getByTestId('request-error-photos').waitFor();
    assert.equal(await page.getByTestId('request-confirmation').count(), 0);
    await assertFitsPhone(page, 'photo errors');
    await shot(page, 'requests-9b-photo-errors-phone');
    await page.setViewportSize(WALL);
    await shot(page, 'requests-9c-report-1920');
    await page.setViewportSize(PHONE.viewport);
    const mine = await portal.t.platform.server.inject({ method: 'GET', url: '/api/v1/requests/mine', headers: bearer(await portal.t.login(FIRST.username, FIRST.password)) });
    assert.deepEqual(
      mine.json().requests.map((r: { id: string }) => r.id),
      [requestId],
      'nothing new was filed',
    );
  });

  test('the public statistics page, opened without signing in, counts the request as received, resolved and rated', async () => {
    const context = await portal.browser.newContext(PHONE);
    const page = await context.newPage();
    const failures = watch(page);
    await page.goto(`${portal.base}/requests/stats`);
    await page.getByTestId('stats-totals').waitFor();
    assert.equal(page.url(), `${portal.base}/requests/stats`, 'no detour through the login page');
    assert.equal(await page.getByTestId('stats-total-received').getAttribute('data-value'), '1');
    assert.equal(await page.getByTestId('stats-total-resolved').getAttribute('data-value'), '1');
    assert.equal(await page.getByTestId('stats-total-satisfaction').getAttribute('data-value'), '1');
    assert.match((await page.getByTestId('stats-total-satisfaction').textContent()) ?? '', /100%/);
    const transport = page.getByTestId('stats-dept-transport');
    assert.equal(await transport.getAttribute('data-received'), '1');
    assert.equal(await transport.getAttribute('data-resolved'), '1');
    assert.match((await transport.textContent()) ?? '', /交通运输局/);
    await page.getByTestId('stats-by-department-volume-chart').locator('canvas').first().waitFor();
    const heat = page.getByTestId('stats-heatmap');
    await heat.getByTestId('stats-heatmap-canvas').locator('canvas').first().waitFor();
    assert.equal(await heat.getAttribute('data-reports'), '1');
    await assertFitsPhone(page, 'statistics');
    await assertTranslated(page, 'statistics');
    await shot(page, 'requests-10-stats-phone');

    await page.setViewportSize(WALL);
    await shot(page, 'requests-11-stats-1920');
    await page.getByTestId('lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.match((await page.locator('h1').textContent()) ?? '', /Citizen request statistics/);
    await assertTranslated(page, 'statistics in English');
    await shot(page, 'requests-12-stats-en-1920');
    assert.deepEqual(failures, []);
    await context.close();
  });
});
