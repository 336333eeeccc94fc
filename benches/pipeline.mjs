// Session handling without HTTP: each contender's Koa context, session middleware and handler,
// timed per request in a process of its own, rounds interleaved. Where end-to-end numbers include
// Node's HTTP stack, this shows what the session middleware itself costs.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median } from './median.mjs';
import { MIDDLEWARES, SPLIT_AND_ONE, SPLIT_AND_STORE } from './servers/session-apps.mjs';

const WORKER = fileURLToPath(new URL('./servers/pipeline-worker.mjs', import.meta.url));
const PIPELINE_CONTENDERS = Object.keys(MIDDLEWARES).filter(
  (name) => !SPLIT_AND_STORE.includes(name) && !SPLIT_AND_ONE.includes(name),
);

/**
 * µs per request of contender `name` with `size` characters of session data, in a fresh process,
 * and how many cookies its last response set.
 * @returns {{ us: number, cookies: number }}
 */
function measure(name, size, requests) {
  const out = execFileSync(process.execPath, [WORKER, name, String(size), String(requests)], { encoding: 'utf8' });
  return JSON.parse(out);
}

/**
 * Runs the pipeline benchmark; rows `{ size, name, median, min, max, samples, cookies }` in µs per
 * request (`samples`: one per round, in round order; `cookies`: how many the last response set).
 * @param {{ rounds?: number, requests?: number, sizes?: number[], contenders?: string[] }} options
 */
export async function runPipelineBench({
  rounds = 5,
  requests = 20000,
  sizes = [20, 1000],
  contenders = PIPELINE_CONTENDERS,
} = {}) {
  const rows = [];
  for (const size of sizes) {
    const samples = Object.fromEntries(contenders.map((name) => [name, []]));
    const setCookies = {};
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 ? [...contenders].reverse() : contenders;
      for (const name of order) {
        const { us, cookies } = measure(name, size, requests);
        samples[name].push(us);
        setCookies[name] = cookies;
      }
    }
    for (const [name, xs] of Object.entries(samples)) {
      const [min, max, cookies] = [Math.min(...xs), Math.max(...xs), setCookies[name]];
      rows.push({ size, name, median: median(xs), min, max, samples: xs, cookies });
    }
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await runPipelineBench({ rounds: 3 })) {
    console.log(
      `${row.size} B\t${row.name.padEnd(42)}\t${row.median.toFixed(2)} µs (${row.min.toFixed(2)}–${row.max.toFixed(2)})`,
    );
  }
}
