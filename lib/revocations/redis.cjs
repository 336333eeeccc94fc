'use strict';

// Revocations shared by a fleet through Redis (6.2 or later, or Valkey; a single server or a
// cluster), checked from each process's mirror. docs/revocations.md tells the whole design.
//
// Redis holds one key per fleet, `<prefix>stream`: a stream whose entries are the writes, each a
// batch of revocations chained to the one before by tags (stream-entry.cjs). A process appends
// its logouts to it (write-queue.cjs, scripts.cjs), reads it whole at start and then follows it
// from the last entry it saw (stream-reader.cjs), and writes back what Redis lost whenever the
// history it followed turns out to be gone (write-back.cjs). The oldest entries are repacked,
// keeping only what is live (compaction.cjs). A second key, `<prefix>writeback`, exists only while
// a process writes back.
//
// A process that starts while Redis is down has an empty mirror that cannot tell a revoked cookie
// from a live one: `loaded` stays false (and `ready` pending) until the first complete load. The
// middleware treats that as fail closed: it refuses existing sessions until the mirror loads.

const { codedError } = require('../errors.cjs');
const { kinds, readOptions } = require('../options.cjs');
const { compactor } = require('./compaction.cjs');
const { openConnection } = require('./redis-client.cjs');
const { pauses } = require('./retry.cjs');
const { createRevocations, REVOCATION_OPTIONS } = require('./revocations.cjs');
const { APPEND } = require('./scripts.cjs');
const { newTag, payload } = require('./stream-entry.cjs');
const { streamReader } = require('./stream-reader.cjs');
const { writeBack } = require('./write-back.cjs');
const { writeQueue } = require('./write-queue.cjs');

/** redisRevocations' options, with their defaults (see its doc comment). */
const REDIS_OPTIONS = {
  ...REVOCATION_OPTIONS,
  url: kinds.string(undefined, { what: 'a Redis URL string' }),
  client: kinds.any(undefined),
  prefix: kinds.string('kss:revocations:', { empty: true }),
  closeTimeout: kinds.duration(2000),
  checkInterval: kinds.duration(10 * 1000),
  compactAfter: kinds.duration(3600 * 1000),
  onError: kinds.function(),
};

/**
 * The Redis backend of a mirror: the queued writes, the reader, the write-back and compaction.
 * @param {import('./mirror.cjs').Mirror} mirror
 * @param {import('./redis-client.cjs').Connection} connection
 * @param {{ stream: string, lock: string }} keys
 * @param {{ closeTimeout: number, checkInterval: number, compactAfter: number, onError: (err: Error) => void }} settings
 */
function redisBackend(mirror, connection, keys, { closeTimeout, checkInterval, compactAfter, onError }) {
  const waits = pauses();
  const command = (args, key) => connection.command(args, key);
  const append = (sessions, users) =>
    command(['EVAL', APPEND, '1', keys.stream, newTag(), ...payload(sessions, users)], keys.stream);
  const queue = writeQueue({ append, onError, waits });
  let loaded = false;
  let markReady;
  const ready = new Promise((resolve) => {
    markReady = resolve;
  });
  let repairs;
  const reader = streamReader({
    connection,
    key: keys.stream,
    mirror,
    checkInterval,
    onError,
    onLoaded(generation) {
      loaded = true;
      markReady();
      repairs.loaded(generation).catch(onError);
    },
  });
  repairs = writeBack({ command, keys, mirror, queue, reader, onError, waits });
  const compact = compactor({ command, key: keys.stream, compactAfter, onError });
  // Every process compacts, each at its own times.
  const compacting = setInterval(compact, checkInterval * (0.9 + Math.random() / 5)).unref();

  /** Warns, once connected, when Redis may evict keys: noeviction keeps every revocation until it expires. */
  async function checkEviction() {
    try {
      const [, policy] = await command(['CONFIG', 'GET', 'maxmemory-policy'], keys.stream);
      if (policy && policy !== 'noeviction' && !policy.startsWith('volatile-')) {
        onError(
          codedError(
            Error,
            'ERR_REDIS_EVICTION',
            `Redis may evict keys (maxmemory-policy ${policy}): revocations it evicts are written back by the processes that hold them, but a process started meanwhile misses them; run it with maxmemory-policy noeviction`,
          ),
        );
      }
    } catch {
      // CONFIG is often disabled on managed Redis: nothing to check then.
    }
  }
  let checkedEviction = false;
  connection.onReady(() => {
    waits.wakeAll();
    if (!checkedEviction) {
      checkedEviction = true;
      checkEviction();
    }
  });

  return {
    store: queue.store,
    get loaded() {
      return loaded;
    },
    ready,
    async close() {
      clearInterval(compacting);
      reader.close();
      repairs.close();
      await queue.close(closeTimeout);
      await connection.close();
    },
  };
}

/**
 * Checks the connection options: exactly one of `url` and `client`.
 * @param {{ url?: unknown, client?: unknown }} options
 */
function checkTarget({ url, client }) {
  if ((url === undefined) === (client === undefined)) {
    throw codedError(
      TypeError,
      'ERR_OPTION_VALUE',
      `redisRevocations needs either { url } or { client }, got ${url === undefined ? 'neither' : 'both'}`,
    );
  }
}

/**
 * Revocations shared through Redis: checked from an in-memory mirror that follows a Redis stream,
 * so checking a cookie never waits on the network.
 * @param {{ url?: string, client?: object, prefix?: string, horizon?: number, closeTimeout?: number,
 *   checkInterval?: number, compactAfter?: number, onError?: (err: Error) => void }} options `url`
 *   or `client` (ioredis or node-redis, single or cluster; left open on close); `prefix` of the
 *   keys; `horizon`: default entry lifetime, ms (one day); `closeTimeout`: how long `close()`
 *   waits for queued writes, ms (2000); `checkInterval`: how often to check that Redis still holds
 *   the history this process follows, and to compact, ms (10 000); `compactAfter`: how long an
 *   entry stays as written before its live revocations are repacked, ms (one hour); `onError`:
 *   told of Redis errors (each followed by a retry) and of what Redis lost
 */
function redisRevocations(options) {
  if (options === undefined) {
    throw codedError(TypeError, 'ERR_OPTION_VALUE', 'redisRevocations(options) needs { url } or { client }');
  }
  const { values } = readOptions('redisRevocations(options)', options, REDIS_OPTIONS);
  const { url, client, prefix, horizon, onError = () => {}, ...settings } = values;
  checkTarget({ url, client });
  const keys = { stream: `${prefix}stream`, lock: `${prefix}writeback` };
  const connection = openConnection({ url, client }, onError);
  return createRevocations({ horizon }, (mirror) => redisBackend(mirror, connection, keys, { ...settings, onError }));
}

module.exports = { redisRevocations };
