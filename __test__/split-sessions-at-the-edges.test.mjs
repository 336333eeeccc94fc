// Split sessions where a reviewer pushed: a hostile part header where the cookie cannot be
// cleared over plain HTTP, parts written earlier in the same response, other cookies that look
// like parts, and a one-part "split" value.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import encryptedSession from '../index.mjs';
import { get, KEY, makeApp } from './helpers.mjs';

/** The names the response sets, with `-` for those it expires. */
const setNames = (res) =>
  (res.headers['set-cookie'] ?? []).map(
    (line) => `${line.includes('expires=Thu, 01 Jan 1970') ? '-' : ''}${line.split('=')[0]}`,
  );

/** An app with `opts` whose handler runs `handler(ctx)`, answering 200 unless it throws. */
function appWith(opts, handler) {
  const app = makeApp(encryptedSession, { secretKey: KEY, format: 'compact', ...opts }, async (ctx) => {
    await handler(ctx);
    ctx.body ??= 'ok';
  });
  app.silent = true;
  app.rejected = [];
  app.on('session:rejected', ({ reason }) => app.rejected.push(reason));
  return app;
}

describe('split sessions at the edges', () => {
  it('a hostile part header on a secure cookie over plain HTTP gets a fresh session, not a 500', async () => {
    for (const opts of [
      { key: '__Host-sid', secure: true },
      { secure: true, maxCookies: 3 },
    ]) {
      const app = appWith(opts, (ctx) => {
        ctx.body = { id: ctx.sessionId };
      });
      app.proxy = true;
      const name = opts.key ?? 'koa.sess';
      const cookie = `${name}=c2.AAAAAAAA.x; ${name}.1=AAAAAAAA.y; ${name}.5=z`;
      const res = await get(app, '/', cookie).set('X-Forwarded-Proto', 'http');
      assert.equal(res.status, 200, JSON.stringify(opts));
    }
  });

  it('parts set earlier in the same response are expired when the session ends or shrinks', async () => {
    const app = appWith({ maxCookies: 4, maxTotalCookieBytes: 16_000 }, async (ctx) => {
      ctx.session.data = 'x'.repeat(9000);
      await ctx.session.save();
      if (ctx.path === '/logout') ctx.session = null;
      if (ctx.path === '/shrink') ctx.session.data = 'small';
    });
    const logout = setNames(await get(app, '/logout').expect(200));
    assert.deepEqual(new Set(logout), new Set(['-koa.sess', '-koa.sess.1', '-koa.sess.2', '-koa.sess.3']));
    const shrink = setNames(await get(app, '/shrink').expect(200));
    assert.deepEqual(new Set(shrink), new Set(['koa.sess', '-koa.sess.1', '-koa.sess.2', '-koa.sess.3']));
  });

  it('only names a session could take are expired: key.1 to key.15', async () => {
    const app = appWith({ maxCookies: 4 }, (ctx) => {
      ctx.session.n = (ctx.session.n ?? 0) + 1;
    });
    const parts = Array.from({ length: 40 }, (_, i) => `koa.sess.${i}=x`).join('; ');
    const names = setNames(await get(app, '/', parts).expect(200));
    assert.deepEqual(
      names.filter((n) => n.startsWith('-')).sort(),
      Array.from({ length: 15 }, (_, i) => `-koa.sess.${i + 1}`).sort(),
    );
  });

  it('a one-part "split" value is no split session: refused as malformed', async () => {
    const app = appWith({ maxCookies: 4 }, (ctx) => {
      ctx.body = { n: ctx.session.n ?? null };
    });
    await get(app, '/', `koa.sess=c1.AAAAAAAA.${'B'.repeat(9000)}`).expect(200);
    await new Promise(setImmediate);
    assert.equal(app.rejected.length, 1);
    assert.ok(['malformed', 'oversized'].includes(app.rejected[0]), app.rejected[0]);
  });
});
