// Creates and drops keyrings (middleware and codecs) and prints, as JSON, the process's RSS, its
// V8 heap and its memory mappings after each round of `count`. Run with --expose-gc. Arguments:
// keyrings per round, rounds, and "sync" to make each round without yielding (so no finalizer can
// run before its end).
import { readFileSync } from 'node:fs';
import { setImmediate as tick } from 'node:timers/promises';
import Koa from 'koa';
import encryptedSession, { createCodec } from '../index.mjs';

const [count, rounds, mode] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const key = Buffer.alloc(32, 9);
const app = new Koa();

/** Mappings now, and how many are 4 KiB no-access guard pages (libsodium puts two around each allocation). */
function mappings() {
  const lines = readFileSync('/proc/self/maps', 'utf8').trim().split('\n');
  const guard = lines.filter((line) => {
    const [range, perms] = line.split(/\s+/);
    const [start, end] = range.split('-').map((hex) => Number.parseInt(hex, 16));
    return perms === '---p' && end - start === 4096;
  });
  return { all: lines.length, guard: guard.length };
}

/** Collects garbage until finalizers (which free native keyrings) have run. */
async function settle() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await tick();
  }
}

/** Makes one keyring, alternately through the middleware and through createCodec, and drops it. */
function churn(i) {
  if (i % 2) encryptedSession({ secretKey: key, format: 'compact' }, app);
  else createCodec({ secretKey: [key, key] }).encode({ i });
}

/** RSS, the V8 heap's size within it, and the mappings. */
function snapshot() {
  const { rss, heapTotal } = process.memoryUsage();
  return { rss, heap: heapTotal, ...mappings() };
}
await settle();
const report = { start: snapshot(), rounds: [], peakGuard: 0 };
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < count; i++) {
    churn(i);
    if (i % 1000 === 999) {
      report.peakGuard = Math.max(report.peakGuard, mappings().guard);
      if (mode !== 'sync') await tick();
    }
  }
  await settle();
  report.rounds.push(snapshot());
}
console.log(JSON.stringify(report));
