// A logout revokes the session the request carried, whatever the handler read first, and for as
// long as any copy of its cookie could still be accepted, whatever maxAge the presented cookie had.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import encryptedSession, { memoryRevocations, redisRevocations } from '../index.mjs';
import { get, KEY, makeApp, sessionCookie } from './helpers.mjs';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** An app with /login, /short (a shorter maxAge from now on), and /logout that reads ctx.sessionId first. */
function appWith(revocations, opts = {}) {
  const app = makeApp(encryptedSession, { secretKey: KEY, revocations, userKey: 'userId', ...opts }, (ctx) => {
    if (ctx.path === '/login') ctx.session.userId = 'u-1';
    if (ctx.path === '/short') ctx.session.maxAge = 10 * MINUTE;
    if (ctx.path === '/logout') {
      ctx.state.before = ctx.sessionId; // a handler that logs who is leaving, before it ends the session
      ctx.session = null;
      ctx.body = { before: ctx.state.before };
      return;
    }
    ctx.body = { user: ctx.session.userId ?? null, sessionId: ctx.sessionId };
  });
  app.silent = true;
  return app;
}

/** Awaits `fn()` with Date.now() `offset` ms ahead of the real clock. */
async function later(offset, fn) {
  const now = Date.now;
  Date.now = () => now() + offset;
  try {
    return await fn();
  } finally {
    Date.now = now;
  }
}

describe('logout revokes every copy', () => {
  it('a logout while revocations load revokes the session the request carried, not the one the handler looked at', async () => {
    const cookie = sessionCookie(await get(appWith(memoryRevocations()), '/login'));
    const opened = (await get(appWith(memoryRevocations()), '/', cookie)).body.sessionId;
    // Redis unreachable since this process started: its revocations never loaded.
    const loading = redisRevocations({ url: 'redis://127.0.0.1:1', closeTimeout: 1 });
    assert.equal(loading.loaded, false);
    const res = await get(appWith(loading), '/logout', cookie).expect(200);
    assert.notEqual(res.body.before, opened, 'the handler saw a fresh session: the cookie could not be checked');
    assert.equal(loading.isRevoked(opened), true, 'the session the cookie carried is revoked');
    assert.equal(loading.isRevoked(res.body.before), false);
    await loading.close().catch(() => {});
  });

  it('a logout lasts as long as the longest-lived copy, whatever maxAge the presented cookie had', async () => {
    const app = appWith(memoryRevocations(), { maxAge: 30 * DAY });
    const remembered = sessionCookie(await get(app, '/login')); // kept for 30 days
    const short = sessionCookie(await get(app, '/short', remembered)); // this one for 10 minutes
    await get(app, '/logout', short).expect(200);
    for (const offset of [0, 11 * MINUTE, 2 * DAY, 29 * DAY]) {
      const res = await later(offset, () => get(app, '/', remembered));
      assert.equal(res.body.user, null, `the 30-day copy is refused ${offset / MINUTE} minutes after the logout`);
    }
  });

  it('a logout outlasts a later, longer maxLifetime within the revocations’ horizon', async () => {
    const revocations = memoryRevocations(); // horizon: a day, more than either lifetime here
    const before = appWith(revocations, { maxAge: 'session', maxLifetime: 3_600_000 });
    const copy = sessionCookie(await get(before, '/login'));
    await get(before, '/logout', copy).expect(200);
    const after = appWith(revocations, { maxAge: 'session', maxLifetime: 8 * 3_600_000 });
    const res = await later(2 * 3_600_000, () => get(after, '/', copy));
    assert.equal(res.body.user, null, 'two hours on, under the longer lifetime, the copy is still refused');
  });
});
