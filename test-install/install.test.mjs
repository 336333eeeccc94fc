// Installs the tarballs `npm run pack:host` wrote into a fresh project, with no Rust toolchain on
// PATH, and uses the package the ways users do. Run with `npm run test:install`.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { before, describe, it } from 'node:test';

const pack = new URL('../pack/', import.meta.url).pathname;
const tarballs = readdirSync(pack)
  .filter((file) => file.endsWith('.tgz'))
  .map((file) => join(pack, file));
const project = mkdtempSync(join(tmpdir(), 'kss-install-'));

// PATH without any directory that holds cargo or rustc: the install must not need them.
const PATH = process.env.PATH.split(delimiter)
  .filter((dir) => !['cargo', 'rustc'].some((tool) => existsSync(join(dir, tool))))
  .join(delimiter);
const env = { ...process.env, PATH };

/** Runs a command in the project with the Rust-free PATH; returns stdout. */
function sh(cmd, args) {
  const res = spawnSync(cmd, args, { cwd: project, env, encoding: 'utf8' });
  assert.equal(res.status, 0, `${cmd} ${args.join(' ')} failed:\n${res.stderr}`);
  return res.stdout;
}

/** Bytes under `path`, files only. */
function size(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + size(join(path, name)), 0);
}

describe('installed from the packed tarballs', () => {
  before(() => {
    assert.equal(tarballs.length, 2, 'run `npm run pack:host` first: it writes two tarballs into pack/');
    assert.notEqual(spawnSync('cargo', ['--version'], { env }).status, 0, 'cargo is off PATH');
    writeFileSync(join(project, 'package.json'), '{ "private": true }\n');
    sh('npm', ['install', '--no-audit', '--no-fund', ...tarballs]);
  });

  it('is small', (t) => {
    const modules = join(project, 'node_modules');
    const ours = size(join(modules, 'koa-sodium-session'));
    const binary = readdirSync(modules).find((name) => name.startsWith('koa-sodium-session-'));
    const platform = size(join(modules, binary));
    const total = size(modules);
    t.diagnostic(`koa-sodium-session ${ours} B + ${binary} ${platform} B; node_modules with dependencies ${total} B`);
    // 1.06 MiB on linux-x64 at 0.1.0 (the binary 0.8 MiB); the CHANGELOG says what it is.
    const budget = 1.25 * 1024 * 1024;
    assert.ok(ours + platform < budget, `package and binary under 1.25 MiB, got ${ours + platform} B`);
  });

  it('imports as ESM and requires as CommonJS', () => {
    const esm = `import s, { encryptedSession, createCodec, generateKey, deriveKey, deriveKeySync } from 'koa-sodium-session';
      const c = createCodec({ secretKey: generateKey(), format: 'compact' });
      console.log(typeof s, s === encryptedSession, typeof deriveKey, typeof deriveKeySync, JSON.stringify(c.decode(c.encode({ a: 1 }))));`;
    assert.equal(sh('node', ['--input-type=module', '-e', esm]).trim(), 'function true function function {"a":1}');
    const cjs = `const s = require('koa-sodium-session');
      console.log(typeof s, s.encryptedSession === s, s.default === s, typeof s.createCodec);`;
    assert.equal(sh('node', ['-e', cjs]).trim(), 'function true true function');
  });

  it('runs npx gen-key and its koa-encrypted-session alias', () => {
    for (const bin of ['gen-key', 'koa-encrypted-session-gen-key']) {
      const key = sh('npx', ['--no-install', bin]);
      assert.match(key, /^[A-Za-z0-9+/]{43}=\n$/);
    }
  });

  it('keeps an encrypted session over HTTP', () => {
    sh('npm', ['install', '--no-audit', '--no-fund', 'koa@3']);
    const server = `import Koa from 'koa';
      import encryptedSession from 'koa-sodium-session';
      const app = new Koa();
      app.use(encryptedSession({ secretKey: '${execFileSync(process.execPath, ['-e', "process.stdout.write(require('node:crypto').randomBytes(32).toString('base64'))"])}' }, app));
      app.use((ctx) => { ctx.session.views = (ctx.session.views ?? 0) + 1; ctx.body = String(ctx.session.views); });
      const server = app.listen(0, '127.0.0.1', async () => {
        const url = 'http://127.0.0.1:' + server.address().port + '/';
        const first = await fetch(url);
        const cookie = first.headers.get('set-cookie').split(';')[0];
        const second = await fetch(url, { headers: { cookie } });
        console.log(await first.text(), await second.text(), cookie.includes('views') ? 'plaintext!' : 'sealed');
        server.close();
      });`;
    assert.equal(sh('node', ['--input-type=module', '-e', server]).trim(), '1 2 sealed');
  });
});
