// The demo's login flow and its hardening, with sessions in the cookie and in real Redis and
// PostgreSQL servers started on free loopback ports (.ci/run installs both).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import request from 'supertest';
import { createApp } from '../examples/demo/app.mjs';
import { postgresStore, redisStore } from '../examples/demo/stores.mjs';
import { authenticate } from '../examples/demo/users.mjs';
import { redisRevocations } from '../index.mjs';
import { cookieValue, eventually, KEY, notInstalled, sessionCookie } from './helpers.mjs';
import { startPostgres, startRedis } from './servers.mjs';

const login = (agent, password = 'wonderland') => agent.post('/login').send({ username: 'alice', password });
const INVALID = { error: 'Invalid username or password.' };

/** `html` with its HTML entities decoded. */
function decoded(html) {
  const entities = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };
  return html.replace(/&(amp|lt|gt|quot|#39);/g, (_, name) => entities[name]);
}

/** The text of the element with `id` in a page, HTML entities decoded. */
function textOf(html, id) {
  const match = html.match(new RegExp(`id="${id}"[^>]*>([^<]*)<`));
  assert.ok(match, `the page has #${id}`);
  return decoded(match[1]);
}

/** The texts of the elements of class `name` in a page, in order, HTML entities decoded. */
function textsOf(html, name) {
  return [...html.matchAll(new RegExp(`class="${name}"[^>]*>([^<]*)<`, 'g'))].map((match) => decoded(match[1]));
}

/**
 * Checks what the dashboard `page` says of the session cookie `cookie` (`name=value`): its name,
 * `format`, size, and a beginning of at most `shownChars` characters, never the whole value.
 */
function assertCookieShown(page, cookie, format, shownChars) {
  const value = cookieValue(cookie);
  assert.ok(!page.includes(value), 'the page does not hold the cookie');
  assert.deepEqual(textsOf(page, 'cookie-name'), ['demo.sid']);
  assert.deepEqual(textsOf(page, 'cookie-format'), [format]);
  assert.deepEqual(textsOf(page, 'cookie-size'), [`${cookie.length.toLocaleString('en-US')} bytes`]);
  const [start] = textsOf(page, 'cookie-start');
  assert.ok(start.endsWith('…'), start);
  const shown = start.slice(0, -1);
  assert.ok(shown.length >= 4 && shown.length <= shownChars, `${shown.length} characters shown`);
  assert.ok(value.startsWith(shown));
}

describe('demo: cookie sessions', () => {
  const app = createApp({ secretKey: KEY });

  it('shows the form signed out, and /me answers 401', async () => {
    const agent = request.agent(app.callback());
    const home = await agent.get('/').expect(200);
    assert.match(home.text, /<form method="post" action="\/login">/);
    await agent.get('/me').expect(401, { user: null });
    await agent.get('/dashboard').expect(401);
  });

  it('refuses a wrong password, an unknown user or a name from Object.prototype with one generic 401', async () => {
    const agent = request.agent(app.callback());
    await login(agent, 'nope').expect(401, INVALID);
    for (const username of ['bob', '__proto__', 'constructor', 'toString', 'hasOwnProperty', ['alice'], 7]) {
      await agent.post('/login').send({ username, password: 'wonderland' }).expect(401, INVALID);
    }
    await agent.post('/login').type('form').send({ username: '__proto__', password: 'x' }).expect(401);
    await agent.get('/me').expect(401);
  });

  it('signs in (form and JSON), keeps only id and role in the session, and signs out', async () => {
    const agent = request.agent(app.callback());
    await agent.post('/login').type('form').send({ username: 'alice', password: 'wonderland' }).expect(302);
    await agent.get('/me').expect(200, { user: { name: 'alice', role: 'admin' } });
    const dashboard = await agent.get('/dashboard').expect(200);
    assert.match(dashboard.text, /Signed in as alice/);
    await agent.post('/logout').expect(302);
    await agent.get('/me').expect(401);

    const res = await login(request(app.callback())).expect(200);
    const cookie = sessionCookie(res, 'demo.sid');
    assert.match(cookieValue(cookie), /^v\d+\./);
    assert.doesNotMatch(cookieValue(cookie), /alice|admin/);
  });

  it('starts the signed-in session empty: nothing from before the login carries over', async () => {
    const agent = request.agent(app.callback());
    await agent.get('/').expect(200);
    assert.equal(textOf((await agent.get('/').expect(200)).text, 'visits'), '2');
    await login(agent).expect(200);
    assert.equal(textOf((await agent.get('/').expect(200)).text, 'visits'), '1');
  });

  it('describes on the dashboard the cookie the browser sent, without its value, beside the session opened from it', async () => {
    const agent = request.agent(app.callback());
    const cookie = sessionCookie(await login(agent).expect(200), 'demo.sid');
    const page = (await agent.get('/dashboard').expect(200)).text;
    assertCookieShown(page, cookie, 'compact (v2)', 16);
    assert.deepEqual(JSON.parse(textOf(page, 'session')), { userId: 'u-1', role: 'admin' });
    assert.doesNotMatch(page, /id="store-key"/);
  });

  it('answers a failed sign-in with the form again, saying why', async () => {
    const res = await request(app.callback()).post('/login').type('form').send({ username: 'alice', password: 'x' });
    assert.equal(res.status, 401);
    assert.equal(textOf(res.text, 'sign-in-failed'), 'Invalid username or password.');
    assert.match(res.text, /<form method="post" action="\/login">/);
    assert.match(res.text, /<input id="username" [^>]*value="alice">/, 'the name typed stays');
  });

  it('answers an unknown address with a 404 page, and a body it cannot read with a 400 page', async () => {
    const missing = await request(app.callback()).get('/no-such-page').expect(404);
    assert.match(missing.text, /<h1>Page not found<\/h1>/);
    const garbled = await request(app.callback())
      .post('/login')
      .set('Content-Type', 'application/json')
      .send('{"username": ')
      .expect(400);
    assert.match(garbled.text, /<h1>Bad Request<\/h1>/);
    assert.doesNotMatch(garbled.text, /JSON|at .*\.m?js/);
  });
});

describe('demo: notes past one cookie', () => {
  it('a session that outgrows one cookie is kept in several, and the dashboard lists each', async () => {
    const agent = request.agent(createApp({ secretKey: KEY }).callback());
    await login(agent).expect(200);
    await agent
      .post('/notes')
      .type('form')
      .send({ note: 'y'.repeat(3000) })
      .expect(302);
    const page = (await agent.get('/dashboard').expect(200)).text;
    assert.deepEqual(textsOf(page, 'cookie-name'), ['demo.sid', 'demo.sid.1']);
    assert.deepEqual(textsOf(page, 'cookie-format'), ['compact (v2), part 1 of 2', 'compact (v2), part 2 of 2']);
    assert.deepEqual(textsOf(page, 'note'), ['y'.repeat(3000)]);
  });
});

describe('demo: a session too large to keep', () => {
  it('answers 413 with a page saying the note was not kept and nothing else was lost, and keeps the session', async () => {
    const agent = request.agent(createApp({ secretKey: KEY }).callback());
    await login(agent).expect(200);
    await agent.post('/notes').type('form').send({ note: 'first' }).expect(302);
    const res = await agent
      .post('/notes')
      .type('form')
      .send({ note: 'x'.repeat(5000) });
    assert.equal(res.status, 413);
    assert.equal(res.headers['set-cookie'], undefined, 'the browser keeps the cookie it has');
    assert.equal(res.headers.location, undefined);
    assert.match(res.text, /<h1>Your note was not saved<\/h1>/);
    assert.match(textOf(res.text, 'too-large'), /did not keep it/);
    assert.match(res.text, /you are still signed in and your earlier notes are there/);
    const [, size, limit] = textOf(res.text, 'too-large-sizes').match(
      /take ([\d,]+) bytes; it can take at most ([\d,]+)\.$/,
    );
    const number = (text) => Number(text.replace(/,/g, ''));
    assert.equal(number(limit), 6144, 'what the session cookies may take together (maxTotalCookieBytes)');
    assert.ok(number(size) > number(limit), size);
    assert.doesNotMatch(res.text, /maxCookieBytes|external store|ERR_/);
    assert.deepEqual(textsOf((await agent.get('/dashboard').expect(200)).text, 'note'), ['first']);
  });
});

describe('demo: a refused cookie says why', () => {
  const app = createApp({ secretKey: KEY });

  /** The cookie of a new sign-in to `app`. */
  const signedIn = async (to = app) => sessionCookie(await login(request(to.callback())).expect(200), 'demo.sid');

  it('a copy of a cookie that was signed out: ended, on every page that has to say so', async () => {
    const cookie = await signedIn();
    await request(app.callback()).post('/logout').set('Cookie', cookie).expect(302);
    const dashboard = await request(app.callback()).get('/dashboard').set('Cookie', cookie).expect(401);
    const revoked =
      'This session was signed out, in this browser or with “Sign out everywhere”, so its cookie no longer works.';
    assert.equal(textOf(dashboard.text, 'signed-out'), revoked);
    assert.match(dashboard.text, /<strong>You were signed out\.<\/strong>/);
    const home = await request(app.callback()).get('/').set('Cookie', cookie).expect(200);
    assert.equal(textOf(home.text, 'signed-out'), revoked);
    await request(app.callback())
      .get('/me')
      .set('Cookie', cookie)
      .expect(401, { user: null, signedOutBecause: 'revoked' });
  });

  it('an altered cookie: discarded, and nothing of it shown', async () => {
    const cookie = await signedIn();
    const altered = `${cookie.slice(0, 30)}${cookie[30] === 'A' ? 'B' : 'A'}${cookie.slice(31)}`;
    const res = await request(app.callback()).get('/dashboard').set('Cookie', altered).expect(401);
    assert.equal(
      textOf(res.text, 'signed-out'),
      'Your session cookie was altered or was not made by this server, so it was discarded.',
    );
    assert.ok(!res.text.includes(cookieValue(altered).slice(3, 20)));
  });

  it('an expired cookie: expired', async () => {
    const brief = createApp({ secretKey: KEY, maxAge: 1 });
    const cookie = await signedIn(brief);
    await new Promise((resolve) => setTimeout(resolve, 10)); // past its one millisecond
    const res = await request(brief.callback()).get('/dashboard').set('Cookie', cookie).expect(401);
    assert.equal(textOf(res.text, 'signed-out'), 'Your session expired.');
  });

  it('says nothing when no cookie came, or after signing out in this browser', async () => {
    const agent = request.agent(app.callback());
    assert.doesNotMatch((await agent.get('/dashboard').expect(401)).text, /signed-out/);
    await login(agent).expect(200);
    await agent.post('/logout').expect(302);
    assert.doesNotMatch((await agent.get('/').expect(200)).text, /signed-out/);
    await agent.get('/me').expect(401, { user: null });
  });
});

describe('demo: headers and files', () => {
  const app = createApp({ secretKey: KEY });

  it('sends a strict Content-Security-Policy, nosniff, no framing, no referrer and no caching on every page', async () => {
    const agent = request.agent(app.callback());
    const pages = [await agent.get('/'), await login(agent), await agent.get('/dashboard'), await agent.get('/me')];
    pages.push(
      await agent.get('/nowhere'),
      await agent
        .post('/notes')
        .type('form')
        .send({ note: 'x'.repeat(5000) }),
    );
    for (const res of pages) {
      const where = `${res.req.method} ${res.req.path} (${res.status})`;
      const policy = res.headers['content-security-policy'];
      assert.match(policy, /(^|; )default-src 'none'(;|$)/, where);
      assert.match(policy, /(^|; )frame-ancestors 'none'(;|$)/, where);
      assert.match(policy, /(^|; )form-action 'self'(;|$)/, where);
      assert.doesNotMatch(policy, /unsafe-inline|script-src/, where);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', where);
      assert.equal(res.headers['x-frame-options'], 'DENY', where);
      assert.equal(res.headers['referrer-policy'], 'no-referrer', where);
      assert.equal(res.headers['cache-control'], 'no-store', where);
      assert.doesNotMatch(res.text, /<script|<style|\sstyle=/i, where);
    }
  });

  it('serves the stylesheet and the icon with their types, for browsers to revalidate', async () => {
    for (const [path, type] of [
      ['/demo.css', 'text/css; charset=utf-8'],
      ['/favicon.svg', 'image/svg+xml'],
    ]) {
      const res = await request(app.callback()).get(path).expect(200);
      assert.equal(res.headers['content-type'], type);
      assert.equal(res.headers['cache-control'], 'no-cache');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['set-cookie'], undefined);
      await request(app.callback()).get(path).set('If-None-Match', res.headers.etag).expect(304);
    }
    const page = (await request(app.callback()).get('/')).text;
    assert.match(page, /<link rel="icon" href="\/favicon.svg" type="image\/svg\+xml">/);
    assert.match(page, /<link rel="stylesheet" href="\/demo.css">/);
  });
});

describe('demo: signing out ends the session', () => {
  it('a copy of the cookie taken before signing out no longer signs anyone in', async () => {
    const app = createApp({ secretKey: KEY });
    const cookie = sessionCookie(await login(request(app.callback())).expect(200), 'demo.sid');
    await request(app.callback()).post('/logout').set('Cookie', cookie).expect(302);
    await request(app.callback()).get('/me').set('Cookie', cookie).expect(401);
  });

  it('sign out everywhere ends the sessions of every device, and the dashboard shows the session id', async () => {
    const app = createApp({ secretKey: KEY });
    const phone = sessionCookie(await login(request(app.callback())).expect(200), 'demo.sid');
    const laptop = request.agent(app.callback());
    await login(laptop).expect(200);
    assert.match(textOf((await laptop.get('/dashboard').expect(200)).text, 'session-id'), /^[A-Za-z0-9_-]{6}…$/);
    await laptop.post('/logout-everywhere').expect(302);
    await request(app.callback()).get('/me').set('Cookie', phone).expect(401);
    await laptop.get('/me').expect(401);
  });
});

describe('demo: the password check', () => {
  /** The hashes `authenticate(username, password)` compared against. */
  async function compared(username, password) {
    const hashes = [];
    await authenticate(username, password, async (_, hash) => {
      hashes.push(hash);
      return false;
    });
    return hashes;
  }

  it('runs one bcrypt comparison at the same cost whether the user exists or not', async () => {
    const [alice] = await compared('alice', 'nope');
    assert.match(alice, /^\$2b\$10\$/);
    for (const [username, password] of [
      ['bob', 'wonderland'],
      ['__proto__', 'x'],
      ['toString', 'x'],
      [undefined, undefined],
      [{}, 42],
    ]) {
      const hashes = await compared(username, password);
      assert.equal(hashes.length, 1, `one comparison for ${String(username)}`);
      assert.notEqual(hashes[0], alice);
      assert.equal(hashes[0].slice(0, 7), alice.slice(0, 7), 'the same bcrypt version and cost');
      assert.equal(hashes[0].length, alice.length);
    }
  });

  it('signs alice in with her password only', async () => {
    assert.equal((await authenticate('alice', 'wonderland')).id, 'u-1');
    assert.equal(await authenticate('alice', 'nope'), null);
    assert.equal(await authenticate('bob', 'wonderland'), null);
  });
});

describe('demo: cross-site posts', () => {
  const app = createApp({ secretKey: KEY });
  const CROSS_SITE = [{ Origin: 'http://evil.example' }, { 'Sec-Fetch-Site': 'cross-site' }, { Origin: 'null' }];

  it('refuses a cross-site POST to /login, /logout and /notes with 403', async () => {
    for (const path of ['/login', '/logout', '/notes']) {
      for (const headers of [...CROSS_SITE, { 'Sec-Fetch-Site': 'same-site' }]) {
        const res = await request(app.callback())
          .post(path)
          .set(headers)
          .type('form')
          .send({ username: 'alice', password: 'wonderland' });
        assert.equal(res.status, 403, `${path} with ${JSON.stringify(headers)}`);
        assert.equal(sessionCookie(res, 'demo.sid'), undefined, 'no session started');
      }
    }
  });

  it('keeps a signed-in session as it was when another site posts to /notes or /logout', async () => {
    const agent = request.agent(app.callback());
    await login(agent).expect(200);
    await agent.post('/notes').set(CROSS_SITE[0]).type('form').send({ note: 'planted' }).expect(403);
    await agent.post('/logout').set(CROSS_SITE[1]).expect(403);
    const page = (await agent.get('/dashboard').expect(200)).text;
    assert.doesNotMatch(page, /planted/);
  });

  it('accepts posts from the same origin, and from clients that are not browsers', async () => {
    const post = () => request(app.callback()).post('/login').send({ username: 'alice', password: 'wonderland' });
    await post().set({ Host: 'demo.test', Origin: 'http://demo.test' }).expect(200);
    await post().set({ 'Sec-Fetch-Site': 'same-origin', Origin: 'http://demo.test' }).expect(200);
    await post().set({ 'Sec-Fetch-Site': 'none' }).expect(200);
    await post().expect(200);
  });

  it('does not believe X-Forwarded-Host unless told the app is behind a proxy', async () => {
    const spoofed = { Origin: 'http://evil.example', 'X-Forwarded-Host': 'evil.example' };
    await request(app.callback()).post('/login').set(spoofed).expect(403);
    const proxied = createApp({ secretKey: KEY, trustProxy: true });
    await request(proxied.callback())
      .post('/login')
      .set(spoofed)
      .send({ username: 'alice', password: 'x' })
      .expect(401);
  });
});

describe('demo: behind an HTTPS proxy', () => {
  it('marks the cookie Secure, httpOnly and SameSite=Lax', async () => {
    const app = createApp({ secretKey: KEY, secure: true, trustProxy: true });
    const res = await login(request(app.callback())).set('X-Forwarded-Proto', 'https').expect(200);
    const line = res.headers['set-cookie'].find((l) => l.startsWith('demo.sid='));
    assert.match(line, /; secure/);
    assert.match(line, /; samesite=lax/);
    assert.match(line, /; httponly/);
  });
});

/**
 * The external stores the demo supports, each with raw access to what its server holds: `open`
 * starts the server and returns `{ store(), raw: { entries, set, clear }, stop }`, where
 * `entries()` lists `{ key, value, ttl }` for every session held, under the key the server holds it by.
 */
const BACKENDS = {
  Redis: async () => {
    const server = await startRedis();
    if (!server) return undefined;
    const stores = [];
    const store = () => {
      const s = redisStore(server.url);
      stores.push(s);
      return s;
    };
    const admin = store().redis;
    const shared = [];
    return {
      store,
      /** Logouts shared through this Redis, as `npm run demo` does in Redis mode. */
      revocations: () => {
        const revocations = redisRevocations({ url: server.url });
        shared.push(revocations);
        return revocations;
      },
      raw: {
        entries: async () =>
          Promise.all(
            (await admin.keys('sess:*')).map(async (key) => ({
              key,
              value: await admin.get(key),
              ttl: await admin.pttl(key),
            })),
          ),
        set: (key, value) => admin.set(key, value, 'PX', 60_000),
        clear: () => admin.flushall(),
      },
      stop: async () => {
        await Promise.all(shared.map((revocations) => revocations.close()));
        for (const s of stores) s.redis.disconnect();
        server.stop();
      },
    };
  },
  PostgreSQL: async () => {
    const server = await startPostgres();
    if (!server) return undefined;
    const stores = [];
    const store = () => {
      const s = postgresStore(server.url);
      stores.push(s);
      return s;
    };
    const admin = store();
    await admin.get('warm-up'); // creates the table
    return {
      store,
      raw: {
        entries: async () =>
          (await admin.pool.query('SELECT id, value, expires_at FROM koa_sessions')).rows.map((row) => ({
            key: row.id,
            value: row.value,
            ttl: new Date(row.expires_at).getTime() - Date.now(),
          })),
        set: (key, value) => admin.pool.query('UPDATE koa_sessions SET value = $2 WHERE id = $1', [key, value]),
        clear: () => admin.pool.query('DELETE FROM koa_sessions'),
      },
      stop: async () => {
        await Promise.all(stores.map((s) => s.close()));
        server.stop();
      },
    };
  },
};

for (const [name, open] of Object.entries(BACKENDS)) {
  describe(`demo: sessions in ${name}`, () => {
    let backend;
    before(async () => {
      backend = await open();
    });
    beforeEach(() => backend?.raw.clear());
    after(() => backend?.stop());

    /** The one session the store holds. */
    async function onlyEntry() {
      const entries = await backend.raw.entries();
      assert.equal(entries.length, 1, `${name} holds ${entries.length} sessions`);
      return entries[0];
    }

    it('holds sealed values only, with an expiry, under a session id that login regenerates', async (t) => {
      if (!backend) return t.skip(notInstalled(name));
      const agent = request.agent(createApp({ secretKey: KEY, store: backend.store() }).callback());
      const first = sessionCookie(await agent.get('/').expect(200), 'demo.sid');
      const before = await onlyEntry();
      const cookie = sessionCookie(await login(agent).expect(200), 'demo.sid');
      assert.notEqual(cookie, first, 'login gives a new session id');
      const stored = await onlyEntry();
      assert.notEqual(stored.key, before.key, 'the old session is gone');
      assert.match(stored.value, /^v\d+\.[A-Za-z0-9_-]+$/);
      // The characters above already rule JSON out. The names are looked for in the bytes: a short
      // one such as u-1 turns up in random base64url text about once in a thousand values.
      const sealed = Buffer.from(stored.value.slice(stored.value.indexOf('.') + 1), 'base64url').toString('latin1');
      assert.doesNotMatch(sealed, /alice|admin|u-1/);
      assert.ok(
        stored.ttl > 24 * 3600 * 1000 && stored.ttl <= 24 * 3600 * 1000 + 10_000,
        `expires in ${stored.ttl} ms`,
      );
    });

    it('keeps the session across an app restart, and logout deletes it', async (t) => {
      if (!backend) return t.skip(notInstalled(name));
      const agent = request.agent(createApp({ secretKey: KEY, store: backend.store() }).callback());
      const cookie = sessionCookie(await login(agent).expect(200), 'demo.sid');
      const restarted = request(createApp({ secretKey: KEY, store: backend.store() }).callback());
      await restarted
        .get('/me')
        .set('Cookie', cookie)
        .expect(200, { user: { name: 'alice', role: 'admin' } });
      await agent.post('/logout').expect(302);
      assert.deepEqual(await backend.raw.entries(), []);
    });

    it('signing out on one process ends the session on another (Redis: through redisRevocations)', async (t) => {
      if (!backend) return t.skip(notInstalled(name));
      if (!backend.revocations) return; // PostgreSQL mode keeps logouts in its one process
      const [a, b] = [1, 2].map(() =>
        request(createApp({ secretKey: KEY, store: backend.store(), revocations: backend.revocations() }).callback()),
      );
      const cookie = sessionCookie(await login(a).expect(200), 'demo.sid');
      const { key, value } = await onlyEntry();
      await b.get('/me').set('Cookie', cookie).expect(200);
      await a.post('/logout').set('Cookie', cookie).expect(302);
      await backend.raw.set(key, value); // written back, as by a request in flight
      await eventually(
        'the other process signs it out',
        async () => (await b.get('/me').set('Cookie', cookie)).status === 401,
      );
    });

    it('refuses a value altered in the store', async (t) => {
      if (!backend) return t.skip(notInstalled(name));
      const agent = request.agent(createApp({ secretKey: KEY, store: backend.store() }).callback());
      await login(agent).expect(200);
      const { key, value } = await onlyEntry();
      await backend.raw.set(key, `${value.slice(0, 20)}${value[20] === 'A' ? 'B' : 'A'}${value.slice(21)}`);
      await agent.get('/me').expect(401);
    });

    it('says why a copy of a cookie that was signed out no longer signs in: the store no longer has it', async (t) => {
      if (!backend) return t.skip(notInstalled(name));
      const app = createApp({ secretKey: KEY, store: backend.store() });
      const cookie = sessionCookie(await login(request(app.callback())).expect(200), 'demo.sid');
      await request(app.callback()).post('/logout').set('Cookie', cookie).expect(302);
      const res = await request(app.callback()).get('/dashboard').set('Cookie', cookie).expect(401);
      assert.equal(textOf(res.text, 'signed-out'), 'This session has ended: it was signed out, or it expired.');
    });

    it('describes on the dashboard the session id in the cookie, without it, and what the store holds under which key', async (t) => {
      if (!backend) return t.skip(notInstalled(name));
      const agent = request.agent(createApp({ secretKey: KEY, store: backend.store() }).callback());
      const cookie = sessionCookie(await login(agent).expect(200), 'demo.sid');
      const { key, value } = await onlyEntry();
      const page = (await agent.get('/dashboard').expect(200)).text;
      assertCookieShown(page, cookie, 'session id', 5);
      assert.equal(textOf(page, 'store-key'), key);
      assert.equal(textOf(page, 'store-value'), value);
      assert.deepEqual(JSON.parse(textOf(page, 'session')), { userId: 'u-1', role: 'admin' });
    });
  });
}
