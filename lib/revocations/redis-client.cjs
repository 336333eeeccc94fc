'use strict';

// One face over ioredis and node-redis (v4 and later): raw commands on the app's client (or one
// made from a url), and a subscriber on a connection of its own, duplicated from it. Neither
// library is a dependency of this package: a url needs one of them installed.

const { codedError, describe } = require('../errors.cjs');

/**
 * @typedef {object} Connection
 * @property {(args: string[]) => Promise<unknown>} command sends a raw command on the main client
 * @property {(listener: () => void) => void} onReady calls `listener` each time the main client (re)connects
 * @property {(channel: string, onMessage: (message: string) => void, onActive: () => void) => void} subscribe
 *   listens on `channel`; `onActive` runs each time the subscription is (re)established at the server
 * @property {() => Promise<void>} close ends the subscriber and, when made here, the main client
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

/** True for an ioredis client (`Redis`): raw commands through `call`. */
const isIoredis = (client) =>
  typeof client.call === 'function' && typeof client.duplicate === 'function' && typeof client.subscribe === 'function';

/** True for a node-redis client: raw commands through `sendCommand(args)`, and an `isOpen` flag. */
const isNodeRedis = (client) =>
  typeof client.sendCommand === 'function' &&
  typeof client.duplicate === 'function' &&
  typeof client.subscribe === 'function' &&
  'isOpen' in client;

/**
 * Listeners this module added to emitters, so they can all be removed again.
 */
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

/**
 * A Connection over an ioredis client.
 * @param {import('ioredis').Redis} client
 * @param {boolean} owned made here from a url (closed on close)
 * @param {(err: Error) => void} onError
 */
function ioredisConnection(client, owned, onError) {
  const book = listenerBook();
  // This module subscribes again on every 'ready' and handles the reply; ioredis's own
  // resubscription leaves its promise unhandled, which ends the process if the connection drops
  // before the reply.
  const subscriber = client.duplicate({ autoResubscribe: false });
  subscriber.on('error', onError);
  if (owned) client.on('error', onError);
  return {
    command: (args) => client.call(...args),
    onReady: (listener) => book.on(client, 'ready', listener),
    subscribe(channel, onMessage, onActive) {
      subscriber.on('message', (from, message) => {
        if (from === channel) onMessage(message);
      });
      // This SUBSCRIBE's reply is what says the subscription is live (again).
      const activate = () => subscriber.subscribe(channel).then(onActive, onError);
      subscriber.on('ready', activate);
      if (subscriber.status === 'ready') activate();
      else if (subscriber.status === 'wait') subscriber.connect().catch(onError); // a lazyConnect client
    },
    async close() {
      book.removeAll();
      subscriber.disconnect();
      if (owned) client.disconnect();
    },
  };
}

/**
 * A Connection over a node-redis client. The app connects its own client; a duplicate is ours.
 * @param {import('redis').RedisClientType} client
 * @param {boolean} owned made here from a url (connected here, closed on close)
 * @param {(err: Error) => void} onError
 */
function nodeRedisConnection(client, owned, onError) {
  const book = listenerBook();
  const subscriber = client.duplicate();
  subscriber.on('error', onError);
  if (owned) {
    client.on('error', onError);
    client.connect().catch(onError);
  }
  const end = (c) => (typeof c.destroy === 'function' ? c.destroy() : c.disconnect());
  return {
    command: (args) => client.sendCommand(args),
    onReady: (listener) => book.on(client, 'ready', listener),
    subscribe(channel, onMessage, onActive) {
      // node-redis resubscribes before it emits 'ready'; SUBSCRIBE on a live channel with the
      // same listener then resolves without adding it twice.
      subscriber.on('ready', () => subscriber.subscribe(channel, onMessage).then(onActive, onError));
      subscriber.connect().catch(onError);
    },
    async close() {
      book.removeAll();
      await end(subscriber);
      if (owned) await end(client);
    },
  };
}

/**
 * Opens a Connection from `{ url }` (with ioredis, else node-redis, whichever is installed) or
 * over `{ client }` (an ioredis or node-redis client the app already has, left open on close).
 * @param {{ url?: string, client?: object }} options
 * @param {(err: Error) => void} onError told of connection errors on connections made here
 * @returns {Connection}
 */
function openConnection({ url, client }, onError) {
  if (client?.isCluster) {
    throw codedError(
      TypeError,
      'ERR_REDIS_CLIENT',
      'client is a Redis Cluster client: revocations write keys of several hash slots in one script, which a cluster refuses; use a client of a single Redis (with its replicas)',
    );
  }
  if (client !== undefined) {
    if (client !== null && typeof client === 'object' && isIoredis(client))
      return ioredisConnection(client, false, onError);
    if (client !== null && typeof client === 'object' && isNodeRedis(client))
      return nodeRedisConnection(client, false, onError);
    throw codedError(
      TypeError,
      'ERR_REDIS_CLIENT',
      `client must be an ioredis client or a node-redis client (with call or sendCommand, duplicate and subscribe), got ${describe(client)}`,
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

module.exports = { openConnection };
