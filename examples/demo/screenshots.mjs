// Screenshots of every page of the demo, at a desktop and a phone width, to look at a change the
// way a person meets it: `node examples/demo/screenshots.mjs <directory>`. Needs Debian's
// chromium (CHROMIUM to use another build) and playwright-core, as the browser test does.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { generateKey } from '../../index.mjs';
import { createApp } from './app.mjs';
import { STORE_UNAVAILABLE } from './stores.mjs';

const WIDTHS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };
const NOTES = ['Remember the milk', 'Call the bank about the new card', 'Book the dentist for Tuesday'];

/** A store over a Map, as `npm run demo` keeps sessions in Redis; `down` makes it fail as a stopped server does. */
function mapStore() {
  const data = new Map();
  const store = { down: false };
  for (const [method, run] of Object.entries({
    get: (id) => data.get(id),
    set: (id, value) => data.set(id, value),
    destroy: (id) => data.delete(id),
  })) {
    store[method] = async (id, value) => {
      if (store.down) throw Object.assign(new Error('the store is down'), { code: STORE_UNAVAILABLE });
      return run(id, value);
    };
  }
  return store;
}

/** Serves `app` on a free loopback port; resolves to `{ base, close }`. */
async function serve(app) {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { base: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/** Signs in as alice on `page` and keeps `notes`. */
async function signIn(page, base, notes) {
  await page.goto(`${base}/`);
  await page.fill('input[name=username]', 'alice');
  await page.fill('input[name=password]', 'wonderland');
  await Promise.all([page.waitForURL(`${base}/dashboard`), page.click('button[type=submit]')]);
  for (const note of notes) {
    await page.fill('input[name=note]', note);
    await Promise.all([page.waitForURL(`${base}/dashboard`), page.click('text=Keep in session')]);
  }
}

/** Takes the screenshots of every page into `dir`, at each width. */
async function screenshots(dir) {
  mkdirSync(dir, { recursive: true });
  const secretKey = generateKey();
  const store = mapStore();
  const [cookieMode, storeMode] = await Promise.all([
    serve(createApp({ secretKey })),
    serve(createApp({ secretKey, store })),
  ]);
  const profile = mkdtempSync(join(tmpdir(), 'kss-shots-'));
  // A fresh user-data dir (playwright passes it as --user-data-dir).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
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
  try {
    for (const [width, viewport] of Object.entries(WIDTHS)) {
      await context.clearCookies();
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      const shot = (name) => page.screenshot({ path: join(dir, `${name}-${width}.png`), fullPage: true });
      const { base } = cookieMode;

      await page.goto(`${base}/`);
      await shot('sign-in');
      await page.fill('input[name=username]', 'alice');
      await page.fill('input[name=password]', 'not her password');
      await page.click('button[type=submit]');
      await shot('sign-in-failed');

      await signIn(page, base, NOTES);
      await shot('dashboard');
      await page.fill('input[name=note]', 'x'.repeat(5000));
      await page.click('text=Keep in session');
      await shot('too-large');

      // The cookie as it was before signing out, put back afterwards: revoked.
      const [cookie] = await context.cookies();
      await page.goto(`${base}/dashboard`);
      await Promise.all([page.waitForURL(`${base}/`), page.click('button:text-is("Sign out")')]);
      await context.addCookies([cookie]);
      await page.goto(`${base}/dashboard`);
      await shot('signed-out-revoked');
      await context.addCookies([{ ...cookie, value: `${cookie.value.slice(0, -2)}AA` }]);
      await page.goto(`${base}/`);
      await shot('signed-out-altered');

      await page.goto(`${base}/no-such-page`);
      await shot('not-found');

      await context.clearCookies();
      await signIn(page, storeMode.base, NOTES.slice(0, 1));
      await shot('dashboard-store');
      store.down = true;
      await page.goto(`${storeMode.base}/dashboard`);
      await shot('unavailable');
      store.down = false;
      await page.close();
    }
  } finally {
    await context.close();
    cookieMode.close();
    storeMode.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

await screenshots(process.argv[2] ?? 'demo-shots');
