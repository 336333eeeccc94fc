// Real Redis and PostgreSQL servers for tests, started on free loopback ports in temporary
// directories and stopped afterwards. Each start function returns undefined when the server is
// not installed (.ci/run installs both).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on 127.0.0.1. */
export async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

/** Starts redis-server without persistence and waits until it accepts connections; returns `{ url, stop }`. */
export async function startRedis() {
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const port = await freePort();
  const child = spawn('redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
  ]);
  await new Promise((resolve, reject) => {
    let log = '';
    const onExit = (code) => reject(new Error(`redis-server exited with ${code}: ${log}`));
    const onData = (chunk) => {
      log += chunk;
      if (!log.includes('Ready to accept connections')) return;
      child.stdout.off('data', onData).resume();
      child.off('exit', onExit);
      resolve();
    };
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill() };
}

/** The directory of PostgreSQL's server programs, if installed. */
function postgresBin() {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const version = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  return version && join(root, version, 'bin');
}

/** Starts a throwaway PostgreSQL cluster (trust auth, loopback only); returns `{ url, stop }`. */
export async function startPostgres() {
  const bin = postgresBin();
  if (!bin) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'kss-pg-'));
  const data = join(dir, 'data');
  // PostgreSQL refuses to run as root: run it as the postgres user the package created.
  const asPostgres = process.getuid?.() === 0;
  if (asPostgres) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    chownSync(dir, Number(id.stdout), Number(gid.stdout));
  }
  const run = (program, args) => {
    const [cmd, argv] = asPostgres
      ? ['runuser', ['-u', 'postgres', '--', join(bin, program), ...args]]
      : [join(bin, program), args];
    const res = spawnSync(cmd, argv, { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`${program} failed: ${res.stderr}`);
  };
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']);
  const port = await freePort();
  run('pg_ctl', ['-D', data, '-w', '-o', `-p ${port} -h 127.0.0.1 -k ${dir}`, '-l', join(dir, 'log'), 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => {
      run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
