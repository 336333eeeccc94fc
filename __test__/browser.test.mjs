// The demo in a real headless Chromium (Debian's package, driven by playwright-core): sign in
// through the form, see the dashboard, reload, grow the session past the cookie limit (the server
// says so; the browser does not silently lose the session), sign out.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { createApp } from '../examples/demo/app.mjs';
import { KEY, notInstalled } from './helpers.mjs';

const CHROMIUM = '/usr/bin/chromium';

describe('demo in headless Chromium', { skip: !existsSync(CHROMIUM) && notInstalled('Debian chromium') }, () => {
  let server;
  let context;
  let profile;
  let base;

  before(async () => {
    server = createApp({ secretKey: KEY }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${server.address().port}`;
    profile = mkdtempSync(join(tmpdir(), 'kss-chromium-'));
    // A fresh user-data dir (playwright passes it as --user-data-dir).
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  after(async () => {
    await context?.close();
    server?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it('signs in, keeps the session over a reload, reports an oversized session, signs out', async () => {
    const page = await context.newPage();

    await page.goto(`${base}/`);
    await page.fill('input[name=username]', 'alice');
    await page.fill('input[name=password]', 'wonderland');
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/dashboard`);
    assert.equal(await page.textContent('#who'), 'Signed in as alice (admin).');

    const [cookie] = await context.cookies();
    assert.equal(cookie.name, 'demo.sid');
    assert.ok(cookie.httpOnly);
    assert.equal(cookie.sameSite, 'Lax');
    assert.match(cookie.value, /^v\d+\./);

    await page.reload();
    assert.equal(await page.textContent('#who'), 'Signed in as alice (admin).');
    assert.equal(await page.textContent('#count'), 'Dashboard views: 2');

    // A note too large for a cookie: the server answers 413 and says why; the browser keeps the
    // session it had.
    await page.fill('input[name=note]', 'x'.repeat(5000));
    const [response] = await Promise.all([page.waitForResponse(`${base}/notes`), page.click('text=Keep in session')]);
    assert.equal(response.status(), 413);
    assert.match(await page.textContent('#too-large'), /over the 4096-byte limit/);
    await page.goto(`${base}/dashboard`);
    assert.equal(await page.textContent('#who'), 'Signed in as alice (admin).');
    assert.equal(await page.locator('#notes li').count(), 0);

    await page.click('text=Sign out');
    await page.waitForURL(`${base}/`);
    assert.ok(await page.isVisible('input[name=username]'));
    const res = await page.goto(`${base}/me`);
    assert.equal(res.status(), 401);
  });
});
