// The demo in a real headless Chromium (Debian's package, driven by playwright-core): sign in
// through the form, see the dashboard describe the cookie the browser holds (without giving the
// page its value), reload, grow the session past the cookie limit (the server says so; the browser
// does not silently lose the session), have pages of other origins post forms to the demo
// (refused), sign out, and be told why a copy of the cookie put back no longer works. All under
// the demo's Content-Security-Policy, which must block nothing the demo itself uses.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Koa from 'koa';
import { chromium } from 'playwright-core';
import { createApp } from '../examples/demo/app.mjs';
import encryptedSession from '../index.mjs';
import { KEY, notInstalled } from './helpers.mjs';

const CHROMIUM = '/usr/bin/chromium';

/**
 * Checks that the dashboard on `page` describes `cookie` (as the browser holds it): its name,
 * format, size and first characters, while neither the page nor its scripts can read its value.
 */
async function assertDescribed(page, cookie) {
  assert.equal(await page.textContent('.cookie-name'), cookie.name);
  assert.equal(await page.textContent('.cookie-format'), 'compact (v2)');
  const pair = `${cookie.name}=${cookie.value}`;
  assert.equal(await page.textContent('.cookie-size'), `${pair.length.toLocaleString('en-US')} bytes`);
  const start = await page.textContent('.cookie-start');
  assert.ok(start.endsWith('…') && cookie.value.startsWith(start.slice(0, -1)), start);
  assert.ok(!(await page.content()).includes(cookie.value), 'the page does not hold the cookie');
  assert.equal(await page.evaluate(() => document.cookie), '');
}

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
        '--disable-quic',
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

  it('signs in, describes the cookie, keeps notes over a reload, reports an oversized session, refuses other origins’ forms, signs out and says why a copy no longer works', async () => {
    const page = await context.newPage();
    // What the Content-Security-Policy blocks, as Chromium reports it, and any script error.
    const blocked = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) blocked.push(msg.text());
    });
    page.on('pageerror', (err) => blocked.push(err.message));

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
    await assertDescribed(page, cookie);
    assert.match(await page.textContent('#session'), /"userId": "u-1"/);

    // The stylesheet and icon load under the policy, and the three actions look different.
    assert.ok(await page.$eval('.brand img', (img) => img.naturalWidth > 0), 'the icon loads');
    const look = (selector) =>
      page.$eval(selector, (el) => {
        const style = getComputedStyle(el);
        return `${style.backgroundColor} ${style.color} ${style.borderColor}`;
      });
    const looks = new Set([
      await look('button:text-is("Keep in session")'),
      await look('button:text-is("Sign out")'),
      await look('button:text-is("Sign out everywhere")'),
    ]);
    assert.equal(looks.size, 3, [...looks].join(' / '));

    // A note: the session changes, so does the cookie, and the dashboard describes the new one.
    await page.fill('input[name=note]', 'remember the milk');
    await page.click('text=Keep in session');
    await page.waitForURL(`${base}/dashboard`);
    const [noted] = await context.cookies();
    assert.notEqual(noted.value, cookie.value);
    await assertDescribed(page, noted);
    await page.reload();
    assert.equal(await page.textContent('#who'), 'Signed in as alice (admin).');
    assert.deepEqual(await page.locator('#notes li').allTextContents(), ['remember the milk']);

    // A note too large for a cookie: the server answers 413 and says why; the browser keeps the
    // session it had.
    await page.fill('input[name=note]', 'x'.repeat(5000));
    const [response] = await Promise.all([page.waitForResponse(`${base}/notes`), page.click('text=Keep in session')]);
    assert.equal(response.status(), 413);
    assert.equal(await page.textContent('h1'), 'Your note was not saved');
    assert.match(await page.textContent('#too-large'), /did not keep it/);
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

    const [before] = await context.cookies();
    await page.click('button:text-is("Sign out")');
    await page.waitForURL(`${base}/`);
    assert.ok(await page.isVisible('input[name=username]'));
    assert.equal(await page.locator('#signed-out').count(), 0, 'signing out here needs no explaining');
    const res = await page.goto(`${base}/me`);
    assert.equal(res.status(), 401);

    // The cookie from before signing out, put back: refused, and the page says why.
    await context.addCookies([before]);
    const refused = await page.goto(`${base}/dashboard`);
    assert.equal(refused.status(), 401);
    assert.match(await page.textContent('#signed-out'), /^This session was signed out/);
    assert.deepEqual(blocked, []);
  });

  it('a session larger than one cookie: stored in several, sent back and opened; shrunk to one; one past the cap leaves the jar as it was', async () => {
    const app = new Koa();
    app.use(
      encryptedSession(
        { key: 'big', secretKey: KEY, format: 'compact', maxCookies: 4, maxTotalCookieBytes: 16_000 },
        app,
      ),
    );
    app.use((ctx) => {
      if (ctx.query.size) ctx.session.data = 'x'.repeat(Number(ctx.query.size));
      ctx.body = String(ctx.session.data?.length ?? 0);
    });
    app.silent = true;
    const own = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => own.once('listening', resolve));
    const site = `http://127.0.0.1:${own.address().port}`;
    const page = await context.newPage();
    const jar = async () =>
      (await context.cookies(site))
        .filter(({ name }) => name.startsWith('big'))
        .map(({ name, value }) => [name, value])
        .sort();
    try {
      await page.goto(`${site}/?size=10000`);
      const split = await jar();
      assert.deepEqual(
        split.map(([name]) => name),
        ['big', 'big.1', 'big.2', 'big.3'],
      );
      await page.goto(`${site}/`);
      assert.equal(await page.textContent('body'), '10000', 'sent back and opened');
      const over = await page.goto(`${site}/?size=14000`);
      assert.equal(over.status(), 500);
      assert.deepEqual(await jar(), split, 'a session past the cap leaves the jar as it was');
      await page.goto(`${site}/?size=100`);
      assert.deepEqual(
        (await jar()).map(([name]) => name),
        ['big'],
        'shrunk to one cookie',
      );
      await page.goto(`${site}/`);
      assert.equal(await page.textContent('body'), '100');
    } finally {
      await page.close();
      own.close();
    }
  });
});
