// End to end: autocannon (loopback only, bounded duration) against a Koa server per contender,
// each request carrying the session cookie, which the server opens, changes and seals again.
// Contenders are interleaved round by round; reports median req/s and server CPU per request.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { median } from './median.mjs';

const SERVER = fileURLToPath(new URL('./servers/e2e-server.mjs', import.meta.url));
// The ceiling, the package and the crypto floor first and side by side, so that their ratios
// come from servers measured seconds apart (rounds alternate the order).
const E2E_CONTENDERS = [
  'koa-session, unsigned',
  'koa-sodium-session (compact)',
  'koa-session, unsigned, native seal and open as hooks',
  'koa-sodium-session (compact, revocations on)',
  'koa-sodium-session (legacy)',
  'koa-encrypted-session 3.0.7',
  'koa-session, signed (default)',
  'koa-session 7.0.2, signed (default)',
  'koa-session 7.0.2, unsigned',
];

/** Starts a contender's server; returns its URL, a CPU probe and a stop function. */
async function start(name) {
  const child = fork(SERVER, [name], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [{ port }] = await once(child, 'message');
  const cpu = async () => {
    child.send('cpu');
    return (await once(child, 'message'))[0].cpu;
  };
  return { url: `http://127.0.0.1:${port}`, cpu, stop: () => child.kill() };
}

/** The session cookies a server sets for a session of `size` data characters. */
async function cookieFor(url, size) {
  const res = await fetch(`${url}/?size=${size}`);
  return res.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
}

/**
 * Runs the end-to-end benchmark; rows `{ size, name, reqs, reqsMin, reqsMax, samples, cpuUs,
 * cpuSamples, errors }` (`samples`: req/s, `cpuSamples`: server CPU µs per request, one per round,
 * in round order).
 * @param {{ rounds?: number, seconds?: number, sizes?: number[], contenders?: string[] }} options
 */
export async function runE2eBench({ rounds = 5, seconds = 4, sizes = [20, 1000], contenders = E2E_CONTENDERS } = {}) {
  const rows = [];
  for (const size of sizes) {
    const samples = Object.fromEntries(contenders.map((name) => [name, { reqs: [], cpu: [], errors: 0 }]));
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 ? [...contenders].reverse() : contenders;
      for (const name of order) {
        const server = await start(name);
        const cookie = await cookieFor(server.url, size);
        const opts = { url: `${server.url}/?size=${size}`, headers: { cookie }, connections: 50, pipelining: 1 };
        await autocannon({ ...opts, duration: 1 }); // warm-up
        const cpuBefore = await server.cpu();
        const result = await autocannon({ ...opts, duration: seconds });
        const cpuUsed = (await server.cpu()) - cpuBefore;
        server.stop();
        const s = samples[name];
        s.reqs.push(result.requests.average);
        s.cpu.push(cpuUsed / result.requests.total);
        s.errors += result.errors + result.timeouts + result.non2xx;
      }
    }
    for (const [name, s] of Object.entries(samples)) {
      rows.push({
        size,
        name,
        reqs: median(s.reqs),
        reqsMin: Math.min(...s.reqs),
        reqsMax: Math.max(...s.reqs),
        samples: s.reqs,
        cpuUs: median(s.cpu),
        cpuSamples: s.cpu,
        errors: s.errors,
      });
    }
  }
  return rows;
}

// `node benches/e2e.mjs [rounds] [contender…]`: some contenders only, the first the reference,
// each round's server CPU per request and the median of the rounds' ratios to the first.
if (import.meta.url === `file://${process.argv[1]}`) {
  const [rounds = '1', ...named] = process.argv.slice(2);
  const rows = await runE2eBench({ rounds: Number(rounds), contenders: named.length ? named : E2E_CONTENDERS });
  for (const row of rows) {
    const reference = rows.find((r) => r.size === row.size);
    const ratios = reference.cpuSamples.map((cpu, i) => cpu / row.cpuSamples[i]).sort((a, b) => a - b);
    console.log(
      `${row.size} B  ${row.name}: ${row.cpuUs.toFixed(1)} µs per request (median); of ${reference.name}: ${median(ratios).toFixed(3)} (rounds: ${ratios.map((r) => r.toFixed(2)).join(' ')})`,
    );
  }
}
