// The demo while its session store's server goes away and comes back, against real PostgreSQL and
// Redis servers: the process never dies of it, answers 503 with a page (no stack trace) while the
// server is down, says so once in its log, and serves again once the server is back, sessions
// kept. And a cold start: many first requests at once, from several processes, on a database
// without the sessions table, all answered.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import request from 'supertest';
import { createApp } from '../examples/demo/app.mjs';
import { postgresStore, redisStore } from '../examples/demo/stores.mjs';
import { redisRevocations } from '../index.mjs';
import { eventually, KEY, notInstalled } from './helpers.mjs';
import { startPostgres, startRedis } from './servers.mjs';

const login = (agent) => agent.post('/login').send({ username: 'alice', password: 'wonderland' });

/** Checks that `res` is the demo's 503 page, telling the client when to try again, and nothing more. */
function assertUnavailable(res) {
  assert.equal(res.status, 503);
  assert.equal(res.headers['retry-after'], '5');
  assert.match(res.text, /<h1>Temporarily unavailable<\/h1>/);
  assert.doesNotMatch(res.text, /Error|ECONNREFUSED|\bat .*:\d+/);
  assert.equal(res.headers['set-cookie'], undefined);
}

/**
 * Stops and starts the PostgreSQL server at `url` as an operator restarting it would: `pg_ctl`
 * on its data directory, with the port and sockets it was started with, all read from the server.
 * Run as the postgres user when the tests run as root (PostgreSQL refuses root), as servers.mjs does.
 */
async function postgresControl(url) {
  const client = new pg.Client(url);
  await client.connect();
  const setting = async (name) => (await client.query('SELECT current_setting($1) AS value', [name])).rows[0].value;
  const [data, port, sockets] = [
    await setting('data_directory'),
    await setting('port'),
    await setting('unix_socket_directories'),
  ];
  const { bindir } = (await client.query("SELECT setting AS bindir FROM pg_config WHERE name = 'BINDIR'")).rows[0];
  await client.end();
  const pgCtl = (...args) => {
    const argv = [join(bindir, 'pg_ctl'), '-D', data, '-w', ...args];
    const res =
      process.getuid?.() === 0
        ? spawnSync('runuser', ['-u', 'postgres', '--', ...argv], { encoding: 'utf8' })
        : spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`pg_ctl ${args.join(' ')} failed: ${res.stderr}`);
  };
  return {
    /** A fast shutdown: connections are ended, as in a restart. */
    stop: () => pgCtl('-m', 'fast', 'stop'),
    start: () => pgCtl('-o', `-p ${port} -h 127.0.0.1 -k ${sockets}`, '-l', join(dirname(data), 'log'), 'start'),
  };
}

describe('demo: PostgreSQL goes away and comes back', () => {
  let server;
  let control;
  const stores = [];
  /** A PostgreSQL store on `url` whose log lines go to `log`. */
  const store = (url, log) => {
    const s = postgresStore(url, { log: (line) => log.push(line) });
    stores.push(s);
    return s;
  };
  before(async () => {
    server = await startPostgres();
    if (server) control = await postgresControl(server.url);
  });
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
    server?.stop();
  });

  it('answers 503 while it is down, cold start included, and serves the same sessions once it is back', async (t) => {
    if (!server) return t.skip(notInstalled('PostgreSQL'));
    const log = [];
    const app = createApp({ secretKey: KEY, store: store(server.url, log) });
    const agent = request.agent(app.callback());
    await login(agent).expect(200);
    await agent.get('/dashboard').expect(200); // the pool keeps its connection, idle

    control.stop();
    let stopped = true;
    try {
      // The server ended the idle connection: the pool reports it (unheard, it used to end the process).
      await eventually('the store to report the outage', () => log.length === 1);
      assert.match(log[0], /^PostgreSQL is not answering \(.+\): the demo answers 503 until it is back$/);
      assertUnavailable(await agent.get('/dashboard'));
      assertUnavailable(await agent.post('/notes').type('form').send({ note: 'kept?' }));
      // A process started while the database is down.
      const coldLog = [];
      const cold = request(createApp({ secretKey: KEY, store: store(server.url, coldLog) }).callback());
      assertUnavailable(await cold.get('/'));
      assert.equal(log.length, 1, 'told once per outage');
      assert.equal(coldLog.length, 1);

      control.start();
      stopped = false;
      await cold.get('/').expect(200);
      assert.equal(coldLog[1], 'PostgreSQL answers again');
    } finally {
      if (stopped) control.start(); // a failed assertion must not leave it stopped for the next test
    }
    const page = (await agent.get('/dashboard').expect(200)).text;
    assert.match(page, /Signed in as alice/);
    assert.doesNotMatch(page, /kept\?/);
    assert.deepEqual(log.slice(1), ['PostgreSQL answers again']);
  });

  it('answers many first requests at once, from several processes, on a database without the table', async (t) => {
    if (!server) return t.skip(notInstalled('PostgreSQL'));
    const admin = new pg.Client(server.url);
    await admin.connect();
    await admin.query('CREATE DATABASE cold_start');
    await admin.end();
    const url = server.url.replace(/\/postgres$/, '/cold_start');
    // Each app with its own store and pool, as separate processes would have.
    const apps = [1, 2, 3, 4].map(() => createApp({ secretKey: KEY, store: store(url, []) }).callback());
    const answers = await Promise.all(apps.flatMap((app) => Array.from({ length: 8 }, () => request(app).get('/'))));
    assert.deepEqual(
      answers.map((res) => res.status),
      answers.map(() => 200),
    );
  });
});

describe('demo: Redis goes away and comes back', () => {
  let server;
  const cleanups = [];
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
    server?.stop();
  });

  it('answers 503 while it is down, and serves again once it is back', async (t) => {
    if (!server) return t.skip(notInstalled('redis-server'));
    const log = [];
    // As `npm run demo` runs in Redis mode: the store's client carries the revocations too.
    const store = redisStore(server.url, { log: (line) => log.push(line) });
    const revocations = redisRevocations({ client: store.redis });
    cleanups.push(
      () => revocations.close(),
      () => store.redis.disconnect(),
    );
    await revocations.ready;
    const app = createApp({ secretKey: KEY, store, revocations });
    const agent = request.agent(app.callback());
    await login(agent).expect(200);

    await server.kill();
    assertUnavailable(await agent.get('/dashboard'));
    assertUnavailable(await request(app.callback()).get('/'));
    assert.equal(log.length, 1, 'told once per outage');
    assert.match(log[0], /^Redis is not answering \(.+\): the demo answers 503 until it is back$/);

    await server.restart(); // empty: the session it held is gone
    await eventually('the demo to serve again', async () => (await agent.get('/')).status === 200);
    assert.equal(log.at(-1), 'Redis answers again');
    await agent.get('/me').expect(401);
  });
});
