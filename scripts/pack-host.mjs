// `npm run pack:host`: builds the release addon for this machine and writes two installable
// tarballs into pack/: the main package (with the optionalDependencies a release gives it) and
// this host's platform package, the way the release workflow lays them out.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pack = join(root, 'pack');

/** Runs a command in `cwd`, echoing it, and stops on failure. */
function run(cmd, args, cwd = root) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const { status } = spawnSync(cmd, args, { cwd, stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}

run('npm', ['run', 'build']);
rmSync(pack, { recursive: true, force: true });
mkdirSync(pack);

// One package per platform, as `napi create-npm-dirs` makes them at release time.
run('npx', ['napi', 'create-npm-dirs', '--npm-dir', 'pack/npm']);
const addon = readdirSync(join(root, 'native')).find((file) => file.endsWith('.node'));
const platform = addon.slice('koa-sodium-session.'.length, -'.node'.length);
copyFileSync(join(root, 'native', addon), join(pack, 'npm', platform, addon));
run('npm', ['pack', '--pack-destination', pack], join(pack, 'npm', platform));

// The main package, staged with optionalDependencies on every platform package.
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const stage = join(pack, 'stage');
mkdirSync(stage);
for (const entry of pkg.files) cpSync(join(root, entry), join(stage, entry), { recursive: true });
pkg.optionalDependencies = Object.fromEntries(
  readdirSync(join(pack, 'npm')).map((dir) => [`${pkg.name}-${dir}`, pkg.version]),
);
writeFileSync(join(stage, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
run('npm', ['pack', '--pack-destination', pack], stage);

rmSync(stage, { recursive: true });
console.log(
  readdirSync(pack)
    .filter((file) => file.endsWith('.tgz'))
    .join('\n'),
);
