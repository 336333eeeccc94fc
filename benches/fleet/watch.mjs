// The fleet proof driver's own view of the revocations the processes share: it follows
// redisRevocations' stream as each process does (docs/revocations.md, what Redis holds), and
// notes when each session id reached Redis.
import Redis from 'ioredis';

const STREAM = 'kss:revocations:stream';
/** A session in an entry's `s` field: its 22-character id, then 8 hex digits of its expiry. */
const SESSION_WIDTH = 30;

/** Follows the revocations stream on the Redis at `url`. */
export async function watchRevocations(url) {
  const reader = new Redis(url, { maxRetriesPerRequest: null }).on('error', () => {});
  /** When each session id reached Redis (performance.now()). */
  const seen = new Map();
  const waiting = new Map();
  let following = true;
  let last = '0-0';
  const record = (fields, at) => {
    const s = fields.indexOf('s') > 0 ? fields[fields.indexOf('s') + 1] : '';
    for (let i = 0; i < s.length; i += SESSION_WIDTH) {
      const id = s.slice(i, i + 22);
      if (seen.has(id)) continue;
      seen.set(id, at);
      for (const resolve of waiting.get(id) ?? []) resolve(at);
      waiting.delete(id);
    }
  };
  const follow = async () => {
    while (following) {
      try {
        const reply = await reader.xread('BLOCK', 1000, 'STREAMS', STREAM, last);
        const at = performance.now();
        for (const [id, fields] of reply?.[0][1] ?? []) {
          last = id;
          record(fields, at);
        }
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  const done = follow();
  return {
    /**
     * Resolves with when session `id` reached Redis, or undefined if it did not within `timeout` ms.
     * @param {string} id
     * @param {number} timeout
     */
    published(id, timeout) {
      if (seen.has(id)) return Promise.resolve(seen.get(id));
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, timeout);
        const resolved = (at) => {
          clearTimeout(timer);
          resolve(at);
        };
        waiting.set(id, [...(waiting.get(id) ?? []), resolved]);
      });
    },
    async close() {
      following = false;
      reader.disconnect();
      await done;
    },
  };
}
