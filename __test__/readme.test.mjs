// Every code block in README.md is run or compiled here, so the README cannot drift from the
// package: each JavaScript block runs as a program of its own (its app answering real HTTP
// requests, against a real Redis where it needs one) and is type-checked under strict TypeScript
// with node16 and bundler resolution; each shell line names a script, command or package that
// exists; the migration diff adds the import the examples use.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KEY, notInstalled } from './helpers.mjs';
import { redisInstalled, startRedis } from './servers.mjs';

const root = new URL('..', import.meta.url).pathname;
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map(([, lang, code]) => ({ lang, code }));
const scripts = blocks
  .filter((b) => b.lang === 'js')
  .map((b, i) => ({ ...b, file: `block-${i + 1}.${/\brequire\(/.test(b.code) ? 'cjs' : 'mjs'}` }));
// Inside the package, so that `koa-sodium-session` resolves to this checkout (self-reference).
const dir = join(root, '.readme-blocks');

/**
 * Preloaded into every block: the app's `listen` takes a free port instead, then a client signs
 * in, counts views, signs out and replays its old cookie, prints what it got, and ends the process.
 */
const CLIENT = `
import http from 'node:http';
const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (...args) {
  const server = listen.call(this, 0, '127.0.0.1');
  server.once('listening', async () => {
    const base = 'http://127.0.0.1:' + server.address().port;
    let cookie = '';
    const visit = async (path, sent = cookie) => {
      const res = await fetch(base + path, { headers: sent ? { cookie: sent } : {} });
      const set = res.headers.getSetCookie().map((line) => line.split(';')[0]);
      if (set.length) cookie = set.filter((pair) => !pair.endsWith('=')).join('; ');
      return { path, status: res.status, body: await res.text() };
    };
    const seen = [await visit('/'), await visit('/'), await visit('/login')];
    const signedIn = cookie;
    seen.push(await visit('/logout'), await visit('/', signedIn));
    console.log(JSON.stringify(seen));
    process.exit(0);
  });
  return server;
};
`;

/** What runs the blocks: this runtime, or under Deno (which has no `--import`) the `node` on PATH. */
const runtime = globalThis.Deno ? 'node' : process.execPath;

/** Runs block `file`; its exit status and what it printed. Killed if it has not ended within a minute. */
async function run(file, env) {
  const child = spawn(runtime, ['--import', './client.mjs', file], {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr.on('data', (chunk) => {
    err += chunk;
  });
  const [status] = await once(child, 'exit');
  return { status, out, err };
}

describe('README code blocks', () => {
  let redis;
  before(async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(join(dir, 'client.mjs'), CLIENT);
    for (const { file, code } of scripts) writeFileSync(join(dir, file), code);
    if (redisInstalled()) redis = await startRedis();
  });
  after(() => {
    redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('there are blocks to check', () => {
    assert.ok(scripts.length >= 6, `${scripts.length} JavaScript blocks`);
  });

  for (const { file, code } of scripts) {
    it(`runs ${file}: ${
      code
        .split('\n')
        .find((line) => /encryptedSession\(|createCodec\(/.test(line))
        ?.trim()
        .slice(0, 60) ?? ''
    }`, async (t) => {
      const needsRedis = code.includes('REDIS_URL');
      if (needsRedis && !redis) return t.skip(notInstalled('redis-server'));
      const { status, out, err } = await run(file, {
        SESSION_SECRET_KEY: KEY.toString('base64'),
        ...(redis ? { REDIS_URL: redis.url } : {}),
      });
      assert.equal(status, 0, err);
      if (!/\.listen\(/.test(code)) return;
      const seen = JSON.parse(out.trim().split('\n').at(-1));
      for (const { path, status: code } of seen) assert.equal(code, 200, `GET ${path}`);
      const [first, second] = seen;
      assert.notEqual(first.body, second.body, 'the session carries over from one request to the next');
    });
  }

  it('the logout example ends the session for a copy of its cookie', async () => {
    const { file } = scripts.find(({ code }) => code.includes("ctx.path === '/logout'"));
    const { out } = await run(file, { SESSION_SECRET_KEY: KEY.toString('base64') });
    const seen = JSON.parse(out.trim().split('\n').at(-1));
    assert.equal(JSON.parse(seen[2].body).user, 'u-1', 'signed in');
    assert.equal(JSON.parse(seen[4].body).user, null, 'the cookie from before the logout no longer signs in');
  });

  for (const resolution of ['node16', 'bundler']) {
    it(`type-checks every block under strict TypeScript (${resolution})`, () => {
      const options = {
        strict: true,
        allowJs: true,
        checkJs: true,
        noEmit: true,
        skipLibCheck: true,
        target: 'es2022',
        ...(resolution === 'node16' ? { module: 'node16' } : { module: 'esnext', moduleResolution: 'bundler' }),
        types: ['node'],
        // @types/koa-redis reads redis 2's types, which this checkout's node-redis 6 would shadow.
        paths: { redis: [join(root, 'node_modules', '@types', 'redis')] },
      };
      const files = scripts.map(({ file }) => file);
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: options, files }));
      const tsc = join(root, 'node_modules', '.bin', 'tsc');
      try {
        execFileSync(tsc, ['-p', dir], { cwd: dir, encoding: 'utf8' });
      } catch (err) {
        assert.fail(`${err.stdout}${err.stderr}`);
      }
    });
  }

  it('every shell line names a package, command or script that exists', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const lines = blocks
      .filter((b) => b.lang === 'sh')
      .flatMap((b) => b.code.split('\n'))
      .map((line) => line.replace(/#.*/, '').trim())
      .filter(Boolean);
    assert.ok(lines.length >= 4);
    for (const line of lines) {
      const [, script] = line.match(/^npm (?:run )?(\w[\w:-]*)$/) ?? [];
      if (line === `npm install ${pkg.name}`) continue;
      if (script) {
        assert.ok(pkg.scripts[script], `npm script ${script}`);
        continue;
      }
      const npx = line.match(/^npx (?:-p (\S+) )?(\S+)(?: (.*))?$/);
      assert.ok(npx, `a line the test knows: ${line}`);
      const [, from, bin, args = ''] = npx;
      if (from) assert.equal(from, pkg.name);
      assert.ok(pkg.bin[bin], `${bin} is a command of the package`);
      const flags = args.split(/\s+/).filter(Boolean);
      const printed = execFileSync(process.execPath, [join(root, pkg.bin[bin]), ...flags], { encoding: 'utf8' });
      assert.match(printed, /^[A-Za-z0-9+/=_-]{43,64}\n$/, line);
    }
  });

  it('every figure under Numbers is one BENCHMARKS.md reports', () => {
    const section = readme.split(/^## Numbers$/m)[1].split(/^## /m)[0];
    const figures = [...section.matchAll(/\b\d[\d.,]*(?: µs| ms|×)?/g)].map(([figure]) => figure);
    assert.ok(figures.length >= 10, `${figures.length} figures`);
    const benchmarks = readFileSync(join(root, 'BENCHMARKS.md'), 'utf8');
    const missing = figures.filter((figure) => !/^\d{4}$|^\d\.\d\.\d$/.test(figure) && !benchmarks.includes(figure));
    assert.deepEqual(missing, [], 'figures BENCHMARKS.md does not hold');
  });

  it('the migration diff adds the import the examples use', () => {
    const diff = blocks.find((b) => b.lang === 'diff');
    const added = diff.code
      .split('\n')
      .find((line) => line.startsWith('+'))
      .slice(1);
    assert.ok(
      scripts.some(({ code }) => code.includes(added)),
      added,
    );
    assert.ok(existsSync(join(root, 'index.mjs')));
  });
});
