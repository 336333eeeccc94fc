// Key derivation from a passphrase: how long it takes, and the longest the event loop stalls
// meanwhile: deriveKey (thread pool) against koa-encrypted-session, which derives synchronously
// while the middleware is built.
import { performance } from 'node:perf_hooks';
import Koa from 'koa';
import legacyEncryptedSession from 'koa-encrypted-session';
import { deriveKey } from '../index.mjs';
import { median } from './median.mjs';

const SECRET = 'a benchmark passphrase of at least thirty-two bytes';

/** Runs `work` while a 1 ms ticker records the largest gap between ticks; returns both times in ms. */
async function measure(work) {
  let last = performance.now();
  let worstGap = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    worstGap = Math.max(worstGap, now - last);
    last = now;
  }, 1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  const start = performance.now();
  await work();
  const took = performance.now() - start;
  await new Promise((resolve) => setTimeout(resolve, 20));
  clearInterval(ticker);
  return { took, stall: worstGap };
}

/** Rows `{ name, took, stall }` (ms, medians of `runs`). */
export async function runDeriveBench({ runs = 3 } = {}) {
  const contenders = {
    'koa-sodium-session deriveKey()': () => deriveKey(SECRET),
    'koa-encrypted-session 3.0.7 (at construction)': async () => legacyEncryptedSession({ secret: SECRET }, new Koa()),
  };
  const samples = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, work] of Object.entries(contenders)) samples[name].push(await measure(work));
  }
  return Object.entries(samples).map(([name, xs]) => ({
    name,
    took: median(xs.map((x) => x.took)),
    stall: median(xs.map((x) => x.stall)),
  }));
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await runDeriveBench({ runs: 1 }));
