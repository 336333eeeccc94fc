// The gen-key command and its koa-encrypted-session alias.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createCodec } from '../index.mjs';

const pkg = JSON.parse(await (await import('node:fs/promises')).readFile(new URL('../package.json', import.meta.url)));
const bin = (name) => fileURLToPath(new URL(`../${pkg.bin[name]}`, import.meta.url));
const run = (...args) => spawnSync(process.execPath, [bin('gen-key'), ...args], { encoding: 'utf8' });

describe('gen-key', () => {
  it('prints a base64 32-byte key and a newline, usable as secretKey', () => {
    const { status, stdout, stderr } = run();
    assert.equal(status, 0, stderr);
    assert.match(stdout, /^[A-Za-z0-9+/]{43}=\n$/);
    const codec = createCodec({ secretKey: stdout });
    assert.deepEqual(codec.decode(codec.encode({ a: 1 })), { a: 1 });
  });

  it('prints a different key each time', () => {
    assert.notEqual(run().stdout, run().stdout);
  });

  it('--hex and --base64url', () => {
    assert.match(run('--hex').stdout, /^[0-9a-f]{64}\n$/);
    assert.match(run('--base64url').stdout, /^[A-Za-z0-9_-]{43}\n$/);
    assert.equal(Buffer.from(run('--base64url').stdout.trim(), 'base64url').length, 32);
  });

  it('--help explains the flags', () => {
    const { status, stdout } = run('--help');
    assert.equal(status, 0);
    assert.match(stdout, /^usage: gen-key/);
    assert.match(stdout, /--hex/);
  });

  it('an unknown flag exits non-zero with a usage line', () => {
    const { status, stdout, stderr } = run('--bogus');
    assert.equal(status, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /unknown or extra argument: --bogus\nusage: gen-key/);
  });

  it('is also installed as koa-encrypted-session-gen-key', () => {
    assert.equal(pkg.bin['koa-encrypted-session-gen-key'], pkg.bin['gen-key']);
  });
});
