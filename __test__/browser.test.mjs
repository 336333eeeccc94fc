// The demo in a real headless Chromium (Debian's package, driven by playwright-core): sign in
// through the form, see the dashboard show the cookie the browser holds, reload, grow the session
// past the cookie limit (the server says so; the browser does not silently lose the session), have
// pages of other origins post forms to the demo (refused), sign out.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { createApp } from '../examples/demo/app.mjs';
import { KEY, notInstalled } from './helpers.mjs';

const CHROMIUM = '/usr/bin/chromium';

describe('demo in headless Chromium', { skip: !existsSync(CHROMIUM) && notInstalled('Debian chromium') }, () => {
  let server;
  let attacker;
  let context;
  let profile;
  let base;

  before(async () => {
    server = createApp({ secretKey: KEY }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${server.address().port}`;
    // Another origin: a page whose form posts `?field=value` to the demo's `?to` path, on load.
    attacker = createServer((req, res) => {
      const { searchParams } = new URL(req.url, 'http://attacker');
      const fields = [...searchParams].filter(([name]) => name !== 'to');
      const inputs = fields.map(([name, value]) => `<input name="${name}" value="${value}">`).join('');
      res.setHeader('content-type', 'text/html');
      res.end(`<form method="post" action="${base}${searchParams.get('to')}">${inputs}</form>
<script>document.forms[0].submit()</script>`);
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => attacker.once('listening', resolve));
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
    attacker?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it('signs in, shows the cookie, keeps notes over a reload, reports an oversized session, refuses other origins’ forms, signs out', async () => {
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
    assert.equal(await page.textContent('#cookie'), `demo.sid=${cookie.value}`);
    assert.match(await page.textContent('#session'), /"userId": "u-1"/);

    // A note: the session changes, so does the cookie, and the dashboard shows the new one.
    await page.fill('input[name=note]', 'remember the milk');
    await page.click('text=Keep in session');
    await page.waitForURL(`${base}/dashboard`);
    const [noted] = await context.cookies();
    assert.notEqual(noted.value, cookie.value);
    assert.equal(await page.textContent('#cookie'), `demo.sid=${noted.value}`);
    await page.reload();
    assert.equal(await page.textContent('#who'), 'Signed in as alice (admin).');
    assert.deepEqual(await page.locator('#notes li').allTextContents(), ['remember the milk']);

    // A note too large for a cookie: the server answers 413 and says why; the browser keeps the
    // session it had.
    await page.fill('input[name=note]', 'x'.repeat(5000));
    const [response] = await Promise.all([page.waitForResponse(`${base}/notes`), page.click('text=Keep in session')]);
    assert.equal(response.status(), 413);
    assert.match(await page.textContent('#too-large'), /over the 4096-byte limit/);
    await page.goto(`${base}/dashboard`);
    assert.equal(await page.textContent('#who'), 'Signed in as alice (admin).');
    assert.equal(await page.locator('#notes li').count(), 1);

    // Forms on other origins: a page on another port (same site, so the Lax cookie goes along)
    // adds a note, one on another site (localhost) signs in. Both are refused.
    const { port } = attacker.address();
    for (const [origin, query] of [
      [`http://127.0.0.1:${port}`, 'to=/notes&note=planted'],
      [`http://localhost:${port}`, 'to=/login&username=alice&password=wonderland'],
    ]) {
      const path = new URLSearchParams(query).get('to');
      const [refused] = await Promise.all([page.waitForResponse(`${base}${path}`), page.goto(`${origin}/?${query}`)]);
      assert.equal(refused.status(), 403, `${origin} posting to ${path}`);
    }
    await page.goto(`${base}/dashboard`);
    assert.deepEqual(await page.locator('#notes li').allTextContents(), ['remember the milk']);

    await page.click('text=Sign out');
    await page.waitForURL(`${base}/`);
    assert.ok(await page.isVisible('input[name=username]'));
    const res = await page.goto(`${base}/me`);
    assert.equal(res.status(), 401);
  });
});
