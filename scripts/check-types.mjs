// `npm run check:types`: the types-test consumers (the README's examples, the rest of the API, and
// options that must keep failing) compiled under `strict` with node16 and with bundler resolution,
// each with and without @types/koa-session visible, koa-redis typed both by @types/koa-redis and
// by an app's own declaration; then a project with no @types/koa at all, against a copy of the
// package as npm installs it. Each run also checks that @types/koa-session was, or was not, part of
// the program, so that a variant cannot pass by testing the other one.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const tsc = join(root, 'node_modules', '.bin', 'tsc');

/** The configurations in types-test/, and whether @types/koa-session is part of each program. */
const CONFIGS = [
  { config: 'tsconfig.node16.json', koaSession: false },
  { config: 'tsconfig.bundler.json', koaSession: false },
  { config: 'tsconfig.node16.koa-session.json', koaSession: true },
  { config: 'tsconfig.bundler.koa-session.json', koaSession: true },
  // @types/koa-redis imports koa-session's types itself.
  { config: 'tsconfig.node16.koa-redis.json', koaSession: true },
  { config: 'tsconfig.bundler.koa-redis.json', koaSession: true },
];

/** Runs tsc with `args` in `cwd`; its exit status and output. */
function run(args, cwd = root) {
  const res = spawnSync(tsc, args, { cwd, encoding: 'utf8' });
  if (res.error) throw res.error;
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

/** Compiles `project`; returns the failures (none when it compiled) as text. */
function check(project, cwd, koaSession) {
  const compiled = run(['-p', project], cwd);
  if (compiled.status !== 0) return [compiled.output.trim()];
  const { output } = run(['-p', project, '--listFilesOnly'], cwd);
  const seen = output.split('\n').some((file) => file.includes('/@types/koa-session/'));
  if (seen === koaSession) return [];
  return [`@types/koa-session was ${seen ? '' : 'not '}part of the program, which this configuration is not about`];
}

/**
 * A project with no @types/koa (nor @types/koa-session): a copy of the package's entry points as
 * npm installs them, next to links to the packages it may see (Node's types and the untyped koa).
 */
function projectWithoutKoaTypes() {
  const dir = mkdtempSync(join(tmpdir(), 'kss-types-'));
  const modules = join(dir, 'node_modules');
  const installed = join(modules, 'koa-sodium-session');
  mkdirSync(join(modules, '@types'), { recursive: true });
  for (const file of ['package.json', 'index.cjs', 'index.mjs', 'index.d.cts', 'index.d.mts']) {
    cpSync(join(root, file), join(installed, file));
  }
  for (const name of ['koa', '@types/node']) symlinkSync(join(root, 'node_modules', name), join(modules, name), 'dir');
  const source = join(root, 'types-test', 'without-koa-types');
  for (const file of readdirSync(source)) cpSync(join(source, file), join(dir, file));
  return dir;
}

const failures = [];
if (!existsSync(join(root, 'node_modules', '@types', 'koa-redis'))) {
  failures.push('@types/koa-redis (a devDependency) is not installed: run npm install');
}
for (const { config, koaSession } of CONFIGS) {
  const problems = check(join('types-test', config), root, koaSession);
  console.log(`${problems.length === 0 ? 'ok    ' : 'FAILED'} types-test/${config}`);
  for (const problem of problems) failures.push(`types-test/${config}:\n${problem}`);
}
const dir = projectWithoutKoaTypes();
try {
  const problems = check('tsconfig.json', dir, false);
  const { output } = run(['-p', 'tsconfig.json', '--listFilesOnly'], dir);
  if (output.includes('/@types/koa/')) problems.push('@types/koa was part of the program');
  console.log(`${problems.length === 0 ? 'ok    ' : 'FAILED'} types-test/without-koa-types (no @types/koa installed)`);
  for (const problem of problems) failures.push(`types-test/without-koa-types:\n${problem}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
for (const failure of failures) console.error(`\n${failure}`);
process.exitCode = failures.length === 0 ? 0 : 1;
