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

  it('parts are read as ctx.cookies.get reads a cookie: the first of a name, quotes dropped', async () => {
    const app = appWith({ maxCookies: 4, maxTotalCookieBytes: 16_000 }, (ctx) => {
      if (ctx.path === '/save') ctx.session.data = 'x'.repeat(9000);
      ctx.body = { data: ctx.session.data?.length ?? null };
    });
    const saved = await get(app, '/save').expect(200);
    const pairs = saved.headers['set-cookie'].map((line) => line.split(';')[0].split('=')).sort();
    assert.deepEqual(
      pairs.map(([name]) => name),
      ['koa.sess', 'koa.sess.1', 'koa.sess.2', 'koa.sess.3'],
    );
    const send = async (pairsSent) => {
      app.rejected.length = 0;
      const res = await get(app, '/', pairsSent.map(([name, value]) => `${name}=${value}`).join('; ')).expect(200);
      await new Promise(setImmediate);
      return { data: res.body.data, rejected: [...app.rejected] };
    };
    const opened = { data: 9000, rejected: [] };
    const refused = { data: null, rejected: ['chunks'] };
    const [first, one, ...rest] = pairs;
    assert.deepEqual(await send(pairs), opened, 'as set');
    assert.deepEqual(await send([...rest, one, first]), opened, 'in any order in the header');
    assert.deepEqual(await send([first, [one[0], `"${one[1]}"`], ...rest]), opened, 'quoted');
    assert.deepEqual(await send([...pairs, [one[0], 'AAAAAAAA.x']]), opened, 'a later cookie of the same name');
    assert.deepEqual(await send([first, [one[0], 'AAAAAAAA.x'], one, ...rest]), refused, 'an earlier one');
    assert.deepEqual(await send([first, ['koa.sess.01', one[1]], ...rest]), refused, 'koa.sess.01 is not part 1');
    assert.deepEqual(await send([first, ['xkoa.sess.1', one[1]], ...rest]), refused, 'nor is xkoa.sess.1');
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
