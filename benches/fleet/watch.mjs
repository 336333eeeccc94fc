// The fleet proof driver's own view of the revocations the processes share: it subscribes to
// redisRevocations' channel as each process does, and notes when each session id was published
// (README, Logout that ends the session: each revocation is published on `<prefix>events`).
import Redis from 'ioredis';

const CHANNEL = 'kss:revocations:events';

/** Subscribes to the revocations published on the Redis at `url`. */
export async function watchRevocations(url) {
  const subscriber = new Redis(url);
  /** When each session id was published (performance.now()). */
  const seen = new Map();
  const waiting = new Map();
  subscriber.on('message', (_channel, text) => {
    const at = performance.now();
    for (const [, id] of JSON.parse(text).s) {
      seen.set(id, at);
      for (const resolve of waiting.get(id) ?? []) resolve(at);
      waiting.delete(id);
    }
  });
  await subscriber.subscribe(CHANNEL);
  return {
    /**
     * Resolves with when session `id` was published, or undefined if it was not within `timeout` ms.
     * @param {string} id
     * @param {number} timeout
     */
    published(id, timeout) {
      if (seen.has(id)) return Promise.resolve(seen.get(id));
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, timeout);
        const done = (at) => {
          clearTimeout(timer);
          resolve(at);
        };
        waiting.set(id, [...(waiting.get(id) ?? []), done]);
      });
    },
    close: () => subscriber.disconnect(),
  };
}
