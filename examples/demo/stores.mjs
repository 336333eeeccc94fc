// Raw koa-session stores for the demo; the app seals their contents with encryptedStore.
import Redis from 'ioredis';

/**
 * A koa-session store over Redis (ioredis): the TTL follows the session's maxAge, destroy
 * deletes the key.
 * @param {string} url e.g. redis://127.0.0.1:6379
 */
export function redisStore(url) {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const key = (id) => `sess:${id}`;
  return {
    redis,
    get: async (id) => (await redis.get(key(id))) ?? undefined,
    set: async (id, value, maxAge) => {
      if (typeof maxAge === 'number') await redis.set(key(id), value, 'PX', maxAge);
      else await redis.set(key(id), value);
    },
    destroy: async (id) => {
      await redis.del(key(id));
    },
  };
}
