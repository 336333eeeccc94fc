// Where a request's server CPU goes, over HTTP: each contender's end-to-end server runs under
// `--cpu-prof` (and `--trace-gc`) while autocannon loads it, and its main thread's samples are
// summed by who spent them (this package, koa-session, the cookies module, Koa, Node's HTTP stack,
// V8's JSON and strings, the garbage collector…), per request. Process CPU (all threads) minus the
// main thread's samples is the work of other threads, mostly the garbage collector's helpers.
// `node benches/profile-e2e.mjs [size] [seconds] [contender…]`. A diagnosis, not a benchmark:
// the profiler itself costs time, so compare contenders within a run, not with other tables.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const SERVER = fileURLToPath(new URL('./servers/e2e-server.mjs', import.meta.url));
const [size = '20', seconds = '8', ...named] = process.argv.slice(2);
const contenders = named.length ? named : ['koa-sodium-session (compact)', 'koa-session, unsigned'];

/** Who spent a sample, from its function's script URL and name. */
function category({ url, functionName }) {
  if (functionName === '(garbage collector)') return 'garbage collector (main thread)';
  if (functionName === '(idle)' || functionName === '(program)') return `${functionName.slice(1, -1)}`;
  if (url.includes('/koa-sodium-session/') || (url.includes('/lib/') && !url.includes('node_modules')))
    return 'this package (JS)';
  if (url.includes('/benches/')) return 'the benchmark handler';
  if (url.includes('node_modules/koa-session/')) return 'koa-session';
  if (url.includes('node_modules/cookies/')) return 'cookies module';
  if (url.includes('node_modules/koa')) return 'Koa and its helpers';
  if (url.includes('node_modules/')) return 'other packages';
  if (url.startsWith('node:internal/http') || url.includes('_http_') || url.startsWith('node:_http'))
    return 'Node HTTP';
  if (url.startsWith('node:')) return 'Node core (net, streams, timers…)';
  if (url === '') return `native: ${functionName || '(anonymous)'}`;
  return 'other';
}

/** Self time (µs) by category, and by function within this package, from a .cpuprofile. */
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map();
  const ours = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const { callFrame } = byId.get(profile.samples[i]);
    const key = category(callFrame);
    const us = profile.timeDeltas[i] ?? 0;
    totals.set(key, (totals.get(key) ?? 0) + us);
    if (key === 'this package (JS)') {
      const where = `${callFrame.functionName || '(anonymous)'} ${callFrame.url.split('/').slice(-2).join('/')}:${callFrame.lineNumber + 1}`;
      ours.set(where, (ours.get(where) ?? 0) + us);
    }
  }
  return { totals, ours };
}

async function measure(name) {
  const dir = mkdtempSync(join(tmpdir(), 'kss-prof-'));
  const child = fork(SERVER, [name], {
    execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--trace-gc'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  let gcLines = { scavenge: 0, markCompact: 0 };
  let counting = false;
  child.stdout.on('data', (chunk) => {
    if (!counting) return;
    const text = String(chunk);
    gcLines.scavenge += (text.match(/Scavenge/g) ?? []).length;
    gcLines.markCompact += (text.match(/Mark-Compact|Mark-sweep/gi) ?? []).length;
  });
  const [{ port }] = await once(child, 'message');
  const url = `http://127.0.0.1:${port}/?size=${size}`;
  const cookie = (await fetch(url)).headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  const cpu = async () => {
    child.send('cpu');
    return (await once(child, 'message'))[0].cpu;
  };
  const opts = { url, headers: { cookie }, connections: 50, pipelining: 1 };
  await autocannon({ ...opts, duration: 2 });
  gcLines = { scavenge: 0, markCompact: 0 };
  counting = true;
  const before = await cpu();
  const result = await autocannon({ ...opts, duration: Number(seconds) });
  const processCpu = (await cpu()) - before;
  counting = false;
  child.kill('SIGINT');
  await once(child, 'exit');
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  const { totals, ours } = selfTimes(JSON.parse(readFileSync(join(dir, file), 'utf8')));
  rmSync(dir, { recursive: true, force: true });
  // The profile spans warm-up too: scale its categories to the measured window by busy time.
  const busy = [...totals].filter(([k]) => k !== 'idle').reduce((sum, [, us]) => sum + us, 0);
  return { name, requests: result.requests.total, processCpu, totals, ours, busy, gc: gcLines, cookie: cookie.length };
}

const rows = [];
for (const name of contenders) rows.push(await measure(name));
for (const { name, requests, processCpu, totals, ours, busy, gc, cookie } of rows) {
  const perRequest = processCpu / requests;
  console.log(`\n${name}: ${size} B session, cookie header ${cookie} bytes, ${requests} requests`);
  console.log(`  process CPU per request: ${perRequest.toFixed(1)} µs (all threads)`);
  console.log(
    `  scavenges per 10 000 requests: ${((gc.scavenge / requests) * 1e4).toFixed(1)}, mark-compacts: ${gc.markCompact}`,
  );
  const sorted = [...totals].filter(([k]) => k !== 'idle').sort((a, b) => b[1] - a[1]);
  for (const [key, us] of sorted.slice(0, 18)) {
    console.log(`  ${key.padEnd(42)} ${((us / busy) * 100).toFixed(1).padStart(5)} % of main-thread busy time`);
  }
  for (const [where, us] of [...ours].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    console.log(`    this package: ${where.padEnd(50)} ${((us / busy) * 100).toFixed(1).padStart(5)} %`);
  }
}
