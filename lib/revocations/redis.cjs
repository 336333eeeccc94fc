'use strict';

// Revocations shared by a fleet through Redis (6.2 or later), checked from each process's mirror.
//
// Data model, under `prefix` (default `kss:revocations:`):
// - `<prefix>sessions:<end>`: a string, the 22-character ids of the sessions revoked until some
//   time in the hour that ends at `<end>` (ms), one after another; the key expires at `<end>`;
// - `<prefix>buckets`: sorted set of those `<end>`s (member and score), so a load finds them;
// - `<prefix>users`: sorted set, member = `<at>:<userId>`, score = until (ms);
// - `<prefix>events`: pub/sub channel, each message the JSON `{"s":[[until,id]…],"u":[[until,at,userId]…]}`.
// A write is one EVAL, so atomic: APPEND each id to its hour's string (and set that key's expiry),
// ZADD the rest, ZREMRANGEBYSCORE what expired, then PUBLISH the entries with their exact expiry.
// Redis holds only live revocations, about 22 bytes a session, and drops each hour of them whole;
// a process that loads them keeps each until the end of its hour. Loading a million is reading a
// few strings of 22 MB in all, not a million scored members.
//
// Each process subscribes on a connection of its own. Every time that subscription is live (at
// start and after each reconnect) it reads everything into its mirror: whatever was written
// before is in Redis, whatever comes after arrives on the channel, so nothing written while it
// was disconnected is missed. Merging only ever adds (or lengthens) entries, so a reload keeps
// what the mirror held; after a reconnect, what the mirror holds and Redis no longer does (Redis
// restarted empty, or from an older snapshot) is written back, so that processes started since
// learn it too. A write that fails (Redis down) stays queued, in order, and is retried with
// backoff, and at once when the client reconnects, until it succeeds: it is never dropped while
// the process lives. `close()` waits up to `closeTimeout` for the queue to drain.
//
// A process that starts while Redis is down has an empty mirror that cannot tell a revoked cookie
// from a live one: `loaded` stays false (and `ready` pending) until the first complete load. The
// middleware treats that as fail closed: it refuses existing sessions until the mirror loads.

const { codedError } = require('../errors.cjs');
const { kinds, readOptions } = require('../options.cjs');
const { isSessionId } = require('./revocation-set.cjs');
const { createRevocations, REVOCATION_OPTIONS } = require('./revocations.cjs');
const { openConnection } = require('./redis-client.cjs');

/** redisRevocations' options, with their defaults (see its doc comment). */
const REDIS_OPTIONS = {
  ...REVOCATION_OPTIONS,
  url: kinds.string(undefined, { what: 'a Redis URL string' }),
  client: kinds.any(undefined),
  prefix: kinds.string('kss:revocations:', { empty: true }),
  closeTimeout: kinds.duration(2000),
  checkInterval: kinds.duration(60 * 1000),
  onError: kinds.function(),
};
/** Sessions and users sent in one write, at most (unless one queued entry alone holds more). */
const MAX_BATCH = 1000;
/** Members ZSCAN returns per call, roughly. */
const SCAN_COUNT = '10000';
/** Retry delays: 50 ms doubling to 2 s. */
const backoff = (attempt) => Math.min(2000, 50 * 2 ** attempt);

/** Sessions revoked until some time in the same hour share a string in Redis. */
const BUCKET = 3600 * 1000;
/** The end (ms) of the hour `until` falls in: when its string in Redis expires. */
const bucketEnd = (until) => Math.ceil(until / BUCKET) * BUCKET;
const ID_LENGTH = 22;
/** Entries loaded between two turns of the event loop. */
const LOAD_SLICE = 50_000;

/**
 * KEYS: buckets, users, then one key per hour string written to. ARGV: now, channel, message,
 * count of those strings, then (hour end, ids one after another) for each, then
 * (until, "<at>:<userId>") per user.
 */
const WRITE_SCRIPT = `
local hours = tonumber(ARGV[4])
for i = 1, hours do
  local ends, key = ARGV[3 + 2 * i], KEYS[2 + i]
  redis.call('APPEND', key, ARGV[4 + 2 * i])
  redis.call('PEXPIREAT', key, ends)
  redis.call('ZADD', KEYS[1], ends, ends)
end
for i = 5 + 2 * hours, #ARGV, 2 do
  redis.call('ZADD', KEYS[2], 'GT', ARGV[i], ARGV[i + 1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
`;

/** Timers that wait between retries, all of which `wakeAll` ends early. */
function pauses() {
  const waiting = new Set();
  return {
    /** Resolves after `ms`, or sooner on `wakeAll`. */
    pause(ms) {
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiting.delete(done);
          resolve();
        };
        const timer = setTimeout(done, ms).unref(); // retries alone keep no process alive
        waiting.add(done);
      });
    },
    wakeAll() {
      for (const done of [...waiting]) done();
    },
  };
}

/** The EVAL command that stores `entries` (each `{ sessions, users }`) and publishes them. */
function writeCommand(keys, entries, now) {
  const sessions = entries.flatMap((entry) => entry.sessions);
  const users = entries.flatMap((entry) => entry.users);
  const message = JSON.stringify({
    s: sessions.map(({ id, until }) => [until, id]),
    u: users.map(({ userId, at, until }) => [until, at, userId]),
  });
  /** Ids by the end of the hour their expiry falls in: one APPEND each. */
  const hours = new Map();
  for (const { id, until } of sessions) {
    const end = bucketEnd(until);
    hours.set(end, (hours.get(end) ?? '') + id);
  }
  return [
    'EVAL',
    WRITE_SCRIPT,
    String(2 + hours.size),
    keys.buckets,
    keys.users,
    ...[...hours.keys()].map((end) => keys.bucket(end)),
    String(now),
    keys.events,
    message,
    String(hours.size),
    ...[...hours].flatMap(([end, ids]) => [String(end), ids]),
    ...users.flatMap(({ userId, at, until }) => [String(until), `${at}:${userId}`]),
  ];
}

/** Adds a session entry from Redis to the mirror, when it is well formed. */
function applySession(mirror, id, until, now) {
  if (isSessionId(id) && typeof until === 'number') mirror.addSession(id, until, now);
}

/** Adds a user entry from Redis to the mirror, when it is well formed. */
function applyUser(mirror, userId, at, until, now) {
  if (typeof userId === 'string' && userId !== '' && Number.isFinite(at) && typeof until === 'number') {
    mirror.addUser(userId, at, until, now);
  }
}

/** Applies a message from the events channel; returns false when it is not one of ours. */
function applyMessage(mirror, text) {
  let message;
  try {
    message = JSON.parse(text);
  } catch {
    return false;
  }
  if (!Array.isArray(message?.s) || !Array.isArray(message.u)) return false;
  const now = Date.now();
  for (const entry of message.s) if (Array.isArray(entry)) applySession(mirror, entry[1], entry[0], now);
  for (const entry of message.u) if (Array.isArray(entry)) applyUser(mirror, entry[2], entry[1], entry[0], now);
  return true;
}

/** Calls `each(member, score)` for every member of sorted set `key`, with ZSCAN. */
async function scanSortedSet(connection, key, each) {
  let cursor = '0';
  do {
    const [next, items] = await connection.command(['ZSCAN', key, cursor, 'COUNT', SCAN_COUNT]);
    for (let i = 0; i < items.length; i += 2) each(String(items[i]), Number(items[i + 1]));
    cursor = String(next);
  } while (cursor !== '0');
}

/**
 * Reads every live revocation into the mirror (marking each session it holds); returns the
 * latest revocation time Redis holds for each user.
 */
async function loadInto(mirror, connection, keys) {
  const now = Date.now();
  mirror.sessions.unmark();
  const ends = await connection.command(['ZRANGE', keys.buckets, `(${now}`, '+inf', 'BYSCORE']);
  for (const end of ends) {
    const ids = await connection.command(['GET', keys.bucket(end)]);
    if (typeof ids !== 'string') continue; // expired since
    const until = Number(end);
    for (let i = 0; i + ID_LENGTH <= ids.length; i += ID_LENGTH) {
      applySession(mirror, ids.slice(i, i + ID_LENGTH), until, now);
      // A reload runs while requests are served: let them through every so many entries.
      if (i % (LOAD_SLICE * ID_LENGTH) === 0) await new Promise(setImmediate);
    }
  }
  const userTimes = new Map();
  await scanSortedSet(connection, keys.users, (member, until) => {
    const colon = member.indexOf(':');
    if (colon <= 0) return;
    const userId = member.slice(colon + 1);
    const at = Number(member.slice(0, colon));
    applyUser(mirror, userId, at, until, now);
    if (until > now && !(userTimes.get(userId) >= at)) userTimes.set(userId, at);
  });
  return userTimes;
}

/**
 * What the mirror holds live and the load that just ended did not find in Redis (sessions left
 * unmarked, users whose latest time Redis lacks), in entries of at most MAX_BATCH sessions.
 */
function* missingFromRedis(mirror, userTimes, now) {
  let sessions = [];
  for (const session of mirror.sessions.unmarked(now)) {
    sessions.push(session);
    if (sessions.length === MAX_BATCH) {
      yield { sessions, users: [] };
      sessions = [];
    }
  }
  const users = [];
  for (const [userId, { at, until }] of mirror.users) {
    if (until > now && !(userTimes.get(userId) >= at)) users.push({ userId, at, until });
  }
  if (sessions.length > 0 || users.length > 0) yield { sessions, users };
}

/**
 * The Redis backend of a mirror: queued writes, the subscription and the (re)loads.
 * @param {object} mirror
 * @param {import('./redis-client.cjs').Connection} connection
 * @param {{ buckets: string, bucket: (end: number | string) => string, users: string, events: string }} keys
 * @param {{ closeTimeout: number, checkInterval: number, onError: (err: Error) => void }} settings
 */
function redisBackend(mirror, connection, keys, { closeTimeout, checkInterval, onError }) {
  const waits = pauses();
  /** @type {{ entry: object, resolve: () => void, reject: (err: Error) => void }[]} */
  const queue = [];
  let flushing = null;
  let stopped = false;
  let loaded = false;
  let syncs = 0;
  let markReady;
  const ready = new Promise((resolve) => {
    markReady = resolve;
  });

  /** The first queued items, as many as fit in one write. */
  function nextBatch() {
    let size = 0;
    let count = 0;
    while (count < queue.length) {
      const { sessions, users } = queue[count].entry;
      size += sessions.length + users.length;
      if (count > 0 && size > MAX_BATCH) break;
      count++;
    }
    return queue.slice(0, count);
  }

  /** Sends the queue to Redis in order, retrying each batch until it is stored. */
  async function flush() {
    for (let attempt = 0; queue.length > 0 && !stopped; ) {
      const batch = nextBatch();
      const entries = batch.map((item) => item.entry);
      try {
        await connection.command(writeCommand(keys, entries, Date.now()));
        queue.splice(0, batch.length);
        for (const item of batch) item.resolve();
        attempt = 0;
      } catch (err) {
        if (stopped) break;
        onError(err);
        await waits.pause(backoff(attempt++));
      }
    }
    flushing = null;
  }

  /**
   * Loads both sets into the mirror, retrying until it succeeds or a newer load starts. After a
   * reconnect, writes back what the mirror holds and Redis no longer does (a Redis restarted
   * empty, or from an older snapshot), so that processes started since learn it too.
   */
  async function sync() {
    const run = ++syncs;
    const reloading = loaded;
    let userTimes;
    for (let attempt = 0; userTimes === undefined; attempt++) {
      if (run !== syncs || stopped) return;
      try {
        userTimes = await loadInto(mirror, connection, keys);
      } catch (err) {
        if (stopped) return;
        onError(err);
        await waits.pause(backoff(attempt));
      }
    }
    loaded = true;
    markReady();
    if (!reloading) return;
    for (const entry of missingFromRedis(mirror, userTimes, Date.now())) {
      if (run !== syncs || stopped) return;
      await store(entry).catch(() => {}); // rejected only by close(), which has said so
    }
  }

  /** Queues `entry` for Redis; settles once it is stored (or rejects when closed first). */
  function store(entry) {
    return new Promise((resolve, reject) => {
      queue.push({ entry, resolve, reject });
      flushing ??= flush();
    });
  }

  /**
   * Checks that Redis still holds what the mirror does; when keys went (evicted under memory
   * pressure, or a FLUSHDB) while this process stayed connected, loads and writes back as after a
   * reconnect, so that processes started meanwhile learn them within a minute.
   */
  async function verify() {
    if (!loaded || stopped) return;
    try {
      const ends = await connection.command(['ZRANGE', keys.buckets, '0', '-1']);
      const present = ends.length === 0 ? 0 : Number(await connection.command(['EXISTS', ...ends.map(keys.bucket)]));
      const usersLost = mirror.users.size > 0 && Number(await connection.command(['EXISTS', keys.users])) === 0;
      if (present < ends.length || (ends.length === 0 && mirror.sessions.size > 0) || usersLost) {
        onError(
          codedError(Error, 'ERR_REVOCATIONS_LOST', 'Redis lost revocations this process holds; writing them back'),
        );
        sync();
      }
    } catch (err) {
      onError(err);
    }
  }
  const verifying = setInterval(verify, checkInterval).unref();

  /** Warns, once connected, when Redis may evict keys: noeviction keeps every revocation until it expires. */
  async function checkEviction() {
    try {
      const [, policy] = await connection.command(['CONFIG', 'GET', 'maxmemory-policy']);
      if (policy && policy !== 'noeviction') {
        onError(
          codedError(
            Error,
            'ERR_REDIS_EVICTION',
            `Redis may evict keys (maxmemory-policy ${policy}): revocations it evicts are written back within a minute, but a process started meanwhile misses them; run it with maxmemory-policy noeviction`,
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
  connection.subscribe(
    keys.events,
    (text) => {
      if (!applyMessage(mirror, text)) {
        onError(
          codedError(Error, 'ERR_REVOCATION_MESSAGE', `ignored a message on ${keys.events} that is not a revocation`),
        );
      }
    },
    sync,
  );

  return {
    store,
    get loaded() {
      return loaded;
    },
    ready,
    async close() {
      clearInterval(verifying);
      // A plain timer: a reconnect meanwhile (which wakes the retry pauses) must not cut this short.
      let timer;
      const timeout = new Promise((resolve) => {
        timer = setTimeout(resolve, closeTimeout);
      });
      if (flushing) await Promise.race([flushing, timeout]);
      clearTimeout(timer);
      stopped = true;
      waits.wakeAll();
      for (const item of queue.splice(0)) {
        item.reject(
          codedError(
            Error,
            'ERR_REVOCATIONS_CLOSED',
            `closed before this revocation reached Redis (waited ${closeTimeout} ms for it): it held in this process only`,
          ),
        );
      }
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
 * Revocations shared through Redis: checked from an in-memory mirror kept current by pub/sub, so
 * checking a cookie never waits on the network.
 * @param {{ url?: string, client?: object, prefix?: string, horizon?: number, closeTimeout?: number,
 *   checkInterval?: number, onError?: (err: Error) => void }} options `url` or `client` (ioredis or node-redis; left open
 *   on close); `prefix` of the keys and channel; `horizon`: default entry lifetime, ms (one day);
 *   `closeTimeout`: how long `close()` waits for queued writes, ms (2000); `checkInterval`: how
 *   often to check that Redis still holds what this process does, ms (60 000); `onError`: told of
 *   Redis errors, each followed by a retry
 */
function redisRevocations(options) {
  if (options === undefined) {
    throw codedError(TypeError, 'ERR_OPTION_VALUE', 'redisRevocations(options) needs { url } or { client }');
  }
  const { values } = readOptions('redisRevocations(options)', options, REDIS_OPTIONS);
  const { url, client, prefix, horizon, closeTimeout, checkInterval, onError = () => {} } = values;
  checkTarget({ url, client });
  const keys = {
    buckets: `${prefix}buckets`,
    bucket: (end) => `${prefix}sessions:${end}`,
    users: `${prefix}users`,
    events: `${prefix}events`,
  };
  return createRevocations({ horizon }, (mirror) =>
    redisBackend(mirror, openConnection({ url, client }, onError), keys, { closeTimeout, checkInterval, onError }),
  );
}

module.exports = { redisRevocations };
