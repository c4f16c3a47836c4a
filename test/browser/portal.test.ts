/** The portal in a real browser (Debian's Chromium through playwright-core): log in, switch language, see the unified entry. */
/// <reference lib="dom" />
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { ADMIN_PASSWORD } from '../support/platform.ts';
import { browserMissing as missing, type Portal, SHOTS, startPortal } from '../support/browser.ts';


describe('portal: login, language and the unified entry', { skip: missing }, () => {
  let portal: Portal;
  before(async () => {
    portal = await startPortal();
  });
  after(() => portal?.close());

  async function logIn(page: Page): Promise<void> {
    await page.goto(`${portal.base}/`);
    await page.waitForURL(/\/login/);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('service-grid').waitFor();
  }

  test('a wrong password shows the server\'s reason on the login page', async () => {
    const page = await portal.browser.newPage();
    await page.goto(`${portal.base}/login`);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill('not-the-password');
    await page.getByTestId('login-submit').click();
    await assert.doesNotReject(page.getByTestId('login-error').waitFor());
    assert.match((await page.getByTestId('login-error').textContent()) ?? '', /Wrong username or password|用户名或密码/);
    await page.close();
  });

  test('an admin logs in and sees the home page in Chinese, then in English', async () => {
    const page = await portal.browser.newPage({ viewport: { width: 1440, height: 900 } });
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    page.on('requestfailed', (request) => failures.push(`${request.url()} ${request.failure()?.errorText}`));
    await logIn(page);

    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    const grid = page.getByTestId('service-grid');
    assert.match((await grid.textContent()) ?? '', /城市数据/);
    assert.ok((await grid.getByTestId(/^service-card-/).count()) >= 10, 'every service has a card');
    assert.ok(await page.getByTestId('service-card-admin').isVisible(), 'admins see administration');
    const map = page.getByTestId('city-map');
    await map.locator('canvas').first().waitFor();
    const box = await map.boundingBox();
    assert.ok(box && box.width > 200 && box.height > 150, 'the city map is drawn at a usable size');
    await page.waitForTimeout(500); // let the map's first frame settle before the screenshot
    await page.screenshot({ path: path.join(SHOTS, 'home-zh-desktop.png'), fullPage: true });

    await page.getByTestId('lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.match((await grid.textContent()) ?? '', /City data/);
    assert.doesNotMatch((await grid.textContent()) ?? '', /城市数据/);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SHOTS, 'home-en-desktop.png'), fullPage: true });

    // The choice of language survives a reload.
    await page.reload();
    await page.getByTestId('service-grid').waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.deepEqual(failures, []);
    await page.close();
  });

  test('on a phone the home page fits the screen in both languages', async () => {
    const context = await portal.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await logIn(page);
    for (const lang of ['zh', 'en'] as const) {
      const current = await page.getAttribute('html', 'lang');
      if ((lang === 'en') !== (current === 'en')) {
        await page.getByTestId('lang-switch').click();
        await page.waitForFunction((want) => (document.documentElement.lang === 'en') === (want === 'en'), lang);
      }
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no sideways scrolling on a phone (${lang}: ${overflow}px too wide)`);
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(SHOTS, `home-${lang}-phone.png`), fullPage: true });
    }
    await context.close();
  });

  test('an admin creates an officer and an API key in the portal, and sees both in the audit log', async () => {
    const page = await portal.browser.newPage({ viewport: { width: 1440, height: 900 } });
    await logIn(page);
    await page.goto(`${portal.base}/admin`);
    await page.getByTestId('user-form').waitFor();
    await page.getByTestId('user-username').fill('officer.sun');
    await page.getByTestId('user-display-name').fill('孙警官');
    await page.getByTestId('user-password').fill('officer-pass-1');
    await page.getByTestId('user-role-officer').check();
    await page.getByTestId('user-department').selectOption('urban-management');
    await page.getByTestId('user-submit').click();
    await page.getByTestId('user-row-officer.sun').waitFor();

    await page.getByTestId('admin-tab-keys').click();
    await page.getByTestId('key-name').fill('traffic lights gateway');
    await page.getByTestId('key-role').selectOption('operator');
    await page.getByTestId('key-submit').click();
    const key = (await page.getByTestId('new-key-value').textContent())?.trim() ?? '';
    assert.match(key, /^cck_/);
    const me = await portal.t.platform.server.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${key}` } });
    assert.equal(me.statusCode, 200, 'the key shown once in the portal works');
    assert.match((await page.getByTestId('keys-table').textContent()) ?? '', /traffic lights gateway[\s\S]*admin/);
    await page.screenshot({ path: path.join(SHOTS, 'admin-keys.png'), fullPage: true });

    await page.getByTestId('admin-tab-audit').click();
    await page.getByTestId('audit-row').first().waitFor();
    const audit = (await page.getByTestId('audit-table').textContent()) ?? '';
    assert.match(audit, /officer\.sun|user\.create|创建用户/);
    assert.match(audit, /traffic lights gateway|apiKey\.create|创建.*密钥/);
    await page.screenshot({ path: path.join(SHOTS, 'admin-audit.png'), fullPage: true });
    await page.close();
  });

  test('a citizen does not see administration, and logging out returns to the login page', async () => {
    await portal.t.platform.server.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { username: 'citizen.li', password: 'citizen-pass-1' } });
    const page = await portal.browser.newPage();
    await page.goto(`${portal.base}/login`);
    await page.getByTestId('login-username').fill('citizen.li');
    await page.getByTestId('login-password').fill('citizen-pass-1');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('service-grid').waitFor();
    assert.equal(await page.getByTestId('service-card-admin').count(), 0);
    await page.getByTestId('logout').click();
    await page.waitForURL(/\/login/);
    await page.close();
  });
});
