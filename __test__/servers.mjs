// Real Redis and PostgreSQL servers for tests, started on free loopback ports in temporary
// directories and stopped afterwards. Each start function returns undefined when the server is
// not installed (.ci/run installs both).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
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

/** True when redis-server is on the PATH. */
export const redisInstalled = () => spawnSync('redis-server', ['--version']).status === 0;

/** Resolves once something accepts TCP connections on 127.0.0.1:`port` (polling for up to 10 s). */
async function listening(port) {
  for (let tries = 0; tries < 200; tries++) {
    const socket = connect(port, '127.0.0.1');
    try {
      await once(socket, 'connect'); // rejects on the socket's 'error'
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      socket.destroy();
    }
  }
  throw new Error(`nothing listens on port ${port}`);
}

/**
 * Starts redis-server without persistence and waits until it accepts connections; returns
 * `{ url, stop, kill, restart }`. `kill()` ends it at once (SIGKILL) and resolves when it is gone;
 * `restart()` starts a fresh, empty server on the same port and resolves when it listens.
 */
export async function startRedis() {
  if (!redisInstalled()) return undefined;
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  let child;
  const start = async () => {
    child = spawn('redis-server', args, { stdio: 'ignore' });
    await listening(port);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => child.kill(),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    },
    restart: start,
  };
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
