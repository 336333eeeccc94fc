// Raw koa-session stores for the demo; the app seals their contents with encryptedStore.
import Redis from 'ioredis';
import pg from 'pg';

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
 * deletes the key.
 * @param {string} url e.g. redis://127.0.0.1:6379
 */
export function redisStore(url) {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 });
  /** The Redis key of the session `id`. */
  const keyFor = (id) => `sess:${id}`;
  return {
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
  };
}

/**
 * A koa-session store over PostgreSQL (pg): one table, created on first use; rows past their
 * expiry are ignored on read and swept every `sweepMs`.
 * @param {string} connectionString e.g. postgres://user@127.0.0.1:5432/db
 */
export function postgresStore(connectionString, { sweepMs = 60_000 } = {}) {
  const pool = new pg.Pool({ connectionString, max: 5 });
  let table;
  const init = () => {
    table ??= pool
      .query(
        'CREATE TABLE IF NOT EXISTS koa_sessions (id text PRIMARY KEY, value text NOT NULL, expires_at timestamptz)',
      )
      .catch((err) => {
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
  return {
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
  };
}
