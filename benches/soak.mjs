// `npm run soak`: 60 s of load (autocannon, 100 connections, loopback only) through the middleware
// with key rotation on, every request reading and rewriting its session. Requires zero errors and
// flat memory (under 5 MB of RSS growth from 10 s into the run to the end), and records the result
// in BENCHMARKS.md. The server runs with V8's young generation pinned at its full size, as the
// memory benchmark does: left alone, V8 grows it by 16 MB of RSS whenever load first makes it, 15 s
// into the run on a slow machine. `SOAK_SECONDS` shortens it.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { MEMORY_NODE_FLAGS } from './memory.mjs';
import { recordSection } from './report.mjs';

const seconds = Number(process.env.SOAK_SECONDS ?? 60);
const server = fork(fileURLToPath(new URL('./servers/soak-server.mjs', import.meta.url)), {
  stdio: 'inherit',
  execArgv: MEMORY_NODE_FLAGS,
});
const [{ port, oldCookie }] = await once(server, 'message');
const rss = async () => {
  server.send('rss');
  return (await once(server, 'message'))[0].rss;
};

// Every request carries a cookie sealed with the older key: each one is opened by the second key
// of the ring and sealed again with the first.
const url = `http://127.0.0.1:${port}/`;
const headers = { cookie: `koa.sess=${oldCookie}` };
const warm = await autocannon({ url, headers, connections: 100, duration: 5 });
const rssAfterWarmup = await rss();
let rssSettled;
const samples = [];
const sampler = setInterval(async () => {
  samples.push(await rss());
  if (samples.length === 2) rssSettled = samples[1]; // 10 s into the run
}, 5000);
const result = await autocannon({ url, headers, connections: 100, duration: seconds });
clearInterval(sampler);
const rssEnd = await rss();
server.kill();

const errors = result.errors + result.timeouts + result.non2xx + warm.errors + warm.non2xx;
const growthMb = (rssEnd - (rssSettled ?? rssAfterWarmup)) / 2 ** 20;
const lines = [
  `${seconds} s, 100 connections, loopback, rotation on (two keys, cookies from the older one re-sealed):`,
  '',
  '| requests | req/s (mean) | latency p50 / p99 | errors + timeouts + non-2xx | RSS 10 s in | RSS at end | growth |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  `| ${result.requests.total} | ${Math.round(result.requests.average)} | ${result.latency.p50} / ${result.latency.p99} ms | ${errors} | ${((rssSettled ?? rssAfterWarmup) / 2 ** 20).toFixed(1)} MB | ${(rssEnd / 2 ** 20).toFixed(1)} MB | ${growthMb.toFixed(1)} MB |`,
  '',
  `RSS after the 5 s warm-up: ${(rssAfterWarmup / 2 ** 20).toFixed(1)} MB; samples every 5 s of the run (MB): ${samples.map((s) => (s / 2 ** 20).toFixed(1)).join(', ')}`,
];
console.log(lines.join('\n'));
await recordSection('Soak', lines.join('\n'));
if (errors > 0) throw new Error(`soak: ${errors} errors`);
if (growthMb > 5) throw new Error(`soak: RSS grew ${growthMb.toFixed(1)} MB`);
