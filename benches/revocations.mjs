// Revocations: the mirror's memory at 1,000,000 and 5,000,000 live entries (against a plain Map),
// the cost of a check and of a request with revocations on and off, the stall of a prune, how long
// a starting process takes to load from a real Redis and the longest it stalls its event loop
// meanwhile (1 M and 5 M revocations as compaction packs them, and 1 M written one per entry, as
// logouts write them before compaction), what Redis holds per revocation, and how soon a
// revocation made in one process is refused by two others while a fourth writes logouts at a
// steady rate. Each measurement runs in a fresh process; the propagation one across four.
//   node benches/revocations.mjs          prints the section run.mjs records (BENCH_QUICK=1: smaller)
import { fork, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Redis from 'ioredis';
import { isolatedLib } from '../__test__/helpers.mjs';
import { startWorker } from '../__test__/revocation-worker.mjs';
import { startRedis } from '../__test__/servers.mjs';
import { redisRevocations } from '../index.mjs';
import { median, quantile } from './median.mjs';

const require = createRequire(import.meta.url);
const self = fileURLToPath(import.meta.url);
const DAY = 24 * 3600 * 1000;
const STREAM = 'kss:revocations:stream';
const fmt = (x, digits = 1) => x.toFixed(digits);
const count = (n) => n.toLocaleString('en');

/** The i-th of a run's session ids: random-looking, and made again on demand instead of kept. */
const idOf = (seed, i) => createHash('md5').update(`${seed}:${i}`).digest('base64url');

/** Bytes in V8's heap and in array buffers (where the mirror's table lives), after a full GC. */
function footprint() {
  globalThis.gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** Median ns per call of `check(ids[i])` over `ids`, in `rounds` rounds of `calls` calls. */
function nsPerCall(check, ids, { rounds = 5, calls = 1_000_000 } = {}) {
  const mask = ids.length - 1;
  let refused = 0;
  const times = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) if (check(ids[i & mask])) refused++;
    times.push(Number(process.hrtime.bigint() - start) / calls);
  }
  return { ns: median(times), refused: refused / rounds };
}

/**
 * In a fresh process (`--expose-gc`): `size` live revocations held by the mirror (`mirror`) or
 * by a Map of id to expiry (`map`), what they cost in memory, and what a check costs: over 65,536
 * revoked ids and as many others (so neither the ids nor the table are in cache, as for a request
 * whose id the table has not seen lately), and over 512 revoked ids (both in cache).
 */
function memoryChild(kind, size) {
  const { memoryRevocations } = require('../index.cjs');
  const seed = randomBytes(8).toString('hex');
  const until = Date.now() + DAY;
  const before = footprint();
  let holder;
  let check;
  if (kind === 'mirror') {
    holder = memoryRevocations();
    for (let i = 0; i < size; i++) holder.revoke(idOf(seed, i), until);
    check = (id) => holder.isRevoked(id);
  } else {
    holder = new Map();
    for (let i = 0; i < size; i++) holder.set(idOf(seed, i), until);
    check = (id) => (holder.get(id) ?? 0) > Date.now();
  }
  const bytes = footprint() - before;
  const hits = Array.from({ length: 1 << 16 }, (_, i) => idOf(seed, (i * 7919) % size));
  const misses = Array.from({ length: 1 << 16 }, () => randomBytes(16).toString('base64url'));
  const [hit, miss, warm] = [hits, misses, hits.slice(0, 512)].map((ids) => nsPerCall(check, ids));
  if (hit.refused !== 1_000_000 || warm.refused !== 1_000_000 || miss.refused !== 0) {
    throw new Error(`${kind}: wrong answers`);
  }
  const row = {
    kind,
    size,
    mb: bytes / 2 ** 20,
    bytesPerEntry: bytes / size,
    hit: hit.ns,
    miss: miss.ns,
    warm: warm.ns,
  };
  if (kind === 'mirror') row.pruneMs = pruneMs(size);
  return row;
}

/** The longest one step of a prune stalls: a mirror of `size` entries, half of them expired, pruned a segment at a time. */
function pruneMs(size) {
  const { RevocationSet } = require('../lib/revocations/revocation-set.cjs');
  const set = new RevocationSet();
  const seed = randomBytes(8).toString('hex');
  // Pruned as at a time far ahead, so that nothing expires while the set fills.
  const now = Date.now() + 10 * DAY;
  for (let i = 0; i < size; i++) set.add(idOf(seed, i), now + (i % 2 ? DAY : 1000));
  let longest = 0;
  for (let s = 0; s < RevocationSet.SEGMENTS; s++) {
    const start = process.hrtime.bigint();
    set.pruneSegment(s, now + 2000);
    longest = Math.max(longest, Number(process.hrtime.bigint() - start) / 1e6);
  }
  if (set.size !== size / 2) throw new Error('prune kept the wrong entries');
  return longest;
}

/**
 * In a fresh process: how long redisRevocations from `module` takes to be ready against `url`,
 * and the longest its event loop stalled meanwhile; checks that it then refuses `sample`
 * (comma-separated ids that Redis holds).
 */
async function loadChild(url, module, sample) {
  const { redisRevocations } = require(module);
  const start = performance.now();
  const revocations = redisRevocations({ url });
  // Watched from here: requiring the client library (which an app has done long before) is not loading.
  const stalls = monitorEventLoopDelay({ resolution: 1 });
  stalls.enable();
  await revocations.ready;
  const ms = performance.now() - start;
  stalls.disable();
  if (!sample.split(',').every((id) => revocations.isRevoked(id))) throw new Error('the load missed entries');
  await revocations.close();
  return { ms, stallMs: stalls.max / 1e6 };
}

/** Runs this file as a child with node `flags` and `args` (mode first), returning the JSON it prints. */
function child(flags, ...args) {
  const run = spawnSync(process.execPath, [...flags, self, ...args.map(String)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  if (run.status !== 0) throw new Error(`revocations benchmark child (${args.join(' ')}) failed`);
  return JSON.parse(run.stdout);
}

/** Redis's used_memory, bytes. */
const usedMemory = async (admin) => Number((await admin.info('memory')).match(/used_memory:(\d+)/)[1]);

/**
 * Revokes `size` sessions through redisRevocations itself, 20,000 at a time (so a thousand go in
 * each entry, as compaction packs them); returns a sample of their ids, comma-separated.
 */
async function populatePacked(url, size) {
  const revocations = redisRevocations({ url });
  await revocations.ready;
  const sample = [];
  for (let from = 0; from < size; from += 20_000) {
    const ids = Array.from({ length: Math.min(20_000, size - from) }, () => randomBytes(16).toString('base64url'));
    await Promise.all(ids.map((id) => revocations.revoke(id)));
    sample.push(ids[0]);
  }
  await revocations.close();
  return sample.join(',');
}

/**
 * Appends `size` sessions one per entry, chained as redisRevocations chains them: the stream as
 * logouts one at a time leave it, before compaction; returns a sample of their ids.
 */
async function populateSingles(admin, size) {
  const until = Math.ceil((Date.now() + DAY) / 1000)
    .toString(16)
    .padStart(8, '0');
  const sample = [];
  let prev = '';
  for (let from = 0; from < size; from += 10_000) {
    const pipeline = admin.pipeline();
    for (let i = from; i < Math.min(size, from + 10_000); i++) {
      const id = randomBytes(16).toString('base64url');
      const tag = randomBytes(6).toString('base64url');
      pipeline.xadd(STREAM, '*', 't', tag, 'p', prev, 's', id + until);
      prev = tag;
      if (i === from) sample.push(id);
    }
    await pipeline.exec();
  }
  return sample.join(',');
}

/**
 * Fills a fresh Redis with `size` revocations (`packed` or one per entry), then times loads from
 * it with ioredis and node-redis; returns `{ layout, size, bytesPerRevocation, loads }`.
 */
async function loadBench(layout, size, runs) {
  const server = await startRedis();
  const admin = new Redis(server.url);
  const nodeRedis = isolatedLib(['redis']);
  try {
    const empty = await usedMemory(admin);
    const sample = layout === 'packed' ? await populatePacked(server.url, size) : await populateSingles(admin, size);
    const bytesPerRevocation = ((await usedMemory(admin)) - empty) / size;
    const libraries = {
      ioredis: fileURLToPath(new URL('../index.cjs', import.meta.url)),
      'node-redis': nodeRedis.module,
    };
    const loads = Object.entries(libraries).map(([library, module]) => {
      const results = Array.from({ length: runs }, () => child([], 'load', server.url, module, sample));
      const times = results.map((r) => r.ms);
      return {
        library,
        ms: median(times),
        min: Math.min(...times),
        max: Math.max(...times),
        stallMs: Math.max(...results.map((r) => r.stallMs)),
      };
    });
    return { layout, size, bytesPerRevocation, entries: await admin.xlen(STREAM), loads };
  } finally {
    admin.disconnect();
    server.stop();
    nodeRedis.remove();
  }
}

/**
 * p50 and p99 (ms) from a revocation in one process to its refusal in two others, `size`
 * revocations one at a time (each once both others refused the one before), while a fourth
 * process revokes `rate` random sessions a second.
 */
async function propagation(size, rate) {
  const server = await startRedis();
  const seen = new Map();
  const onSeen = (id, at) => seen.set(id, [...(seen.get(id) ?? []), at]);
  const workers = await Promise.all([
    startWorker('ioredis-url', server.url),
    startWorker('ioredis-url', server.url, { onSeen }),
    startWorker('redis-client', server.url, { onSeen }),
    startWorker('ioredis-url', server.url),
  ]);
  try {
    const [revoker, , , busy] = workers;
    await Promise.all(workers.map((w) => w.call('ready')));
    const ids = Array.from({ length: size }, () => randomBytes(16).toString('base64url'));
    await Promise.all(workers.slice(1, 3).map((w) => w.call('watch', ids)));
    await busy.call('churn', rate);
    const delays = [];
    for (const id of ids) {
      const { at } = await revoker.call('revoke', id);
      while ((seen.get(id)?.length ?? 0) < 2) await new Promise((resolve) => setImmediate(resolve));
      delays.push(...seen.get(id).map((t) => t - at));
    }
    await busy.call('churn', 0);
    return { size, rate, p50: quantile(delays, 0.5), p99: quantile(delays, 0.99), max: Math.max(...delays) };
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    server.stop();
  }
}

const E2E_SERVER = fileURLToPath(new URL('./servers/e2e-server.mjs', import.meta.url));
const CHECK_CONTENDERS = ['koa-sodium-session (compact)', 'koa-sodium-session (compact, revocations on)'];

/**
 * What a request costs the server with revocations off and on (100,000 revoked sessions and 1,000
 * users in the mirror): autocannon against benches/servers/e2e-server.mjs, the two interleaved
 * round by round; median req/s and server CPU µs per request of each.
 */
async function checkCost(rounds, seconds) {
  const samples = Object.fromEntries(CHECK_CONTENDERS.map((name) => [name, { reqs: [], cpu: [] }]));
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 ? [...CHECK_CONTENDERS].reverse() : CHECK_CONTENDERS) {
      const server = fork(E2E_SERVER, [name], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const [{ port }] = await once(server, 'message');
      const cpu = async () => {
        server.send('cpu');
        return (await once(server, 'message'))[0].cpu;
      };
      const url = `http://127.0.0.1:${port}`;
      const cookie = (await fetch(`${url}/?size=20`)).headers
        .getSetCookie()
        .map((line) => line.split(';')[0])
        .join('; ');
      const options = { url: `${url}/?size=20`, headers: { cookie }, connections: 50 };
      await autocannon({ ...options, duration: 1 });
      const before = await cpu();
      const result = await autocannon({ ...options, duration: seconds });
      samples[name].cpu.push(((await cpu()) - before) / result.requests.total);
      samples[name].reqs.push(result.requests.average);
      server.kill();
    }
  }
  return CHECK_CONTENDERS.map((name) => ({ name, reqs: median(samples[name].reqs), cpuUs: median(samples[name].cpu) }));
}

/**
 * Runs every measurement; returns the markdown section body.
 * @param {{ quick?: boolean }} [options]
 */
export async function runRevocationsBench({ quick = false } = {}) {
  const sizes = quick ? [100_000] : [1_000_000, 5_000_000];
  const memory = sizes.flatMap((size) => ['mirror', 'map'].map((kind) => child(['--expose-gc'], 'memory', kind, size)));
  const runs = quick ? 1 : 3;
  const loads = [];
  for (const size of sizes) loads.push(await loadBench('packed', size, runs));
  loads.push(await loadBench('single', quick ? 100_000 : 1_000_000, runs));
  const spread = await propagation(quick ? 200 : 1000, 200);
  const cost = await checkCost(quick ? 2 : 6, quick ? 2 : 4);

  const lines = [
    '| held by | live revocations | memory | per entry | check: revoked id | other id | revoked id, in cache | longest prune step |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...memory.map(
      (r) =>
        `| ${r.kind === 'mirror' ? 'the mirror (packed table)' : 'a `Map<string, number>`'} | ${count(r.size)} | ${fmt(r.mb)} MB | ${Math.round(r.bytesPerEntry)} B | ${Math.round(r.hit)} ns | ${Math.round(r.miss)} ns | ${Math.round(r.warm)} ns | ${r.pruneMs === undefined ? '' : `${fmt(r.pruneMs, 2)} ms`} |`,
    ),
    '',
    '| a request with revocations | req/s (median) | server CPU per request |',
    '| --- | --- | --- |',
    ...cost.map(
      (r) =>
        `| ${r.name.includes('revocations on') ? 'on: 100,000 sessions and 1,000 users revoked' : 'off'} | ${count(Math.round(r.reqs))} | ${fmt(r.cpuUs)} µs |`,
    ),
    '',
    '| loading at start | Redis holds | Redis memory per revocation | library | time to `ready` (median) | spread | longest event-loop stall |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...loads.flatMap((l) =>
      l.loads.map(
        (r) =>
          `| ${count(l.size)} revocations, ${l.layout === 'packed' ? 'packed (as compaction leaves them)' : 'one per entry (as logouts write them)'} | ${count(l.entries)} entries | ${Math.round(l.bytesPerRevocation)} B | ${r.library} | ${Math.round(r.ms)} ms | ${Math.round(r.min)}–${Math.round(r.max)} ms | ${fmt(r.stallMs)} ms |`,
      ),
    ),
    '',
    '| propagation, one process to two others | revocations | meanwhile | p50 | p99 | max |',
    '| --- | --- | --- | --- | --- | --- |',
    `| ioredis and node-redis, loopback | ${count(spread.size)} | a fourth process revokes ${spread.rate} sessions/s | ${fmt(spread.p50, 2)} ms | ${fmt(spread.p99, 2)} ms | ${fmt(spread.max, 2)} ms |`,
  ];
  return `${lines.join('\n')}\n\nMemory: each row in a fresh process (\`--expose-gc\`): V8's heap plus array buffers after a full GC, before and after adding the entries (random 22-character ids, each live for a day). A check is \`isRevoked\` (for the Map, a get and an expiry comparison, both reading the clock), the median of 5 rounds of 1,000,000 calls. Longest prune step: the mirror prunes one of its 512 segments at a time, yielding between them; the longest of those steps with half the entries expired. A request: benches/servers/e2e-server.mjs with and without revocations, autocannon with 50 connections, the two interleaved over ${quick ? 2 : 6} rounds of ${quick ? 2 : 4} s. Loading: a fresh Redis filled through \`redisRevocations\` itself (packed) or with one XADD per revocation, chained as the package chains them (one per entry); then a fresh process timed from \`redisRevocations({ url })\` to \`ready\` and checked against a sample of the ids (${runs === 1 ? 'one run' : `${runs} runs`} each; node-redis from a copy of lib/ that sees only it); the stall is the longest delay \`monitorEventLoopDelay\` saw over all runs (1 ms resolution). Redis memory: \`used_memory\` after filling, less before, per revocation. Propagation: four processes, each with its own \`redisRevocations\`; one revokes, one id at a time once both watchers refused the previous one; the watchers (one on ioredis, one on node-redis) poll their mirror every millisecond, so each figure may be up to 1 ms late. Times on one clock (\`performance.timeOrigin + performance.now()\`), same machine, Redis on loopback.`;
}

const [mode, ...args] = process.argv.slice(2);
if (process.argv[1] === self) {
  if (mode === 'memory') console.log(JSON.stringify(memoryChild(args[0], Number(args[1]))));
  else if (mode === 'load') console.log(JSON.stringify(await loadChild(...args)));
  else console.log(await runRevocationsBench({ quick: Boolean(process.env.BENCH_QUICK) }));
}
