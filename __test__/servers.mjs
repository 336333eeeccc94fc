// Real Redis and PostgreSQL servers for tests, started on free loopback ports in temporary
// directories and stopped afterwards: a single Redis (with or without persistence) or a Redis
// Cluster with replicas. Each start function returns undefined when the server is
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

/**
 * The Redis server program: redis-server from the PATH, or another that speaks its protocol (such
 * as valkey-server) named by KSS_REDIS_SERVER, so that the same tests run against it.
 */
const REDIS_SERVER = process.env.KSS_REDIS_SERVER || 'redis-server';

/** True when the Redis server program (and redis-cli, which builds clusters) can be run. */
export const redisInstalled = () => spawnSync(REDIS_SERVER, ['--version']).status === 0;

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

/** Server processes still running, killed when the test file's process exits. */
const running = new Set();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts a server process that never keeps its test file's process alive (a file whose test
 * failed before it stopped its server would otherwise hang the whole run) and dies with it.
 * @param {string} command
 * @param {string[]} args
 */
function serverProcess(command, args) {
  const child = spawn(command, args, { stdio: 'ignore' });
  child.unref();
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Waits for `child` to exit, if it has not. */
async function exited(child) {
  if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
}

/**
 * Starts redis-server and waits until it accepts connections; returns `{ url, port, dir, stop,
 * kill, restart, signal }`. Without persistence by default; `args` adds options (such as
 * `['--appendonly', 'yes']`), run in a temporary directory of its own (`dir`), which `stop()`
 * deletes. `kill()` ends it at once (SIGKILL) and resolves when it is gone; `restart()` starts it
 * again on the same port and directory (empty, or from what it persisted there) and resolves when
 * it listens; `signal(name)` sends a signal (SIGSTOP, SIGCONT).
 * @param {{ args?: string[], port?: number }} [options]
 */
export async function startRedis({ args = [], port: chosen } = {}) {
  if (!redisInstalled()) return undefined;
  const port = chosen ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'kss-redis-'));
  const argv = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    ...args,
  ];
  let child;
  const start = async () => {
    child = serverProcess(REDIS_SERVER, argv);
    await listening(port);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop: () => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
    async kill() {
      child.ref(); // so that the process lives until it has seen the server go
      child.kill('SIGKILL');
      await exited(child);
    },
    restart: start,
    signal: (name) => child.kill(name),
  };
}

/**
 * Starts a Redis Cluster on loopback: `masters` masters, each with `replicas` replicas, every node
 * a redis-server of startRedis (with a short `cluster-node-timeout`, so a replica takes over a
 * killed master within seconds). Returns `{ nodes, stop, masterOf(key), waitForMaster(key, not) }`:
 * `nodes` as startRedis returns them, plus `id`; `masterOf(key)` the node that now serves `key`'s
 * slot; `waitForMaster(key, not)` resolves with that node once it is not `not` and the cluster says
 * ok. Undefined when redis-server is not installed.
 * @param {{ masters?: number, replicas?: number, nodeTimeout?: number }} [options]
 */
export async function startCluster({ masters = 3, replicas = 1, nodeTimeout = 1000 } = {}) {
  if (!redisInstalled()) return undefined;
  const args = ['--cluster-enabled', 'yes', '--cluster-node-timeout', String(nodeTimeout), '--appendonly', 'yes'];
  // Replicas sync at once (by default a master waits 5 s for more replicas before it sends its data).
  args.push('--repl-diskless-sync-delay', '0');
  const nodes = await Promise.all(
    Array.from({ length: masters * (1 + replicas) }, () =>
      startRedis({ args: [...args, '--cluster-config-file', 'nodes.conf'] }),
    ),
  );
  const create = spawnSync(
    'redis-cli',
    [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ],
    { encoding: 'utf8' },
  );
  if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
  const cli = (node, ...command) =>
    spawnSync('redis-cli', ['-p', String(node.port), ...command], { encoding: 'utf8' }).stdout.trim();
  /** The node that serves `key`'s slot, as the first answering node's CLUSTER SHARDS-less view says. */
  const masterOf = (key) => {
    for (const node of nodes) {
      const slot = Number(cli(node, 'CLUSTER', 'KEYSLOT', key));
      if (!Number.isInteger(slot)) continue;
      for (const line of cli(node, 'CLUSTER', 'NODES').split('\n')) {
        const [, address, flags, , , , , state, ...ranges] = line.split(' ');
        if (!flags?.includes('master') || flags.includes('fail') || state !== 'connected') continue;
        const serves = ranges.some((range) => {
          const [from, to = from] = range.split('-').map(Number);
          return slot >= from && slot <= to;
        });
        if (serves) return nodes.find((n) => address.startsWith(`127.0.0.1:${n.port}@`));
      }
    }
    return undefined;
  };
  const clusterOk = () => nodes.every((n) => n.down || cli(n, 'CLUSTER', 'INFO').includes('cluster_state:ok'));
  const waitFor = async (what, check) => {
    for (let tries = 0; tries < 600; tries++) {
      const value = check();
      if (value) return value;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the cluster did not come to ${what} within 30 s`);
  };
  await waitFor('agree on its slots', clusterOk);
  const synced = (n) =>
    !cli(n, 'INFO', 'replication').includes('role:slave') ||
    cli(n, 'INFO', 'replication').includes('master_link_status:up');
  await waitFor('have every replica in sync', () => nodes.every(synced));
  return {
    nodes,
    startupNodes: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    masterOf,
    /** Kills `node` (SIGKILL); it counts as down for `clusterOk`. */
    async kill(node) {
      node.down = true;
      await node.kill();
    },
    /** Resolves with the master of `key` once it is not `not` and every live node says the cluster is ok. */
    waitForMaster: (key, not) =>
      waitFor('a new master', () => {
        const master = masterOf(key);
        return master && master !== not && clusterOk() ? master : undefined;
      }),
    stop: () => {
      for (const node of nodes) node.stop();
    },
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
