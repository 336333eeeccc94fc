'use strict';

// One face over ioredis and node-redis (v4 and later), each as a single client or a cluster
// client: raw commands on the app's client (or one made from a url), and reader connections of
// our own, duplicated from it, that the caller opens, uses and throws away. A reader never
// reconnects by itself (whatever retry policy the app gave its client): the caller makes a new one
// when it fails, for as long as it needs one. Neither library is a dependency of this package: a
// url needs one of them installed.

const { codedError, describe } = require('../errors.cjs');

/**
 * @typedef {object} Reader a connection of our own, for reads that may block
 * @property {(args: string[], key: string, timeout: number) => Promise<any>} command sends a raw
 *   command about `key`; rejects when no reply came within `timeout` ms
 * @property {() => void} close ends it at once
 */

/**
 * @typedef {object} Connection
 * @property {(args: string[], key: string) => Promise<any>} command sends a raw command about `key` on the main client
 * @property {(listener: () => void) => void} onReady calls `listener` each time the main client (re)connects
 * @property {() => Promise<Reader>} openReader connects a new reader
 * @property {() => Promise<void>} close removes our listeners and, when made here, ends the main client
 */

/** The first of ioredis and redis (node-redis) that is installed, or undefined. */
function installedLibrary() {
  for (const name of ['ioredis', 'redis']) {
    try {
      return { name, exports: require(name) };
    } catch (err) {
      if (err.code !== 'MODULE_NOT_FOUND' || !String(err.message).includes(`'${name}'`)) throw err;
    }
  }
  return undefined;
}

/** True for an ioredis client, `Redis` or `Cluster`: raw commands through `call`. */
const isIoredis = (client) => typeof client.call === 'function' && typeof client.duplicate === 'function';

/** True for a node-redis client or cluster: raw commands through `sendCommand`, and an `isOpen` flag. */
const isNodeRedis = (client) =>
  typeof client.sendCommand === 'function' && typeof client.duplicate === 'function' && 'isOpen' in client;

/** True for a node-redis cluster, whose `sendCommand` takes the key first, to route by. */
const isNodeRedisCluster = (client) => typeof client.getSlotMaster === 'function';

/** Listeners this module added to emitters, so they can all be removed again. */
function listenerBook() {
  const added = [];
  return {
    on(emitter, event, listener) {
      emitter.on(event, listener);
      added.push([emitter, event, listener]);
    },
    removeAll() {
      for (const [emitter, event, listener] of added.splice(0)) emitter.removeListener(event, listener);
    },
  };
}

/** How long a reader may take to connect before it is given up and another is made. */
const CONNECT_TIMEOUT = 5000;

/** `promise`, or a rejection once `ms` pass without it settling (then `onTimeout` runs). */
function within(promise, ms, onTimeout) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(codedError(Error, 'ERR_REDIS_TIMEOUT', `Redis did not answer within ${ms} ms: reconnecting`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A Reader over `client`, a connection made for it; `send(args, key)` sends on it, `end()` ends it.
 * @param {{ send: (args: string[], key: string) => Promise<any>, end: () => void }} client
 * @returns {Reader}
 */
function reader({ send, end }) {
  return {
    command: (args, key, timeout) => within(send(args, key), timeout, end),
    close: end,
  };
}

/**
 * A Connection over an ioredis client (`Redis` or `Cluster`).
 * @param {object} client
 * @param {boolean} owned made here from a url (closed on close)
 * @param {(err: Error) => void} onError
 */
function ioredisConnection(client, owned, onError) {
  const book = listenerBook();
  if (owned) client.on('error', onError);
  // Fails fast instead of retrying: openReader's caller makes a new one.
  const once = { lazyConnect: true, enableOfflineQueue: false, autoResubscribe: false, maxRetriesPerRequest: 0 };
  return {
    command: (args) => client.call(...args),
    onReady: (listener) => book.on(client, 'ready', listener),
    async openReader() {
      const duplicate = client.isCluster
        ? client.duplicate([], {
            ...once,
            clusterRetryStrategy: () => null,
            redisOptions: { ...client.options.redisOptions, retryStrategy: () => null },
          })
        : client.duplicate({ ...once, retryStrategy: () => null });
      duplicate.on('error', () => {}); // each failure also fails the command waiting on it, which reports it
      const end = () => duplicate.disconnect();
      await within(duplicate.connect(), CONNECT_TIMEOUT, end).catch((err) => {
        end();
        throw err;
      });
      return reader({ send: (args) => duplicate.call(...args), end });
    },
    async close() {
      book.removeAll();
      if (owned) client.disconnect();
    },
  };
}

/**
 * A Connection over a node-redis client or cluster. The app connects its own client.
 * @param {object} client
 * @param {boolean} owned made here from a url (connected here, closed on close)
 * @param {(err: Error) => void} onError
 */
function nodeRedisConnection(client, owned, onError) {
  const book = listenerBook();
  if (owned) {
    client.on('error', onError);
    client.connect().catch(onError);
  }
  const cluster = isNodeRedisCluster(client);
  const sendOn = (target) =>
    cluster ? (args, key) => target.sendCommand(key, false, args) : (args) => target.sendCommand(args);
  const end = (target) => (typeof target.destroy === 'function' ? target.destroy() : target.disconnect());
  return {
    command: sendOn(client),
    onReady: (listener) => book.on(client, 'ready', listener),
    async openReader() {
      // A single client's reader fails fast instead of reconnecting: openReader's caller makes a
      // new one. A cluster's keeps the app's options, which it has no public way to read and merge;
      // the caller replaces it all the same when a command fails or times out.
      const duplicate = cluster
        ? client.duplicate()
        : client.duplicate({ socket: { ...client.options?.socket, reconnectStrategy: false } });
      duplicate.on('error', () => {}); // each failure also fails the command waiting on it, which reports it
      const close = () => {
        Promise.resolve()
          .then(() => end(duplicate))
          .catch(() => {});
      };
      await within(duplicate.connect(), CONNECT_TIMEOUT, close).catch((err) => {
        close();
        throw err;
      });
      return reader({ send: sendOn(duplicate), end: close });
    },
    async close() {
      book.removeAll();
      if (owned) await end(client);
    },
  };
}

/**
 * Opens a Connection from `{ url }` (with ioredis, else node-redis, whichever is installed) or
 * over `{ client }` (an ioredis or node-redis client or cluster client the app already has, left
 * open on close).
 * @param {{ url?: string, client?: object }} options
 * @param {(err: Error) => void} onError told of connection errors on connections made here
 * @returns {Connection}
 */
function openConnection({ url, client }, onError) {
  if (client !== undefined) {
    if (client !== null && typeof client === 'object' && isIoredis(client))
      return ioredisConnection(client, false, onError);
    if (client !== null && typeof client === 'object' && isNodeRedis(client))
      return nodeRedisConnection(client, false, onError);
    throw codedError(
      TypeError,
      'ERR_REDIS_CLIENT',
      `client must be an ioredis client or a node-redis client, single or cluster (with call or sendCommand, and duplicate), got ${describe(client)}`,
    );
  }
  const library = installedLibrary();
  if (!library) {
    throw codedError(
      Error,
      'ERR_REDIS_CLIENT',
      `redisRevocations({ url }) needs a Redis client library: install ioredis or redis (npm install ioredis), found neither`,
    );
  }
  if (library.name === 'ioredis') return ioredisConnection(new library.exports(url), true, onError);
  return nodeRedisConnection(library.exports.createClient({ url }), true, onError);
}

/**
 * True when Redis answered `err` with an error reply (it refused the command), as opposed to the
 * connection failing.
 * @param {unknown} err
 */
function isReplyError(err) {
  if (!(err instanceof Error)) return false;
  if (err.name === 'ReplyError') return true; // ioredis
  for (let proto = Object.getPrototypeOf(err); proto; proto = Object.getPrototypeOf(proto)) {
    if (proto.constructor?.name === 'ErrorReply') return true; // node-redis
  }
  return false;
}

module.exports = { openConnection, isReplyError };
