// The published tarball holds what users need and nothing else.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { it } from 'node:test';

const root = new URL('..', import.meta.url).pathname;

it('npm pack ships the entries, lib, CLI, loader and docs only', () => {
  const [report] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: root, encoding: 'utf8' }));
  const files = report.files.map((file) => file.path).sort();
  assert.deepEqual(files, [
    'CHANGELOG.md',
    'LICENSE',
    'README.md',
    'bin/gen-key.mjs',
    'index.cjs',
    'index.d.cts',
    'index.d.mts',
    'index.mjs',
    'lib/binding.cjs',
    'lib/codec.cjs',
    'lib/errors.cjs',
    'lib/keyring.cjs',
    'lib/keys.cjs',
    'lib/metadata.cjs',
    'lib/middleware.cjs',
    'lib/policy.cjs',
    'lib/redis-client.cjs',
    'lib/redis-revocations.cjs',
    'lib/request-session.cjs',
    'lib/revocation-set.cjs',
    'lib/revocations.cjs',
    'lib/store.cjs',
    'native/binding.cjs',
    'package.json',
  ]);
});
