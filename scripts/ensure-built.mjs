// Installs the dependencies when they are missing and builds the native addon when it is missing
// or older than its Rust sources, so that a fresh clone can run `npm test` or `npm run demo`
// straight away. `npm run build` always builds.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

if (!existsSync(join(root, 'node_modules', '@napi-rs', 'cli'))) {
  console.log('dependencies missing: npm install');
  const { status } = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}
const outputs = ['native/binding.cjs', 'native/binding.d.ts'].map((file) => join(root, file));
const addons = existsSync(join(root, 'native'))
  ? readdirSync(join(root, 'native'))
      .filter((file) => file.endsWith('.node'))
      .map((file) => join(root, 'native', file))
  : [];

/** Newest modification time among `paths`, walking directories. */
function newest(paths) {
  return Math.max(
    ...paths.map((path) => {
      const stat = statSync(path);
      if (!stat.isDirectory()) return stat.mtimeMs;
      return newest(readdirSync(path).map((name) => join(path, name)));
    }),
  );
}

const sources = ['src', 'Cargo.toml', 'Cargo.lock', 'build.rs'].map((file) => join(root, file)).filter(existsSync);
const built =
  addons.length > 0 && outputs.every(existsSync)
    ? Math.min(...[...addons, ...outputs].map((p) => statSync(p).mtimeMs))
    : 0;

if (built < newest(sources)) {
  console.log(built ? 'native addon is older than src/: rebuilding' : 'native addon missing: building');
  const { status } = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  process.exit(status ?? 1);
}
