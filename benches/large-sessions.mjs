// Sessions larger than one cookie: a 10 KB session sealed once and split across cookies
// (maxCookies), against the same session sealed into one over-long cookie (which no browser would
// keep: the cost of the splitting alone), as codec round trips and decodes, interleaved; per
// request without HTTP, a session split across two cookies against the same one in one cookie of
// 8 KB, beside what Koa itself spends writing one more Set-Cookie header; and the 10 KB session
// per request, split across cookies against encryptedStore on a real Redis (started here on a
// free loopback port).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { createServer, Socket } from 'node:net';
import Koa from 'koa';

const require = createRequire(import.meta.url);
const native = require('../native/binding.cjs');
/** The cookies module Koa reads cookies with. */
const Cookies = createRequire(require.resolve('koa'))('cookies');
const { layOut, openParts, partCount, partsIn } = require('../lib/chunks.cjs');
const { openValue, sealValue } = require('../lib/sealed.cjs');

import { median, medianRatio } from './median.mjs';
import { runPipelineBench } from './pipeline.mjs';
import { SPLIT_AND_ONE, SPLIT_AND_STORE } from './servers/session-apps.mjs';

const SIZE = 10_000;
/** A session that still fits in one cookie of 8192 bytes, sealed, with its name and attributes. */
const ONE_COOKIE_SIZE = 5_500;
/** Room for each cookie's value once its name and attributes are counted, as the middleware leaves it. */
const ROOM = 4000;
/** The package's native keyring, compact format, as the middleware makes it for `koa.sess`. */
const RING = native.createCookieKeyring([Buffer.alloc(32, 7)], 'koa.sess', true, 4 * native.MAX_COOKIE_CHARS, 0);
/** The sealed value of a session with `size` characters of data. */
const sealedOf = (size) => sealValue(RING, undefined, { user: 'alice', data: 'x'.repeat(size) }).value;

/** Nanoseconds per call of `fn` over `iterations`. */
function time(fn, iterations) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - start) / iterations;
}

/**
 * µs per call of each of `fns` (by name), warmed up, then timed in interleaved rounds: one sample
 * per round each.
 * @param {Record<string, () => unknown>} fns
 * @returns {Record<string, number[]>}
 */
function interleaved(fns, { rounds, iterations }) {
  for (const fn of Object.values(fns)) time(fn, iterations);
  const samples = Object.fromEntries(Object.keys(fns).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, fn] of Object.entries(fns)) samples[name].push(time(fn, iterations) / 1000);
  }
  return samples;
}

/** The head of a table of `ratioRow`s. */
const RATIO_HEAD =
  '| split across cookies | one cookie | split − one | split / one (range over rounds) |\n| --- | --- | --- | --- | --- |';

/**
 * A table row: the two ways' medians (µs), and the medians of the rounds' differences and ratios,
 * with the ratios' range.
 */
function ratioRow(label, [split, one]) {
  const ratios = split.map((us, round) => us / one[round]);
  const range = `${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}`;
  const difference = median(split.map((us, round) => us - one[round]));
  return `| ${label} | ${median(split).toFixed(2)} µs | ${median(one).toFixed(2)} µs | ${difference.toFixed(2)} µs | ${medianRatio(split, one).toFixed(3)}× (${range}) |`;
}

/** The Cookie header a browser sends back for `cookies` (`[name, value]` pairs). */
const headerOf = (cookies) => cookies.map(([name, value]) => `${name}=${value}`).join('; ');

/**
 * The session the Cookie header `header` carries, read as the middleware reads it: the cookie
 * named `koa.sess` by the cookies module (as koa-session reads it), the other parts of a split
 * session in one pass over the header (lib/chunks.cjs), then opened.
 */
function sessionFrom(header) {
  const first = new Cookies({ headers: { cookie: header } }, null).get('koa.sess');
  if (partCount(first) === 0) return openValue(RING, first);
  const parts = partsIn(header, 'koa.sess');
  return openParts(RING, first, (index) => parts.get(index), { maxParts: 4, maxChars: 4 * native.MAX_COOKIE_CHARS });
}

/**
 * The codec's work on a session sealed once, by way (`split`, `one cookie`) and operation (`round
 * trip`, `decode`), µs per call: sealing and opening are the same calls both ways (the package's
 * own, over one keyring), and both ways read their cookies from a Cookie header as the middleware
 * does, so what differs is the splitting and joining alone.
 */
function codecRounds(shape) {
  const cookiesOf = (value) => layOut('koa.sess', value, () => ROOM, 4).cookies;
  const whole = sealedOf(SIZE);
  const [splitHeader, wholeHeader] = [headerOf(cookiesOf(whole)), headerOf([['koa.sess', whole]])];
  const cookies = cookiesOf(whole).length;
  if (cookies < 3) throw new Error(`a ${SIZE}-character session should take several cookies, took ${cookies}`);
  const ways = {
    'split/round trip': () => sessionFrom(headerOf(cookiesOf(sealedOf(SIZE)))),
    'one/round trip': () => sessionFrom(headerOf([['koa.sess', sealedOf(SIZE)]])),
    'split/decode': () => sessionFrom(splitHeader),
    'one/decode': () => sessionFrom(wholeHeader),
  };
  for (const fn of Object.values(ways)) assert.equal(fn().session.data.length, SIZE);
  return { samples: interleaved(ways, shape), cookies };
}

/**
 * Koa's own work to write the same characters as one Set-Cookie header and as two
 * (`ctx.cookies.set`, in a fresh context each time, with the cookie options koa-session uses by
 * default), µs per response: what a split session pays per response beyond this package's work.
 * @param {number} chars
 */
function setCookieRounds(chars, shape) {
  const app = new Koa();
  const socket = new Socket(); // never connected
  const context = () => {
    const req = new IncomingMessage(socket);
    Object.assign(req, { method: 'GET', url: '/', headers: {} });
    return app.createContext(req, new ServerResponse(req));
  };
  const options = { path: '/', httpOnly: true, overwrite: true, signed: false, maxAge: 86_400_000 };
  const value = 'A'.repeat(chars);
  const [first, second] = [value.slice(0, chars / 2), value.slice(chars / 2)];
  return interleaved(
    {
      two: () => {
        const ctx = context();
        ctx.cookies.set('koa.sess.1', second, options);
        ctx.cookies.set('koa.sess', first, options);
      },
      one: () => context().cookies.set('koa.sess', value, options),
    },
    shape,
  );
}

/** A free TCP port on loopback. */
async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

/** Starts redis-server on loopback without persistence; returns its URL and a stop function. */
async function startRedis() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  for (let tries = 0; tries < 100; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const probe = createServer();
    const free = await new Promise((resolve) => {
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (!free) break;
  }
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill() };
}

/**
 * Runs both parts; returns the section's text for BENCHMARKS.md.
 * @param {{ quick?: boolean }} options
 */
export async function runLargeSessionsBench({ quick = false } = {}) {
  const codecShape = quick ? { rounds: 3, iterations: 300 } : { rounds: 9, iterations: 3000 };
  const { samples, cookies } = codecRounds(codecShape);
  const codec = ['round trip', 'decode'].map((op) => ratioRow(op, [samples[`split/${op}`], samples[`one/${op}`]]));
  const shape = quick ? { rounds: 1, requests: 500 } : { rounds: 9, requests: 10_000 };
  const [split, one] = await runPipelineBench({ ...shape, sizes: [ONE_COOKIE_SIZE], contenders: SPLIT_AND_ONE });
  if (split.cookies !== 2 || one.cookies !== 1) {
    throw new Error(`expected the session in 2 cookies and in 1, got ${split.cookies} and ${one.cookies}`);
  }
  const koa = setCookieRounds(sealedOf(ONE_COOKIE_SIZE).length, codecShape);
  const perRequest = [
    ratioRow('the middleware, per request', [split.samples, one.samples]),
    ratioRow('of which Koa writing the Set-Cookie headers', [koa.two, koa.one]),
  ];
  const redis = await startRedis();
  process.env.BENCH_REDIS_URL = redis.url;
  let store;
  try {
    store = await runPipelineBench({ ...shape, sizes: [SIZE], contenders: SPLIT_AND_STORE });
  } finally {
    redis.stop();
  }
  const storeRows = [
    '| middleware | cookies | per request (median) | spread |',
    '| --- | --- | --- | --- |',
    ...store.map(
      (row) =>
        `| ${row.name} | ${row.cookies} | ${row.median.toFixed(2)} µs | ${row.min.toFixed(2)}–${row.max.toFixed(2)} µs |`,
    ),
  ];
  return [
    `Codec: a session of ${SIZE.toLocaleString('en')} characters of data, compact format, sealed once by the package (lib/sealed.cjs over one native keyring, JSON included) and split into ${cookies} cookies of at most ${ROOM} characters (lib/chunks.cjs), against the same session as one cookie no browser would keep. Both ways write their cookies into one Cookie header and read them back from it as the middleware does (the session cookie with Koa's cookies module, as koa-session reads it; a split session's other parts in one pass over the header), then open them. ${codecShape.rounds} interleaved rounds; differences and ratios are medians of the rounds' own.`,
    `| operation ${RATIO_HEAD}\n${codec.join('\n')}`,
    `Per request without HTTP (the pipeline of "Session handling without HTTP", ${shape.rounds} interleaved rounds of ${shape.requests.toLocaleString('en')} requests), with a session of ${ONE_COOKIE_SIZE.toLocaleString('en')} characters: small enough for one cookie of \`maxCookieBytes: 8192\` (which browsers would drop; the middleware takes it), against the same session split across cookies of the default 4096 bytes. The second row is Koa's \`ctx.cookies.set\` alone writing the same ${sealedOf(ONE_COOKIE_SIZE).length.toLocaleString('en')} characters as two Set-Cookie headers and as one (${codecShape.rounds} rounds), none of it this package's work.`,
    `| per request ${RATIO_HEAD}\n${perRequest.join('\n')}`,
    `A ${SIZE.toLocaleString('en')}-character session per request (the same pipeline): split across cookies, against the same session kept by \`encryptedStore\` on a real Redis on loopback (the cookie then holds only the id).`,
    storeRows.join('\n'),
  ].join('\n\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await runLargeSessionsBench({ quick: true }));
