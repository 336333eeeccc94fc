// `npm run bench`: the Rust floor (criterion), codec round trips, end to end over HTTP, session
// handling without HTTP, memory, revocations, the fleet proof and key derivation, all written
// into BENCHMARKS.md with the ratios the README quotes. Ratios are medians of per-round ratios:
// every round runs each contender back to back, so the machine's speed drifting between rounds
// cancels out. `npm run bench -- codec e2e` runs only the sections named (rust, codec, e2e,
// pipeline, memory, revocations, fleet, derive, large) and rewrites only theirs.
// `BENCH_QUICK=1` runs fewer, shorter rounds (for a smoke test, not for numbers).
import { spawnSync } from 'node:child_process';
import { runCodecBench } from './codec.mjs';
import { runDeriveBench } from './derive.mjs';
import { runE2eBench } from './e2e.mjs';
import { mustBeZero } from './fleet/tally.mjs';
import { FLEET_TITLE, fleetReport, runFleet } from './fleet.mjs';
import { runLargeSessionsBench } from './large-sessions.mjs';
import { median, medianRatio } from './median.mjs';
import { MEMORY_NODE_FLAGS } from './memory.mjs';
import { runPipelineBench } from './pipeline.mjs';
import { recordSection } from './report.mjs';
import { runRevocationsBench } from './revocations.mjs';

const quick = Boolean(process.env.BENCH_QUICK);
const THEIRS = 'koa-encrypted-session 3.0.7';
const fmt = (x, digits = 2) => x.toFixed(digits);
const SECTIONS = ['rust', 'codec', 'large', 'e2e', 'pipeline', 'memory', 'revocations', 'fleet', 'derive'];
const asked = process.argv.slice(2);
for (const name of asked) {
  if (!SECTIONS.includes(name)) throw new Error(`unknown section '${name}': expected some of ${SECTIONS.join(', ')}`);
}
/** Whether section `name` runs: all of them when none is named. */
const runs = (name) => asked.length === 0 || asked.includes(name);

/** Criterion's seal/open times per format and size, from `cargo bench --output-format bencher`. */
function rustFloor() {
  const args = ['bench', '--bench', 'codec', '--', '--output-format', 'bencher'];
  if (quick) args.push('--warm-up-time', '1', '--measurement-time', '1');
  const { stdout, status } = spawnSync('cargo', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (status !== 0) throw new Error('cargo bench failed');
  const lines = [
    ...stdout.matchAll(/^test (\S+ B)\/(seal|open)\/(\w+) \.\.\. bench:\s+([\d,]+) ns\/iter \(\+\/- ([\d,]+)\)/gm),
  ];
  /** Criterion's `ns ± spread` as µs. */
  const micros = (ns, spread) =>
    `${fmt(Number(ns.replaceAll(',', '')) / 1000)} µs ± ${fmt(Number(spread.replaceAll(',', '')) / 1000)}`;
  const rows = lines.map(
    ([, size, op, format, ns, spread]) => `| ${size} | ${format} | ${op} | ${micros(ns, spread)} |`,
  );
  const nonces = [...stdout.matchAll(/^test nonce\/(.+?) \.\.\. bench:\s+([\d,]+) ns\/iter \(\+\/- ([\d,]+)\)/gm)].map(
    ([, way, ns, spread]) => `| ${way} | ${micros(ns, spread)} |`,
  );
  return [
    ['| session JSON | format | operation | time |', '| --- | --- | --- | --- |', ...rows].join('\n'),
    'One seal\'s read of the OS generator (40 bytes: the nonce and a new session\'s id), both ways Linux offers it. The package makes the system call; the vDSO row is a measurement only (SECURITY.md, "Where nonces come from").',
    ['| read | time |', '| --- | --- |', ...nonces].join('\n'),
  ].join('\n\n');
}

if (runs('rust')) {
  console.log('Rust floor (criterion)…');
  await recordSection('Rust floor: seal and open alone (criterion)', rustFloor());
}

if (runs('codec')) await codecSection();
if (runs('large')) {
  console.log('sessions larger than one cookie…');
  await recordSection('Sessions larger than one cookie', await runLargeSessionsBench({ quick }));
}
if (runs('e2e')) await e2eSection();
if (runs('pipeline')) await pipelineSection();
if (runs('memory')) await memorySection();
if (runs('revocations')) {
  console.log('revocations…');
  await recordSection(
    'Revocations: mirror memory, checks, loading from Redis, propagation',
    await runRevocationsBench({ quick }),
  );
}
if (runs('fleet')) await fleetSection();
if (runs('derive')) await deriveSection();
console.log('BENCHMARKS.md written');

async function codecSection() {
  console.log('codec round trips…');
  const codec = await runCodecBench(quick ? { rounds: 3, budgetMs: 50 } : { rounds: 9, budgetMs: 200 });
  const codecLines = [
    '| session JSON | contender | round trip (median) | spread (min–max) | vs koa-encrypted-session | decode only (median) | vs koa-encrypted-session |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  const codecRatios = [];
  for (const row of codec) {
    const theirs = codec.find((r) => r.size === row.size && r.name === THEIRS);
    const ratio = fmt(medianRatio(theirs.samples, row.samples));
    const decodeRatio = fmt(medianRatio(theirs.decodeSamples, row.decodeSamples));
    codecLines.push(
      `| ${row.json} B | ${row.name} | ${fmt(row.median)} µs | ${fmt(row.min)}–${fmt(row.max)} µs | ${ratio}× | ${fmt(row.decodeMedian)} µs | ${decodeRatio}× |`,
    );
    if (row.name.startsWith('koa-sodium-session')) {
      codecRatios.push(`${row.name} at ${row.json} B: **${ratio}×** (decode only **${decodeRatio}×**)`);
    }
  }
  await recordSection(
    'Codec round trip (encode then decode)',
    `${codecLines.join('\n')}\n\nEvery contender first round-trips the same session; rounds are interleaved (${quick ? 3 : 9} rounds; ratios: the median of the rounds' ratios). "Decode only" opens a cookie the contender sealed before the rounds: the read path, which most requests take.\n\nFaster than koa-encrypted-session: ${codecRatios.join('; ')}.`,
  );
}

async function e2eSection() {
  console.log('end to end…');
  const shape = quick ? { rounds: 1, seconds: 2 } : { rounds: 9, seconds: 4 };
  const e2e = await runE2eBench(shape);
  const SIGNED = 'koa-session 7.0.2, signed (default)';
  const CEILING = 'koa-session, unsigned';
  const FLOOR = 'koa-session, unsigned, native seal and open as hooks';
  const e2eLines = [
    '| session data | server | server CPU per request (median) | of the no-crypto ceiling: median (range over rounds) | req/s (median) | errors | req/s vs koa-encrypted-session | req/s vs koa-session 7.0.2 signed |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const e2eRatios = [];
  for (const row of e2e) {
    const other = (name) => e2e.find((r) => r.size === row.size && r.name === name);
    const vs = (name) => fmt(medianRatio(row.samples, other(name).samples));
    // CPU the ceiling spends per request over CPU this server spends, round by round: 1 is no cost.
    const ofCeiling = other(CEILING).cpuSamples.map((cpu, i) => cpu / row.cpuSamples[i]);
    const range = `${fmt(median(ofCeiling), 3)} (${fmt(Math.min(...ofCeiling), 3)}–${fmt(Math.max(...ofCeiling), 3)})`;
    e2eLines.push(
      `| ${row.size} B | ${row.name} | ${fmt(row.cpuUs, 1)} µs | ${range} | ${Math.round(row.reqs)} | ${row.errors} | ${vs(THEIRS)}× | ${vs(SIGNED)}× |`,
    );
    if (row.name.startsWith('koa-sodium-session') && !row.name.includes('revocations'))
      e2eRatios.push(
        `${row.name}, ${row.size} B: **${fmt(median(ofCeiling), 3)}** of unsigned koa-session's server CPU per request; **${vs(THEIRS)}×** koa-encrypted-session's and **${vs(SIGNED)}×** signed koa-session 7.0.2's requests per second`,
      );
    if (row.name === FLOOR) {
      const ours = row.cpuSamples.map((cpu, i) => cpu / other('koa-sodium-session (compact)').cpuSamples[i]);
      e2eRatios.push(
        `the crypto floor (unsigned koa-session with this package's native seal and open as its hooks, nothing else), ${row.size} B: **${fmt(median(ofCeiling), 3)}** of the ceiling, and koa-sodium-session (compact) **${fmt(median(ours), 3)}** of it`,
      );
    }
    if (row.name.includes('revocations')) {
      const off = other('koa-sodium-session (compact)').cpuSamples.map((cpu, i) => cpu / row.cpuSamples[i]);
      e2eRatios.push(
        `revocations on (100 000 revoked sessions in the mirror), ${row.size} B: **${fmt(median(off), 3)}** of the server CPU per request with them off`,
      );
    }
  }
  await recordSection(
    'End to end over HTTP (autocannon, 50 connections, loopback)',
    `${e2eLines.join('\n')}\n\nEach request carries the session cookie; the handler changes the session, so every request opens and seals one. Server CPU per request (user and system time of the server process, all its threads, over the requests it answered) is the headline: requests per second move with whatever else the shared machine runs. "Of the no-crypto ceiling" is unsigned koa-session 6.4.0's CPU per request over this server's, in the same round (1 would be no cost at all). "Native seal and open as hooks" is a diagnostic, not a product: the encryption any sealed cookie needs (a kernel nonce, XSalsa20-Poly1305, base64) with none of the package's session id, issue time, checks or guards, so the distance from the package to it is what those cost. ${shape.rounds} interleaved rounds of ${shape.seconds} s per server, each server in its own process, autocannon on the same 2-core machine; ratios are medians of the rounds' ratios. "Signed (default)" is what \`npm install koa-session\` gives: 7.0.2, HMAC-signed cookies.\n\n${e2eRatios.join('; ')}.`,
  );
}

async function pipelineSection() {
  console.log('session handling without HTTP…');
  const pipeline = await runPipelineBench(quick ? { rounds: 1, requests: 2000 } : { rounds: 5, requests: 20000 });
  const pipelineLines = [
    '| session data | middleware | per request (median) | spread | vs koa-encrypted-session | vs koa-session 6.4.0 unsigned |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of pipeline) {
    const vs = (name) =>
      fmt(medianRatio(pipeline.find((r) => r.size === row.size && r.name === name).samples, row.samples));
    pipelineLines.push(
      `| ${row.size} B | ${row.name} | ${fmt(row.median)} µs | ${fmt(row.min)}–${fmt(row.max)} µs | ${vs(THEIRS)}× | ${vs('koa-session, unsigned')}× |`,
    );
  }
  await recordSection(
    'Session handling without HTTP',
    `${pipelineLines.join('\n')}\n\nThe end-to-end handler and middleware, run over a Koa context built on an in-memory request: no socket, no HTTP parsing, no response written. Each contender in a fresh process per round (${quick ? 1 : 5} interleaved rounds, ${quick ? '2,000' : '20,000'} requests timed after as many to warm up; ratios: the median of the rounds' ratios). "Hooks given": koa-session 7.0.2 with its own base64-JSON encoding passed as \`encode\`/\`decode\`, as this package passes its own, which skips the zod-validated default hooks.`,
  );
}

async function memorySection() {
  console.log('memory…');
  const memory = ['compact', 'legacy'].map((format) => {
    const script = new URL('./memory.mjs', import.meta.url).pathname;
    const args = [...MEMORY_NODE_FLAGS, script, format, quick ? '200000' : '5000000'];
    const run = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (run.status !== 0) throw new Error(`memory benchmark (${format}) failed`);
    return JSON.parse(run.stdout);
  });
  await recordSection(
    'Memory over codec round trips',
    [
      '| format | round trips (~1 KB session) | RSS before | RSS after | growth | growth outside the V8 heap |',
      '| --- | --- | --- | --- | --- | --- |',
      ...memory.map(
        (r) =>
          `| ${r.format} | ${r.count.toLocaleString('en')} | ${fmt(r.beforeMb, 1)} MB | ${fmt(r.afterMb, 1)} MB | ${fmt(r.growthMb, 1)} MB | ${fmt(r.outsideHeapGrowthMb, 1)} MB |`,
      ),
    ].join('\n') +
      `\n\nEach format in its own process, measured after a 2,000,000 round-trip warm-up and a full GC, and again after a full GC at the end. V8's young generation is pinned at its full size (\`${MEMORY_NODE_FLAGS.slice(1).join(' ')}\`): left alone, V8 grows it in steps of 8 and 16 MB of RSS under heavy allocation, for pure-JS codecs too, which would hide or fake a leak. "Outside the V8 heap" is RSS minus V8's heap: where native memory would grow.`,
  );
}

async function fleetSection() {
  console.log('fleet proof…');
  const fleet = await runFleet(quick ? { users: 200, seconds: 12 } : { users: 1000, seconds: 60 });
  await recordSection(FLEET_TITLE, fleetReport(fleet));
  if (Object.values(mustBeZero(fleet.counts)).some((n) => n !== 0)) {
    console.error('fleet proof: a count that must be 0 is not (see BENCHMARKS.md)');
    process.exitCode = 1;
  }
}

async function deriveSection() {
  console.log('key derivation…');
  const derive = await runDeriveBench({ runs: quick ? 1 : 3 });
  await recordSection(
    'Key derivation from a passphrase (Argon2id, MODERATE)',
    [
      '| contender | time (median) | longest event-loop stall |',
      '| --- | --- | --- |',
      ...derive.map((r) => `| ${r.name} | ${Math.round(r.took)} ms | ${Math.round(r.stall)} ms |`),
    ].join('\n'),
  );
}
