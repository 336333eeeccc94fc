// An app process holding its own redisRevocations over its own connections, driven by its parent
// over IPC: the fleet tests and the propagation benchmark start several. Imported, this file
// gives the parent's side, `startWorker`; run, it is the worker:
//   node revocation-worker.mjs <variant> <redis url> [module]
// `variant` is how it reaches Redis: ioredis-url, ioredis-client, redis-url or redis-client
// (`client`: the worker makes the client, as an app would, and passes it in). `module` is the file
// redisRevocations comes from, by default this package's index.cjs; a copy of lib/ that sees only
// node-redis (helpers.mjs `isolatedLib`) makes `{ url }` take node-redis.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const now = () => performance.timeOrigin + performance.now();

/** A Redis client as an app makes it; a node-redis one is connected (retrying while Redis is down). */
function appClient(library, url) {
  if (library === 'ioredis') {
    const Redis = require('ioredis');
    return new Redis(url).on('error', () => {});
  }
  const client = require('redis')
    .createClient({ url })
    .on('error', () => {});
  client.connect().catch(() => {});
  return client;
}

/** Runs the worker: answers its parent's requests until told to close. */
function serve([variant, url, module = fileURLToPath(new URL('../index.cjs', import.meta.url))]) {
  const [library, how] = variant.split('-');
  const { redisRevocations } = require(module);
  const client = how === 'client' ? appClient(library, url) : undefined;
  const revocations = redisRevocations(client ? { client } : { url });
  const writes = [];
  let churning;
  const ops = {
    /** Revokes; says when (`at`) and whether this process refused the id before the write settled. */
    revoke(id, until) {
      const at = now();
      writes.push(revocations.revoke(id, until));
      return { at, refused: revocations.isRevoked(id) };
    },
    revokeUser(userId, until) {
      writes.push(revocations.revokeUser(userId, until));
      return revocations.userRevokedAt(userId);
    },
    /** Waits for every write made so far: `fulfilled` or the error's code for each. */
    async settled() {
      const results = await Promise.allSettled(writes);
      return results.map((r) => (r.status === 'fulfilled' ? 'fulfilled' : r.reason.code));
    },
    isRevoked: (ids) => ids.map((id) => revocations.isRevoked(id)),
    userRevokedAt: (userIds) => userIds.map((userId) => revocations.userRevokedAt(userId)),
    loaded: () => revocations.loaded,
    ready: () => revocations.ready.then(() => revocations.loaded),
    /** Revokes `rate` random sessions a second from now on, in a batch every 10 ms (0 stops). */
    churn(rate) {
      clearInterval(churning);
      if (rate > 0) {
        churning = setInterval(() => {
          for (let i = 0; i < rate / 100; i++)
            revocations.revoke(randomBytes(16).toString('base64url')).catch(() => {});
        }, 10);
      }
      return rate;
    },
    /** Polls the mirror every millisecond and reports when each of `ids` is first refused. */
    watch(ids) {
      const waiting = new Set(ids);
      const timer = setInterval(() => {
        for (const id of waiting) {
          if (!revocations.isRevoked(id)) continue;
          waiting.delete(id);
          process.send({ seen: id, at: now() });
        }
        if (waiting.size === 0) clearInterval(timer);
      }, 1);
      return ids.length;
    },
    async close() {
      clearInterval(churning);
      await revocations.close();
      // At once: node-redis's graceful close() waits forever for commands queued while it reconnects.
      if (client && library === 'ioredis') client.disconnect();
      else if (client) client.destroy();
      setImmediate(() => process.disconnect());
      return true;
    },
  };
  process.on('message', async ({ seq, op, args }) => {
    try {
      process.send({ seq, result: await ops[op](...args) });
    } catch (err) {
      process.send({ seq, error: { code: err.code, message: err.message } });
    }
  });
  process.send({ started: true });
}

/**
 * Starts a worker and waits until it holds its revocations; returns `{ call(op, ...args), close,
 * kill }`.
 * `call` resolves with the op's result; `onSeen(id, at)` hears a watch's reports.
 * @param {string} variant ioredis-url | ioredis-client | redis-url | redis-client
 * @param {string} url
 * @param {{ module?: string, onSeen?: (id: string, at: number) => void }} [options]
 */
export async function startWorker(variant, url, { module, onSeen } = {}) {
  const args = [variant, url, ...(module ? [module] : [])];
  const child = fork(fileURLToPath(import.meta.url), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const calls = new Map();
  let seq = 0;
  child.on('message', (message) => {
    if (message.seen) onSeen?.(message.seen, message.at);
    const call = calls.get(message.seq);
    if (!call) return;
    calls.delete(message.seq);
    if (message.error) call.reject(Object.assign(new Error(message.error.message), { code: message.error.code }));
    else call.resolve(message.result);
  });
  child.on('exit', (code) => {
    for (const call of calls.values()) call.reject(new Error(`revocation worker (${variant}) exited with ${code}`));
  });
  await once(child, 'message');
  return {
    variant,
    call(op, ...callArgs) {
      return new Promise((resolve, reject) => {
        calls.set(++seq, { resolve, reject });
        child.send({ seq, op, args: callArgs });
      });
    },
    kill: () => child.kill(),
    /** Asks the worker to close, and kills it if it has not exited within 10 s. */
    async close() {
      const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : once(child, 'exit');
      const timer = setTimeout(() => {
        console.error(`revocation worker (${variant}) did not close within 10 s: killed`);
        child.kill('SIGKILL');
      }, 10_000);
      await Promise.all([this.call('close').catch(() => {}), exited]);
      clearTimeout(timer);
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) serve(process.argv.slice(2));
