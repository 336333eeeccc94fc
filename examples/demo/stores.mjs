// Raw koa-session stores for the demo, over Redis and PostgreSQL; the app seals their contents
// with encryptedStore. While their server does not answer, their calls fail with
// STORE_UNAVAILABLE (which the demo answers with 503) and the process carries on: it serves again
// as soon as the server is back.
import Redis from 'ioredis';
import pg from 'pg';

/** The code of the error a store call fails with while the store's server does not answer. */
export const STORE_UNAVAILABLE = 'ERR_STORE_UNAVAILABLE';

/**
 * `store` whose get, set and destroy fail with STORE_UNAVAILABLE (the server's error as its
 * cause) when `server` fails them. `log` hears once when the server stops answering, however
 * many errors follow (`failed(err)`, which the store's client calls too, for errors outside any
 * request), and once when it answers again.
 * @param {string} server the server's name, for messages
 * @param {{ get: Function, set: Function, destroy: Function }} store
 * @param {(line: string) => void} log
 */
function reportingOutages(server, store, log) {
  let down = false;
  const failed = (err) => {
    if (!down) log(`${server} is not answering (${err.message}): the demo answers 503 until it is back`);
    down = true;
  };
  const call = async (method, args) => {
    try {
      const result = await store[method](...args);
      if (down) log(`${server} answers again`);
      down = false;
      return result;
    } catch (err) {
      failed(err);
      throw Object.assign(new Error(`${server} did not answer: ${err.message}`, { cause: err }), {
        code: STORE_UNAVAILABLE,
      });
    }
  };
  return {
    ...store,
    failed,
    get: (...args) => call('get', args),
    set: (...args) => call('set', args),
    destroy: (...args) => call('destroy', args),
  };
}

/**
 * `store`, recording for each request what it read: `ctx.state.storeRead` becomes `{ key, value }`,
 * the value as the store answered and the key it holds it under (`store.keyFor(id)` when the
 * store adds a prefix; koa-session passes `{ ctx }` to the store).
 * @param {{ get: Function, set: Function, destroy: Function, keyFor?: (id: string) => string }} store
 */
export function showingReads(store) {
  return {
    ...store,
    async get(id, maxAge, options) {
      const value = await store.get(id, maxAge, options);
      if (options?.ctx) options.ctx.state.storeRead = { key: store.keyFor?.(id) ?? id, value };
      return value;
    },
  };
}

/**
 * A koa-session store over Redis (ioredis): the TTL follows the session's maxAge, destroy
 * deletes the key. While Redis is down, a call fails after two reconnection attempts rather than
 * waiting for it.
 * @param {string} url e.g. redis://127.0.0.1:6379
 * @param {{ log?: (line: string) => void }} [options] where outages are told, default console.warn
 */
export function redisStore(url, { log = console.warn } = {}) {
  const redis = new Redis(url, { maxRetriesPerRequest: 2 });
  /** The Redis key of the session `id`. */
  const keyFor = (id) => `sess:${id}`;
  const store = reportingOutages(
    'Redis',
    {
      redis,
      keyFor,
      get: async (id) => (await redis.get(keyFor(id))) ?? undefined,
      set: async (id, value, maxAge) => {
        if (typeof maxAge === 'number') await redis.set(keyFor(id), value, 'PX', maxAge);
        else await redis.set(keyFor(id), value);
      },
      destroy: async (id) => {
        await redis.del(keyFor(id));
      },
    },
    log,
  );
  redis.on('error', store.failed); // reconnection attempts fail while Redis is down
  return store;
}

/** Creates the sessions table unless it exists, one server session at a time (see postgresStore). */
const CREATE_TABLE = `SELECT pg_advisory_xact_lock(hashtext('koa_sessions'));
CREATE TABLE IF NOT EXISTS koa_sessions (id text PRIMARY KEY, value text NOT NULL, expires_at timestamptz)`;

/**
 * A koa-session store over PostgreSQL (pg): one table, created on first use; rows past their
 * expiry are ignored on read and swept every `sweepMs`. Two `CREATE TABLE IF NOT EXISTS` at once
 * (two processes starting) can both find no table, and the second fails on a unique index of the
 * catalog: the creation holds a transaction-scoped advisory lock, so the second waits, then finds
 * the table. A connection the server drops while idle (a restart) is discarded and the pool opens
 * a new one when next needed.
 * @param {string} connectionString e.g. postgres://user@127.0.0.1:5432/db
 * @param {{ sweepMs?: number, log?: (line: string) => void }} [options] `log`: where outages
 *   are told, default console.warn
 */
export function postgresStore(connectionString, { sweepMs = 60_000, log = console.warn } = {}) {
  const pool = new pg.Pool({ connectionString, max: 5, connectionTimeoutMillis: 5000 });
  let table;
  const init = () => {
    // One multi-statement query runs as one transaction: the lock is held until the table is committed.
    table ??= pool.query(CREATE_TABLE).catch((err) => {
      table = undefined; // try again on the next call
      throw err;
    });
    return table;
  };
  const sweeper = setInterval(() => {
    init()
      .then(() => pool.query('DELETE FROM koa_sessions WHERE expires_at < now()'))
      .catch(() => {});
  }, sweepMs);
  sweeper.unref();
  const store = reportingOutages(
    'PostgreSQL',
    {
      pool,
      async get(id) {
        await init();
        const { rows } = await pool.query(
          'SELECT value FROM koa_sessions WHERE id = $1 AND (expires_at IS NULL OR expires_at > now())',
          [id],
        );
        return rows[0]?.value;
      },
      async set(id, value, maxAge) {
        await init();
        const expires = typeof maxAge === 'number' ? new Date(Date.now() + maxAge) : null;
        await pool.query(
          'INSERT INTO koa_sessions (id, value, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at',
          [id, value, expires],
        );
      },
      async destroy(id) {
        await init();
        await pool.query('DELETE FROM koa_sessions WHERE id = $1', [id]);
      },
      /** Stops the sweeper and closes the pool. */
      close() {
        clearInterval(sweeper);
        return pool.end();
      },
    },
    log,
  );
  pool.on('error', store.failed); // an idle connection the server dropped: without a listener, a crash
  return store;
}
