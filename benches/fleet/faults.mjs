// The fault matrix (`npm run fleet -- --faults`): a fleet of three processes sharing revocations
// through a real Redis (or a Redis Cluster) on loopback, behind a front that picks one at random
// per request, serves users who sign in, browse and sign out, while Redis goes through one fault
// after another, each on a fresh server. Per fault it counts what must be 0 (revoked cookies
// accepted after convergence, by the fleet and by a process started afterwards; signed-in users
// signed out; 5xx answers) and measures the time from the fault's end until Redis and every
// process hold every revocation made before it, and the longest any process's event loop stalled.
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { startCluster, startRedis } from '../../__test__/servers.mjs';
import { startNode } from './app.mjs';
import { createFront } from './front.mjs';
import { COOKIE } from './phases.mjs';

export const FAULTS_TITLE = 'Revocations under faults';
const PHASE = { name: "koa-sodium-session, format 'compact'", kind: 'ours', format: 'compact', keys: ['K1'] };
const FLEET_SIZE = 3;
const STREAM = 'kss:revocations:stream';
/** How long users browse before the fault, and after it ends. */
const BEFORE = 4000;
const AFTER = 5000;
/** Convergence must come within this long after the fault ends, or the fault fails. */
const CONVERGE_TIMEOUT = 60_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const between = (min, max) => min + Math.floor(Math.random() * (max - min + 1));

/**
 * The faults, in order. `redis`: the server's options (`cluster: true` for a cluster);
 * `inject(run)` causes the fault and resolves once it has ended (Redis answers again).
 */
export const FAULTS = [
  {
    name: 'none (the control: what the same traffic shows without a fault)',
    redis: {},
    async inject() {},
  },
  {
    name: 'kill -9, restart with its AOF',
    redis: { args: ['--appendonly', 'yes'] },
    async inject({ server }) {
      await server.kill();
      await sleep(2000);
      await server.restart();
    },
  },
  {
    name: 'kill -9, restart from an older RDB snapshot',
    redis: { args: ['--dbfilename', 'dump.rdb'] },
    async inject({ server, admin }) {
      await admin.save();
      await sleep(2000); // logouts the snapshot misses
      await server.kill();
      await sleep(1000);
      await server.restart();
    },
  },
  {
    name: 'kill -9, restart empty',
    redis: {},
    async inject({ server }) {
      await server.kill();
      await sleep(2000);
      await server.restart();
    },
  },
  {
    name: 'SIGSTOP for 10 s',
    redis: {},
    async inject({ server }) {
      server.signal('SIGSTOP');
      await sleep(10_000);
      server.signal('SIGCONT');
    },
  },
  {
    name: 'every client connection killed, 5 times',
    redis: {},
    async inject({ admin }) {
      for (let i = 0; i < 5; i++) {
        await admin.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
        await sleep(500);
      }
    },
  },
  {
    name: 'FLUSHALL with logouts going on',
    redis: {},
    async inject({ admin }) {
      await admin.flushall();
    },
  },
  {
    name: 'eviction (maxmemory 8 MB, allkeys-random) with logouts going on',
    redis: { args: ['--maxmemory', '8mb', '--maxmemory-policy', 'allkeys-random'] },
    async inject({ admin }) {
      const filler = randomBytes(25_000).toString('base64');
      let i = 0;
      while ((await admin.exists(STREAM)) === 1) await admin.set(`cache:${i++}`, filler);
      // The cache's keys expire: memory is there again for what is written back.
      for (let k = 0; k < i; k += 500)
        await admin.del(...Array.from({ length: Math.min(500, i - k) }, (_, j) => `cache:${k + j}`));
    },
  },
  {
    name: 'a process started while Redis is down',
    redis: {},
    async inject({ server, addNode }) {
      await server.kill();
      const starting = addNode(); // joins the front once it has loaded
      await sleep(3000);
      await server.restart();
      await starting;
    },
  },
  {
    name: 'cluster (3 masters, 3 replicas): the master serving the stream killed, its replica promoted',
    redis: { cluster: true },
    async inject({ cluster }) {
      const master = cluster.masterOf(STREAM);
      await cluster.kill(master);
      await cluster.waitForMaster(STREAM, master);
    },
  },
];

/** A signed-in user's loop: sign in, browse, sometimes sign out; records every revoked cookie. */
async function user(name, run) {
  let cookie;
  let copies = [];
  const send = async (path, method = 'GET', json, sent = cookie) => {
    const answer = await run.front.request(path, { method, json, cookie: sent });
    run.counts.requests++;
    if (answer.error) run.counts.failed++;
    else if (answer.status >= 500) run.counts.status5xx++;
    if (answer.cookie !== undefined) cookie = answer.cookie || undefined;
    return answer.error || answer.status !== 200 ? undefined : answer;
  };
  while (run.running) {
    const login = await send('/login', 'POST', { user: name });
    if (login?.body.user !== name) continue;
    copies = [cookie];
    let signedIn = true;
    for (let pages = between(1, 4); pages > 0 && signedIn && run.running; pages--) {
      await sleep(between(50, 300));
      const page = await send('/page');
      if (!page) continue;
      signedIn = page.body.user === name;
      if (signedIn) copies.push(cookie);
      else run.counts.wronglySignedOut++;
    }
    if (!signedIn || !run.running || Math.random() > 0.5) continue;
    const held = copies;
    const logout = await send('/logout', 'POST');
    if (logout?.body.user !== name) {
      if (logout) run.counts.wronglySignedOut++;
      continue;
    }
    run.counts.logouts++;
    run.revoked.push({ sessionId: logout.body.sessionId, copies: held, at: performance.now() });
    await sleep(between(50, 300));
  }
}

/** The session ids Redis holds (one server or a cluster's). */
async function storedIds(admin) {
  const ids = new Set();
  for (let from = '-'; ; ) {
    const page = await admin.xrange(STREAM, from, '+', 'COUNT', 1000);
    for (const [id, fields] of page) {
      const s = fields.indexOf('s') > 0 ? fields[fields.indexOf('s') + 1] : '';
      for (let i = 0; i < s.length; i += 30) ids.add(s.slice(i, i + 22));
      from = `(${id}`;
    }
    if (page.length < 1000) return ids;
  }
}

/** True when Redis and every one of `nodes` hold every one of `ids`. */
async function holdEverywhere(admin, nodes, front, ids) {
  const stored = await storedIds(admin).catch(() => new Set());
  if (!ids.every((id) => stored.has(id))) return false;
  for (const node of nodes) {
    const answer = await front.requestTo(node, '/check', { method: 'POST', json: { ids } });
    if (answer.body?.refused !== ids.length) return false;
  }
  return true;
}

/** How many of the revoked cookies `node` (or a random process) accepts. */
async function accepted(front, revoked, node) {
  let count = 0;
  for (const { copies } of revoked) {
    for (const cookie of copies) {
      const answer = node ? await front.requestTo(node, '/page', { cookie }) : await front.request('/page', { cookie });
      if (answer.body?.user) count++;
    }
  }
  return count;
}

/**
 * Runs one fault with `users` users; returns its row.
 * @param {(typeof FAULTS)[number]} fault
 * @param {{ users: number }} options
 */
export async function runFault(fault, { users }) {
  const cluster = fault.redis.cluster ? await startCluster({ masters: 3, replicas: 1 }) : undefined;
  const server = cluster ? undefined : await startRedis({ args: fault.redis.args });
  if (!cluster && !server) throw new Error('the fault matrix needs redis-server, which is not installed');
  const admin = (cluster ? new Redis.Cluster(cluster.startupNodes) : new Redis(server.url)).on('error', () => {});
  const keys = { K1: randomBytes(32).toString('base64') };
  const config = {
    phase: PHASE,
    index: 0,
    keys,
    ...(cluster ? { cluster: cluster.startupNodes } : { redisUrl: server.url }),
  };
  const nodes = [];
  const front = createFront({ cookieName: COOKIE, concurrency: 16 });
  const addNode = async () => {
    const node = await startNode(config);
    nodes.push(node);
    front.add(node);
    return node;
  };
  const run = {
    running: true,
    front,
    revoked: [],
    counts: { requests: 0, logouts: 0, failed: 0, status5xx: 0, wronglySignedOut: 0 },
  };
  const row = { fault: fault.name };
  try {
    for (let i = 0; i < FLEET_SIZE; i++) await addNode();
    const loops = Array.from({ length: users }, (_, i) => sleep(between(0, 1000)).then(() => user(`user-${i}`, run)));
    await sleep(BEFORE);
    await fault.inject({ server, cluster, admin, addNode });
    const ended = performance.now();
    const before = run.revoked.map((r) => r.sessionId);
    const converging = (async () => {
      while (!(await holdEverywhere(admin, nodes, front, before))) {
        if (performance.now() - ended > CONVERGE_TIMEOUT) return Number.NaN;
        await sleep(100);
      }
      return performance.now() - ended;
    })();
    await sleep(AFTER);
    run.running = false;
    await Promise.all(loops);
    row.convergeMs = await converging;
    // Everything revoked, through the end of the traffic, held everywhere: then replay it all.
    const all = run.revoked.map((r) => r.sessionId);
    for (const deadline = performance.now() + CONVERGE_TIMEOUT; !(await holdEverywhere(admin, nodes, front, all)); ) {
      if (performance.now() > deadline) throw new Error(`${fault.name}: never converged`);
      await sleep(100);
    }
    const late = await addNode();
    row.replayed = run.revoked.reduce((n, r) => n + r.copies.length, 0);
    row.accepted = (await accepted(front, run.revoked)) + (await accepted(front, run.revoked, late));
    Object.assign(row, run.counts);
  } finally {
    run.running = false;
    const reports = await Promise.all(nodes.map((node) => node.stop()));
    row.maxStall = Math.max(...reports.map((r) => r.maxStall));
    row.reported = summarize(reports.flatMap((r) => r.errors));
    front.close();
    admin.disconnect();
    server?.stop();
    cluster?.stop();
  }
  return row;
}

/** Error codes (or messages, cut short) with their counts, most frequent first: `ERR_REVOCATIONS_LOST ×3, …`. */
function summarize(codes) {
  const counts = new Map();
  for (const full of codes) {
    const code = full.length > 40 ? `${full.slice(0, 40)}…` : full;
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ×${n}`)
    .join(', ');
}

/**
 * Runs every fault (or those whose name includes `only`); returns the rows.
 * @param {{ users?: number, only?: string, onRow?: (row: object) => void }} [options]
 */
export async function runFaults({ users = 120, only, onRow } = {}) {
  const rows = [];
  for (const fault of FAULTS.filter((f) => !only || f.name.includes(only))) {
    const row = await runFault(fault, { users });
    onRow?.(row);
    rows.push(row);
  }
  return rows;
}

/** The rows that broke a must-be-0 count (or never converged). */
export const failures = (rows) =>
  rows.filter((r) => r.accepted || r.wronglySignedOut || r.status5xx || r.failed || Number.isNaN(r.convergeMs));

/** The matrix as the markdown section BENCHMARKS.md holds. */
export function faultReport(rows, { users }) {
  const lines = [
    `A fleet of ${FLEET_SIZE} processes (one more started for the fault that needs it, and one after convergence to replay every revoked cookie), ${users} users behind a front that picks a process at random per request, each user signing in, browsing and signing out again and again; ${BEFORE / 1000} s of traffic, the fault, ${AFTER / 1000} s more. Each fault on a fresh Redis 7.0 on loopback (the cluster: 3 masters and 3 replicas, \`cluster-node-timeout\` 1 s), the processes with redisRevocations' defaults.`,
    '',
    '| fault | requests | logouts | revoked cookies replayed after convergence | **accepted** (must be 0) | **signed-in users signed out** (0) | **5xx** (0) | **network errors** (0) | time to converge | worst event-loop stall | what the processes reported |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.fault} | ${r.requests.toLocaleString('en')} | ${r.logouts.toLocaleString('en')} | ${(r.replayed * 2).toLocaleString('en')} | ${r.accepted} | ${r.wronglySignedOut} | ${r.status5xx} | ${r.failed} | ${Number.isNaN(r.convergeMs) ? '**never**' : `${(r.convergeMs / 1000).toFixed(2)} s`} | ${r.maxStall.toFixed(1)} ms | ${r.reported || 'nothing'} |`,
    ),
    '',
    `Replayed: every cookie a user held before signing out, sent once to a random process of the fleet and once to the process started after convergence, so ${'`'}replayed${'`'} counts each cookie twice. Time to converge: from the fault's end (Redis answers again; the replica promoted; the cache's keys gone) until Redis holds every session revoked before it and every process refuses each, polled every 100 ms. Worst stall: the longest any process's event loop was held up over the whole run, start-up included (\`monitorEventLoopDelay\`, 2 ms resolution); the driver, Redis and three or four app processes share the machine's cores, so a process waiting for a core counts as stalled too: the control row shows that floor, and the Revocations section the stall of a load alone. What the processes reported: the codes \`onError\` got (each app emits them as errors). ECONNREFUSED and ERR_REDIS_TIMEOUT are the outage itself; ERR_REVOCATIONS_LOST is each process that held revocations Redis lost, before it wrote them back; ERR_REDIS_EVICTION warns of the eviction policy at start.`,
  ];
  return lines.join('\n');
}
