// The published tarball holds what users need and nothing else.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { it } from 'node:test';

const root = new URL('..', import.meta.url).pathname;

it('npm pack ships the entries, lib, CLI, loader and the docs the README links to, only', () => {
  const [report] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: root, encoding: 'utf8' }));
  const files = report.files.map((file) => file.path).sort();
  const lib = files.filter((file) => file.startsWith('lib/'));
  assert.deepEqual(
    files.filter((file) => !file.startsWith('lib/')),
    [
      'CHANGELOG.md',
      'LICENSE',
      'README.md',
      'SECURITY.md',
      'bin/gen-key.mjs',
      'docs/format.md',
      'docs/revocations.md',
      'docs/stores.md',
      'index.cjs',
      'index.d.cts',
      'index.d.mts',
      'index.mjs',
      'native/binding.cjs',
      'package.json',
    ],
  );
  assert.ok(lib.length > 0 && lib.every((file) => file.endsWith('.cjs')), lib.join(', '));
  // Every module in lib/ is shipped: nothing in the package requires a file left out.
  const inTree = execFileSync('git', ['ls-files', 'lib'], { cwd: root, encoding: 'utf8' }).trim().split('\n').sort();
  assert.deepEqual(lib, inTree);
});
