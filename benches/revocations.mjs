// Revocations: the mirror's memory at 100,000 and 1,000,000 live entries (against a plain Map),
// the cost of a check, the stall of a prune, how long a starting process takes to load a million
// entries from a real Redis, and how soon a revocation made in one process is refused by two
// others. Each measurement runs in a fresh process; the propagation one across three.
//   node benches/revocations.mjs          prints the section run.mjs records (BENCH_QUICK=1: smaller)
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isolatedLib } from '../__test__/helpers.mjs';
import { startWorker } from '../__test__/revocation-worker.mjs';
import { startRedis } from '../__test__/servers.mjs';
import { redisRevocations } from '../index.mjs';
import { median, quantile } from './median.mjs';

const require = createRequire(import.meta.url);
const self = fileURLToPath(import.meta.url);
const DAY = 24 * 3600 * 1000;
const fmt = (x, digits = 1) => x.toFixed(digits);

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
 * In a fresh process (`--expose-gc`): `count` live revocations held by the mirror (`mirror`) or
 * by a Map of id to expiry (`map`), what they cost in memory, and what a check costs: over 65,536
 * revoked ids and as many others (so neither the ids nor the table are in cache, as for a request
 * whose id the table has not seen lately), and over 512 revoked ids (both in cache).
 */
function memoryChild(kind, count) {
  const { memoryRevocations } = require('../index.cjs');
  const seed = randomBytes(8).toString('hex');
  const until = Date.now() + DAY;
  const before = footprint();
  let holder;
  let check;
  if (kind === 'mirror') {
    holder = memoryRevocations();
    for (let i = 0; i < count; i++) holder.revoke(idOf(seed, i), until);
    check = (id) => holder.isRevoked(id);
  } else {
    holder = new Map();
    for (let i = 0; i < count; i++) holder.set(idOf(seed, i), until);
    check = (id) => (holder.get(id) ?? 0) > Date.now();
  }
  const bytes = footprint() - before;
  const hits = Array.from({ length: 1 << 16 }, (_, i) => idOf(seed, (i * 7919) % count));
  const misses = Array.from({ length: 1 << 16 }, () => randomBytes(16).toString('base64url'));
  const [hit, miss, warm] = [hits, misses, hits.slice(0, 512)].map((ids) => nsPerCall(check, ids));
  if (hit.refused !== 1_000_000 || warm.refused !== 1_000_000 || miss.refused !== 0) {
    throw new Error(`${kind}: wrong answers`);
  }
  const row = {
    kind,
    count,
    mb: bytes / 2 ** 20,
    bytesPerEntry: bytes / count,
    hit: hit.ns,
    miss: miss.ns,
    warm: warm.ns,
  };
  if (kind === 'mirror') row.pruneMs = pruneMs(count);
  return row;
}

/** The longest a prune stalls: a mirror of `count` entries, half of them expired, rebuilt. */
function pruneMs(count) {
  const { RevocationSet } = require('../lib/revocations/revocation-set.cjs');
  const set = new RevocationSet();
  const seed = randomBytes(8).toString('hex');
  const now = Date.now();
  for (let i = 0; i < count; i++) set.add(idOf(seed, i), now + (i % 2 ? DAY : 1000));
  const start = process.hrtime.bigint();
  set.prune(now + 2000);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (set.size !== count / 2) throw new Error('prune kept the wrong entries');
  return ms;
}

/**
 * In a fresh process: how long redisRevocations from `module` takes to be ready against `url`;
 * checks that it then refuses `sample` (comma-separated ids that Redis holds).
 */
async function loadChild(url, module, sample) {
  const { redisRevocations } = require(module);
  const start = performance.now();
  const revocations = redisRevocations({ url });
  await revocations.ready;
  const ms = performance.now() - start;
  if (!sample.split(',').every((id) => revocations.isRevoked(id))) throw new Error('the load missed entries');
  await revocations.close();
  return { ms };
}

/** Runs this file as a child with node `flags` and `args` (mode first), returning the JSON it prints. */
function child(flags, ...args) {
  const run = spawnSync(process.execPath, [...flags, self, ...args.map(String)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (run.status !== 0) throw new Error(`revocations benchmark child (${args.join(' ')}) failed`);
  return JSON.parse(run.stdout);
}

/**
 * Revokes `count` sessions through redisRevocations itself, 10,000 at a time, so that Redis holds
 * them as it would in use; returns a sample of their ids, comma-separated.
 */
async function populate(url, count) {
  const revocations = redisRevocations({ url });
  await revocations.ready;
  const sample = [];
  for (let from = 0; from < count; from += 10_000) {
    const ids = Array.from({ length: Math.min(10_000, count - from) }, () => randomBytes(16).toString('base64url'));
    await Promise.all(ids.map((id) => revocations.revoke(id)));
    sample.push(ids[0]);
  }
  await revocations.close();
  return sample.join(',');
}

/**
 * p50 and p99 (ms) from a revocation in one process to its refusal in two others: `count`
 * revocations, one at a time, each once both others refused the one before.
 */
async function propagation(url, count) {
  const seen = new Map();
  const onSeen = (id, at) => seen.set(id, [...(seen.get(id) ?? []), at]);
  const [revoker, ...watchers] = await Promise.all([
    startWorker('ioredis-url', url),
    startWorker('ioredis-url', url, { onSeen }),
    startWorker('ioredis-url', url, { onSeen }),
  ]);
  await Promise.all([revoker, ...watchers].map((w) => w.call('ready')));
  const ids = Array.from({ length: count }, () => randomBytes(16).toString('base64url'));
  await Promise.all(watchers.map((w) => w.call('watch', ids)));
  const delays = [];
  for (const id of ids) {
    const { at } = await revoker.call('revoke', id);
    while ((seen.get(id)?.length ?? 0) < watchers.length) await new Promise((resolve) => setImmediate(resolve));
    delays.push(...seen.get(id).map((t) => t - at));
  }
  await Promise.all([revoker, ...watchers].map((w) => w.call('close')));
  return { count, p50: quantile(delays, 0.5), p99: quantile(delays, 0.99), max: Math.max(...delays) };
}

/**
 * Runs every measurement; returns the markdown section body.
 * @param {{ quick?: boolean }} [options]
 */
export async function runRevocationsBench({ quick = false } = {}) {
  const sizes = quick ? [100_000] : [100_000, 1_000_000];
  const memory = sizes.flatMap((count) =>
    ['mirror', 'map'].map((kind) => child(['--expose-gc'], 'memory', kind, count)),
  );

  const loadCount = quick ? 100_000 : 1_000_000;
  const server = await startRedis();
  const nodeRedis = isolatedLib(['redis']);
  let loads;
  let spread;
  try {
    const sample = await populate(server.url, loadCount);
    const libraries = {
      ioredis: fileURLToPath(new URL('../index.cjs', import.meta.url)),
      'node-redis': nodeRedis.module,
    };
    loads = Object.entries(libraries).map(([name, module]) => {
      const times = Array.from({ length: quick ? 1 : 3 }, () => child([], 'load', server.url, module, sample).ms);
      return { name, ms: median(times), min: Math.min(...times), max: Math.max(...times) };
    });
    spread = await propagation(server.url, quick ? 200 : 1000);
  } finally {
    server.stop();
    nodeRedis.remove();
  }

  const lines = [
    '| held by | live revocations | memory | per entry | check: revoked id | other id | revoked id, in cache |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...memory.map(
      (r) =>
        `| ${r.kind === 'mirror' ? 'the mirror (packed table)' : 'a `Map<string, number>`'} | ${r.count.toLocaleString('en')} | ${fmt(r.mb)} MB | ${Math.round(r.bytesPerEntry)} B | ${Math.round(r.hit)} ns | ${Math.round(r.miss)} ns | ${Math.round(r.warm)} ns |`,
    ),
    '',
    ...memory
      .filter((r) => r.kind === 'mirror')
      .map(
        (r) =>
          `Pruning a mirror of ${r.count.toLocaleString('en')} entries, half of them expired, stalls the event loop ${fmt(r.pruneMs)} ms (a prune runs once a minute, and rebuilds only once a quarter of the entries have expired).`,
      ),
    '',
    `| loading ${loadCount.toLocaleString('en')} live revocations from Redis at start | time to \`ready\` (median) | spread |`,
    '| --- | --- | --- |',
    ...loads.map((r) => `| ${r.name} | ${Math.round(r.ms)} ms | ${Math.round(r.min)}–${Math.round(r.max)} ms |`),
    '',
    '| propagation, one process to two others | revocations | p50 | p99 | max |',
    '| --- | --- | --- | --- | --- |',
    `| ioredis, loopback | ${spread.count.toLocaleString('en')} | ${fmt(spread.p50, 2)} ms | ${fmt(spread.p99, 2)} ms | ${fmt(spread.max, 2)} ms |`,
  ];
  return `${lines.join('\n')}\n\nMemory: each row in a fresh process (\`--expose-gc\`): V8's heap plus array buffers after a full GC, before and after adding the entries (random 22-character ids, each live for a day). A check is \`isRevoked\` (for the Map, a get and an expiry comparison, both reading the clock), the median of 5 rounds of 1,000,000 calls. Loading: Redis filled through \`redisRevocations\` itself, then a fresh process timed from \`redisRevocations({ url })\` to \`ready\` and checked against a sample of the ids (${quick ? 'one run' : 'three runs'} each; node-redis from a copy of lib/ that sees only it). Propagation: three processes, each with its own \`redisRevocations\` over the Redis loaded above; one revokes, one id at a time once both others refused the previous one; the two others poll their mirror every millisecond, so each figure may be up to 1 ms late. Times on one clock (\`performance.timeOrigin + performance.now()\`), same machine, Redis on loopback.`;
}

const [mode, ...args] = process.argv.slice(2);
if (process.argv[1] === self) {
  if (mode === 'memory') console.log(JSON.stringify(memoryChild(args[0], Number(args[1]))));
  else if (mode === 'load') console.log(JSON.stringify(await loadChild(...args)));
  else console.log(await runRevocationsBench({ quick: Boolean(process.env.BENCH_QUICK) }));
}
