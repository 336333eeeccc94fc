// When no native binary loads, the error says what was detected, what was looked for and why it failed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../index.cjs', import.meta.url));

/** Loads the package with the napi-rs loader pointed at `path`; returns the error it reports. */
function loadWith(path) {
  const script = `try { require(${JSON.stringify(entry)}); console.log('loaded') } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }`;
  const { stdout } = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: path },
  });
  return JSON.parse(stdout);
}

const platform = `${process.platform}-${process.arch}`;

describe('native addon load failure', () => {
  it('a missing binary: names platform, libc, package and the cause', () => {
    const err = loadWith('/nonexistent/koa-sodium-session.node');
    assert.equal(err.code, 'ERR_NATIVE_ADDON');
    assert.match(err.message, new RegExp(`native addon for ${platform}`));
    assert.match(err.message, /glibc \d+\.\d+|musl/);
    assert.match(err.message, new RegExp(`package koa-sodium-session-${platform}`));
    assert.match(err.message, /Cannot find module '\/nonexistent\/koa-sodium-session\.node'/);
    assert.doesNotMatch(err.message, /npm has a bug/);
  });

  it('a corrupt binary: shows the loader’s own complaint', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'kss-')), 'corrupt.node');
    writeFileSync(path, Buffer.from('this is not a shared object'));
    const err = loadWith(path);
    assert.equal(err.code, 'ERR_NATIVE_ADDON');
    assert.match(err.message, /corrupt\.node: (invalid ELF header|file too short)/);
  });
});
