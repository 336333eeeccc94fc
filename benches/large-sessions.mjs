// Sessions larger than one cookie: a 10 KB session sealed once and split across cookies
// (maxCookies), against the same session sealed into one over-long cookie (which no browser would
// keep: the cost of the splitting alone), both as codec round trips and decodes, interleaved; and
// per request without HTTP, split across cookies against the same session in encryptedStore on a
// real Redis (started here on a free loopback port).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';

const require = createRequire(import.meta.url);
const native = require('../native/binding.cjs');
const { join, layOut } = require('../lib/chunks.cjs');
const { openValue, sealValue } = require('../lib/sealed.cjs');

import { median, medianRatio } from './median.mjs';
import { runPipelineBench } from './pipeline.mjs';
import { SPLIT_AND_STORE } from './servers/session-apps.mjs';

const SIZE = 10_000;
/** Room for each cookie's value once its name and attributes are counted, as the middleware leaves it. */
const ROOM = 4000;

/** Nanoseconds per call of `fn` over `iterations`. */
function time(fn, iterations) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - start) / iterations;
}

/**
 * The values of `cookies` (`[name, value]` pairs) as a server reads them back: written into one
 * Cookie header and found in it again, so each is a slice of that header, as the cookies module
 * hands them over.
 * @param {[string, string][]} cookies
 */
function throughHeader(cookies) {
  const header = cookies.map(([name, value]) => `${name}=${value}`).join('; ');
  const values = [];
  let at = 0;
  for (const [name, value] of cookies) {
    at = header.indexOf(`${name}=`, at) + name.length + 1;
    values.push(header.slice(at, at + value.length));
  }
  return values;
}

/**
 * The codec's work on a session sealed once, by way (`split`, `one cookie`) and operation (`round
 * trip`, `decode`), µs per call: sealing and opening are the same calls both ways (the package's
 * own, over one keyring), and both ways take their cookies through a Cookie header, so what
 * differs is the splitting and joining alone.
 */
function codecRounds({ rounds, iterations }) {
  const ring = native.createCookieKeyring([Buffer.alloc(32, 7)], 'koa.sess', true, 4 * native.MAX_COOKIE_CHARS, 0);
  const session = { user: 'alice', data: 'x'.repeat(SIZE) };
  const whole = sealValue(ring, undefined, session).value;
  const { cookies } = layOut('koa.sess', whole, () => ROOM, 4);
  const joined = (values) => join(values[0], (index) => values[index], 4);
  const [splitRead, wholeRead] = [throughHeader(cookies), throughHeader([['koa.sess', whole]])];
  const ways = {
    split: {
      'round trip': () => {
        const parts = layOut('koa.sess', sealValue(ring, undefined, session).value, () => ROOM, 4).cookies;
        openValue(ring, joined(throughHeader(parts)));
      },
      decode: () => openValue(ring, joined(splitRead)),
    },
    'one cookie': {
      'round trip': () => openValue(ring, throughHeader([['koa.sess', sealValue(ring, undefined, session).value]])[0]),
      decode: () => openValue(ring, wholeRead[0]),
    },
  };
  if (cookies.length < 3)
    throw new Error(`a ${SIZE}-character session should take several cookies, took ${cookies.length}`);
  const samples = {};
  for (const [way, ops] of Object.entries(ways)) {
    for (const [op, fn] of Object.entries(ops)) {
      time(fn, iterations); // warm-up
      samples[`${way}/${op}`] = [];
    }
  }
  for (let round = 0; round < rounds; round++) {
    for (const key of Object.keys(samples)) {
      const [way, op] = key.split('/');
      samples[key].push(time(ways[way][op], iterations) / 1000);
    }
  }
  return { samples, cookies: cookies.length };
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
  const { samples, cookies } = codecRounds(quick ? { rounds: 3, iterations: 300 } : { rounds: 9, iterations: 3000 });
  const lines = [
    '| operation | split across cookies | one over-long cookie | split / one (range over rounds) |',
    '| --- | --- | --- | --- |',
    ...['round trip', 'decode'].map((op) => {
      const [split, one] = [samples[`split/${op}`], samples[`one cookie/${op}`]];
      const ratios = split.map((us, round) => us / one[round]);
      const range = `${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}`;
      return `| ${op} | ${median(split).toFixed(2)} µs | ${median(one).toFixed(2)} µs | ${medianRatio(split, one).toFixed(3)}× (${range}) |`;
    }),
  ];
  const redis = await startRedis();
  process.env.BENCH_REDIS_URL = redis.url;
  let pipeline;
  try {
    pipeline = await runPipelineBench({
      rounds: quick ? 1 : 5,
      requests: quick ? 500 : 5000,
      sizes: [SIZE],
      contenders: SPLIT_AND_STORE,
    });
  } finally {
    redis.stop();
  }
  const perRequest = [
    '| middleware | per request (median) | spread |',
    '| --- | --- | --- |',
    ...pipeline.map(
      (row) => `| ${row.name} | ${row.median.toFixed(2)} µs | ${row.min.toFixed(2)}–${row.max.toFixed(2)} µs |`,
    ),
  ];
  return `A session of ${SIZE.toLocaleString('en')} characters of data, compact format. Codec: the package's own sealing and opening (lib/sealed.cjs over one native keyring, JSON included), of the session split into ${cookies} cookies of at most ${ROOM} characters and joined again (lib/chunks.cjs, as the middleware and \`encodeCookies\`/\`decodeCookies\` do), against the same session as one cookie no browser would keep; both ways write their cookies into one Cookie header and read them back from it, as a server receives them; ${quick ? 3 : 9} interleaved rounds, ratio the median of the rounds' ratios.\n\n${lines.join('\n')}\n\nPer request without HTTP (the pipeline of "Session handling without HTTP", ${quick ? 1 : 5} rounds): the session read and rewritten through the middleware, split across cookies, against the same session kept by \`encryptedStore\` on a real Redis on loopback (the cookie then holds only the id).\n\n${perRequest.join('\n')}`;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await runLargeSessionsBench({ quick: true }));
