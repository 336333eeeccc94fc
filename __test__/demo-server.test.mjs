// The demo's server process, as `npm run demo` starts it, with no SESSION_SECRET_KEY: it keeps a
// development key in a file readable by its owner only, says where and that production needs its
// own, so a session survives a restart in every mode (cookie, Redis, PostgreSQL). In production it
// refuses to start without a key.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { notInstalled } from './helpers.mjs';
import { startPostgres, startRedis } from './servers.mjs';

const SERVER = fileURLToPath(new URL('../examples/demo/server.mjs', import.meta.url));

/** The environment of a demo started by someone who set no key: `extra` added, PORT 0. */
function environment(extra) {
  const env = { ...process.env, PORT: '0', ...extra };
  delete env.SESSION_SECRET_KEY;
  delete env.NODE_ENV;
  return env;
}

/** Starts the demo server; resolves once it listens, to `{ url, stderr, stop }`. */
async function startDemo(env) {
  const child = spawn(process.execPath, [SERVER], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = stdout.match(/demo on (http:\S+)/);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`the demo exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    stderr: () => stderr,
    stop: async () => {
      child.kill();
      await once(child, 'close');
    },
  };
}

/** Signs in as alice; returns the session cookie pair. */
async function signIn(url) {
  const res = await fetch(new URL('/login', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: 'wonderland' }),
  });
  assert.equal(res.status, 200);
  return res.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .findLast((pair) => pair.startsWith('demo.sid='));
}

/** Who `/me` says is signed in with `cookie`, or null. */
async function whoIs(url, cookie) {
  return (await (await fetch(new URL('/me', url), { headers: { cookie } })).json()).user;
}

describe('the demo server without SESSION_SECRET_KEY', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kss-demo-'));
  const servers = {};
  before(async () => {
    [servers.redis, servers.postgres] = await Promise.all([startRedis(), startPostgres()]);
  });
  after(() => {
    for (const server of Object.values(servers)) server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const MODES = {
    cookie: () => ({}),
    redis: () => servers.redis && { SESSION_STORE: 'redis', REDIS_URL: servers.redis.url },
    postgres: () => servers.postgres && { SESSION_STORE: 'postgres', DATABASE_URL: servers.postgres.url },
  };
  for (const [mode, settings] of Object.entries(MODES)) {
    it(`${mode}: keeps a development key in a private file, and the session across a restart`, async (t) => {
      const extra = settings();
      if (!extra) return t.skip(notInstalled(mode === 'redis' ? 'redis-server' : 'PostgreSQL'));
      const keyFile = join(dir, `${mode}-key`);
      const env = environment({ ...extra, SESSION_KEY_FILE: keyFile });

      const first = await startDemo(env);
      const cookie = await signIn(first.url).finally(first.stop);
      assert.match(first.stderr(), new RegExp(`development key just written to ${keyFile}`));
      assert.match(first.stderr(), /Production needs its own SESSION_SECRET_KEY/);
      assert.match(readFileSync(keyFile, 'utf8'), /^[A-Za-z0-9+/]{43}=\n$/);
      assert.equal(statSync(keyFile).mode & 0o777, 0o600);

      const second = await startDemo(env);
      const user = await whoIs(second.url, cookie).finally(second.stop);
      assert.deepEqual(user, { name: 'alice', role: 'admin' });
      assert.match(second.stderr(), new RegExp(`development key kept in ${keyFile}`));
    });
  }

  it('refuses to start in production without SESSION_SECRET_KEY', async () => {
    const child = spawn(process.execPath, [SERVER], { env: { ...environment({}), NODE_ENV: 'production' } });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const [code] = await once(child, 'close');
    assert.equal(code, 2);
    assert.match(stderr, /SESSION_SECRET_KEY is required in production/);
  });
});
