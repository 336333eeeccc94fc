// Where one contender's server CPU per request goes beyond another's, over HTTP, all threads and
// the kernel included: each server runs under `perf record` (the software cpu-clock, which needs
// no hardware counters) while autocannon loads it, then the samples per request are compared
// symbol by symbol (JavaScript frames named through `--perf-basic-prof-only-functions`).
// `node benches/perf-e2e.mjs [size] [seconds] [contender] [reference]`; needs `perf` (Debian's
// linux-perf). A diagnosis, not a benchmark: compare the two contenders of one run only.
import { execFileSync, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const SERVER = fileURLToPath(new URL('./servers/e2e-server.mjs', import.meta.url));
const [size = '20', seconds = '8', ours = 'koa-sodium-session (compact)', reference = 'koa-session, unsigned'] =
  process.argv.slice(2);
/** Samples a second per thread. */
const FREQUENCY = 2000;

/** Records `name`'s server under load into `file`; the requests it answered meanwhile. */
async function record(name, file) {
  const child = fork(SERVER, [name], {
    execArgv: ['--perf-basic-prof-only-functions'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [{ port }] = await once(child, 'message');
  const url = `http://127.0.0.1:${port}/?size=${size}`;
  const cookie = (await fetch(url)).headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  const opts = { url, headers: { cookie }, connections: 50, pipelining: 1 };
  await autocannon({ ...opts, duration: 2 });
  const perf = spawn(
    'perf',
    ['record', '-e', 'cpu-clock', '-F', String(FREQUENCY), '-p', String(child.pid), '-o', file],
    {
      stdio: 'ignore',
    },
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  const result = await autocannon({ ...opts, duration: Number(seconds) });
  perf.kill('SIGINT');
  await once(perf, 'exit');
  child.kill('SIGINT');
  return result.requests.total;
}

/** µs per request by `shared object · symbol`, from a perf.data file. */
function perRequest(file, requests) {
  const text = execFileSync(
    'perf',
    ['report', '-i', file, '--no-children', '--sort', 'dso,sym', '-F', 'sample,dso,sym'],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    },
  );
  const totals = new Map();
  for (const line of text.split('\n')) {
    const match = line.match(/^\s*(\d+)\s+(.+?)\s+\[[.k]\]\s+(.*)$/);
    if (!match) continue;
    const key = `${match[2].replace(/ tid \d+/, '').trim()} · ${match[3].trim().replace(/0x[0-9a-f]+/, '(address)')}`;
    totals.set(key, (totals.get(key) ?? 0) + (Number(match[1]) * 1e6) / FREQUENCY / requests);
  }
  return totals;
}

const dir = mkdtempSync(join(tmpdir(), 'kss-perf-'));
try {
  const runs = [];
  for (const name of [ours, reference]) {
    const file = join(dir, `${runs.length}.data`);
    runs.push({ name, totals: perRequest(file, await record(name, file)) });
  }
  const sum = (totals) => [...totals.values()].reduce((a, b) => a + b, 0);
  for (const { name, totals } of runs) console.log(`${name}: ${sum(totals).toFixed(1)} µs of CPU per request`);
  const [a, b] = runs.map((run) => run.totals);
  const keys = new Set([...a.keys(), ...b.keys()]);
  const diffs = [...keys].map((key) => [key, (a.get(key) ?? 0) - (b.get(key) ?? 0)]).sort((x, y) => y[1] - x[1]);
  console.log(`\nmost spent by ${ours} over ${reference} (µs per request):`);
  for (const [key, us] of diffs.slice(0, 25)) console.log(`  ${us.toFixed(2).padStart(6)}  ${key}`);
  console.log(`\nmost spent by ${reference} over ${ours}:`);
  for (const [key, us] of diffs.slice(-10).reverse()) console.log(`  ${(-us).toFixed(2).padStart(6)}  ${key}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
