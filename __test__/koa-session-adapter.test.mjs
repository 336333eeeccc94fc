// What lib/koa/koa-session.cjs, the one module that knows koa-session's insides, relies on,
// checked against koa-session itself (the version this package depends on): if koa-session stops
// doing any of it, this file fails and says what changed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Koa from 'koa';
import session from 'koa-session';
import { get, sessionCookie } from './helpers.mjs';

/** A Koa app with koa-session and `opts`, whose handler runs `handler(ctx)`. */
function appWith(opts, handler) {
  const app = new Koa();
  app.use(session({ signed: false, ...opts }, app));
  app.use(async (ctx) => {
    await handler(ctx);
    ctx.body ??= 'ok';
  });
  return app;
}

const base64Json = {
  encode: (json) => Buffer.from(JSON.stringify(json)).toString('base64'),
  decode: (text) => JSON.parse(Buffer.from(text, 'base64').toString()),
};

describe('koa-session, as the adapter uses it', () => {
  it('keeps its per-request context object under the symbol context#contextSession, with opts and commit', async () => {
    let seen;
    const app = appWith({}, (ctx) => {
      const symbol = Object.getOwnPropertySymbols(ctx.app.context).find(
        (s) => s.description === 'context#contextSession',
      );
      assert.ok(symbol, 'the symbol is on the app context');
      const perRequest = ctx[symbol];
      seen = {
        opts: perRequest.opts === ctx.sessionOptions,
        commit: typeof Object.getPrototypeOf(perRequest).commit,
        fresh: ctx[symbol] === perRequest,
      };
    });
    await get(app).expect(200);
    assert.deepEqual(seen, { opts: true, commit: 'function', fresh: true });
  });

  it('regenerate() commits through that object with { regenerate: true }', async () => {
    const calls = [];
    const app = appWith({}, async (ctx) => {
      const symbol = Object.getOwnPropertySymbols(ctx.app.context).find(
        (s) => s.description === 'context#contextSession',
      );
      const perRequest = ctx[symbol];
      const { commit } = Object.getPrototypeOf(perRequest);
      perRequest.commit = function (options) {
        calls.push(options);
        return commit.call(this, options);
      };
      ctx.session.n = 1;
      await ctx.session.regenerate();
    });
    await get(app).expect(200);
    assert.deepEqual(calls[0], { regenerate: true }, 'regenerate() first, then the commit at the end of the request');
  });

  it('calls encode and decode on ctx.sessionOptions, with _expire and _maxAge, or _session', async () => {
    const seen = [];
    const hooks = {
      encode(json) {
        seen.push({ encodeThis: this, json });
        return base64Json.encode(json);
      },
      decode(text) {
        seen.push({ decodeThis: this });
        return base64Json.decode(text);
      },
    };
    let options;
    const app = appWith({ ...hooks, maxAge: 1000 }, (ctx) => {
      options = ctx.sessionOptions;
      ctx.session.n = (ctx.session.n ?? 0) + 1;
    });
    const cookie = sessionCookie(await get(app));
    assert.equal(seen[0].encodeThis, options);
    assert.equal(seen[0].json.n, 1);
    assert.equal(seen[0].json._maxAge, 1000);
    assert.ok(Math.abs(seen[0].json._expire - Date.now() - 1000) < 5000);
    await get(app, '/', cookie);
    assert.equal(seen[1].decodeThis, options);
    const sessionCookies = appWith({ ...hooks, maxAge: 'session' }, (ctx) => {
      ctx.session.n = 1;
    });
    await get(sessionCookies);
    assert.equal(seen.at(-1).json._session, true);
    assert.equal(seen.at(-1).json._expire, undefined);
  });

  it('saves a decoded session marked _requireSave even when nothing changed', async () => {
    const app = appWith(
      {
        ...base64Json,
        decode(text) {
          const json = base64Json.decode(text);
          json._requireSave = true;
          return json;
        },
      },
      (ctx) => {
        ctx.session.n ??= 1;
      },
    );
    const cookie = sessionCookie(await get(app));
    assert.ok(sessionCookie(await get(app, '/', cookie)), 'saved again');
  });

  it('answers a SyntaxError from decode, or an expired _expire, with a fresh session', async () => {
    const app = appWith(
      {
        encode: base64Json.encode,
        decode(text) {
          if (text === 'bad') throw new SyntaxError('refused');
          return { n: 5, _expire: Date.now() - 1, _maxAge: 1 };
        },
      },
      (ctx) => {
        ctx.body = { n: ctx.session.n ?? null };
      },
    );
    assert.deepEqual((await get(app, '/', 'koa.sess=bad').expect(200)).body, { n: null });
    assert.deepEqual((await get(app, '/', 'koa.sess=expired').expect(200)).body, { n: null });
  });

  it('hands a store { ctx }, genid the ctx, and valid the ctx and value', async () => {
    const seen = {};
    const data = new Map();
    const store = {
      get: async (key, _maxAge, options) => {
        seen.get = options.ctx;
        return data.get(key);
      },
      set: async (key, value, _maxAge, options) => {
        seen.set = options.ctx;
        data.set(key, value);
      },
      destroy: async (key, options) => {
        seen.destroy = options.ctx;
        data.delete(key);
      },
    };
    let context;
    const app = appWith(
      {
        store,
        genid: (ctx) => {
          seen.genid = ctx;
          return `id-${data.size}`;
        },
        valid: (ctx, value) => {
          seen.valid = [ctx, value.n];
          return true;
        },
      },
      (ctx) => {
        context = ctx;
        if (ctx.path === '/logout') ctx.session = null;
        else ctx.session.n = 1;
      },
    );
    const cookie = sessionCookie(await get(app));
    assert.equal(seen.genid, context);
    assert.equal(seen.set, context);
    await get(app, '/', cookie);
    assert.equal(seen.get, context);
    assert.deepEqual(seen.valid, [context, 1]);
    await get(app, '/logout', cookie);
    assert.equal(seen.destroy, context);
  });
});
