// redisRevocations over each way of reaching Redis (ioredis and node-redis, from a url and as an
// app's client) against a real Redis: revocations reach other instances and later ones, close()
// closes only what it opened, queued writes are flushed on close and retried through an outage.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { redisRevocations } from '../index.mjs';
import { eventually, isolatedLib, notInstalled, storedSessionIds } from './helpers.mjs';
import { redisInstalled, startRedis } from './servers.mjs';

const require = createRequire(import.meta.url);
const newId = () => randomBytes(16).toString('base64url');
const ignore = () => {};

/**
 * The ways an app reaches Redis: each `open(url, options)` gives `{ revocations, client }`, with the
 * app's own client when it passes one.
 */
function variants(nodeRedisLib) {
  return {
    'ioredis { url }': (url, options) => ({ revocations: redisRevocations({ url, onError: ignore, ...options }) }),
    'ioredis { client }': (url, options) => {
      const client = new Redis(url).on('error', ignore);
      return { client, revocations: redisRevocations({ client, ...options }) };
    },
    'node-redis { url }': (url, options) => {
      const { redisRevocations: withNodeRedis } = require(nodeRedisLib.module);
      return { revocations: withNodeRedis({ url, onError: ignore, ...options }) };
    },
    'node-redis { client }': (url, options) => {
      const client = createClient({ url }).on('error', ignore);
      client.connect().catch(ignore);
      return { client, revocations: redisRevocations({ client, ...options }) };
    },
  };
}

/** Ends an app's own client, whichever library made it. */
const closeClient = (client) => (client instanceof Redis ? client.quit() : client.close());

/** Connections the server has open, as CLIENT LIST counts them. */
const connections = async (admin) => (await admin.call('CLIENT', 'LIST')).trim().split('\n').length;

describe('redisRevocations clients', { skip: !redisInstalled() && notInstalled('redis-server') }, () => {
  let server;
  let admin;
  let nodeRedisLib;
  let ways;

  before(async () => {
    server = await startRedis();
    admin = new Redis(server.url);
    nodeRedisLib = isolatedLib(['redis']);
    ways = variants(nodeRedisLib);
  });
  after(() => {
    admin?.disconnect();
    server?.stop();
    nodeRedisLib?.remove();
  });

  for (const name of ['ioredis { url }', 'ioredis { client }', 'node-redis { url }', 'node-redis { client }']) {
    it(`${name}: revocations reach other instances, and instances started later load them`, async () => {
      const prefix = `${name}:`;
      const [a, b] = [ways[name](server.url, { prefix }), ways[name](server.url, { prefix })];
      await Promise.all([a.revocations.ready, b.revocations.ready]);
      const id = newId();
      const userId = 'u:1\nwith a colon and a newline';
      await Promise.all([a.revocations.revoke(id), b.revocations.revokeUser(userId)]);
      const at = b.revocations.userRevokedAt(userId);
      assert.notEqual(at, 0);
      await eventually('the session revoked in a to reach b', () => b.revocations.isRevoked(id));
      await eventually('the user revoked in b to reach a', () => a.revocations.userRevokedAt(userId) === at);

      const later = ways[name](server.url, { prefix });
      assert.equal(later.revocations.loaded, false);
      await later.revocations.ready;
      assert.equal(later.revocations.loaded, true);
      assert.equal(later.revocations.isRevoked(id), true);
      assert.equal(later.revocations.userRevokedAt(userId), at);
      assert.equal(later.revocations.isRevoked(newId()), false);

      for (const { revocations, client } of [a, b, later]) {
        await revocations.close();
        if (client) await closeClient(client);
      }
    });

    it(`${name}: close() closes the connections it opened, and only those`, async (t) => {
      // A server of its own, so that no other test's connections are counted.
      const own = await startRedis();
      const watcher = new Redis(own.url);
      const { revocations, client } = ways[name](own.url, {});
      // Whatever fails first, nothing is left reconnecting (which would keep the file's process alive).
      t.after(async () => {
        await revocations.close();
        if (client instanceof Redis) client.disconnect();
        else if (client?.isOpen) client.destroy();
        watcher.disconnect();
        own.stop();
      });
      await revocations.ready;
      // The reader's connection may still be opening when `ready` settles.
      await eventually('the watcher, a main connection and a reader', async () => (await connections(watcher)) === 3);
      await revocations.close();
      const left = client ? 2 : 1;
      await eventually(`${left} connections to remain`, async () => (await connections(watcher)) === left);
      if (client) {
        assert.equal(await client.ping(), 'PONG', 'the app’s client still works');
        // Neither library keeps a 'ready' listener of its own once connected (a connecting client
        // may hold a passing one): what is left would be ours.
        assert.equal(client.listenerCount('ready'), 0, 'its listener is gone');
        await closeClient(client);
      }
    });
  }

  it('takes an ioredis client made with lazyConnect, and a node-redis client the app connects later', async () => {
    const lazy = new Redis(server.url, { lazyConnect: true }).on('error', ignore);
    const unopened = createClient({ url: server.url }).on('error', ignore);
    const revocations = [redisRevocations({ client: lazy }), redisRevocations({ client: unopened })];
    await unopened.connect();
    await Promise.all(revocations.map((r) => r.ready));
    const id = newId();
    await revocations[0].revoke(id);
    await eventually('the other to hear it', () => revocations[1].isRevoked(id));
    for (const r of revocations) await r.close();
    await Promise.all([lazy.quit(), unopened.close()]);
  });

  it('close() first stores what is still queued', async () => {
    const revocations = redisRevocations({ url: server.url, prefix: 'flush:', onError: ignore });
    await revocations.ready;
    const id = newId();
    const stored = revocations.revoke(id, Date.now() + 60_000);
    await revocations.close();
    await stored;
    assert.ok((await storedSessionIds(admin, 'flush:')).has(id));
  });

  it('an entry in the stream that is not a revocation is reported and ignored, and the chain holds', async () => {
    const errors = [];
    const [revocations, other] = [1, 2].map(() =>
      redisRevocations({ url: server.url, prefix: 'noise:', onError: (err) => errors.push(err) }),
    );
    await Promise.all([revocations.ready, other.ready]);
    await admin.xadd('noise:stream', '*', 'hello', 'world');
    await admin.xadd('noise:stream', '*', 't', 'AAAAAAAA', 'p', '', 's', `not an id${'0'.repeat(21)}`);
    await eventually(
      'the noise to be reported',
      () => errors.filter((err) => err.code === 'ERR_REVOCATION_ENTRY').length >= 2,
    );
    assert.match(
      errors.find((err) => err.code === 'ERR_REVOCATION_ENTRY').message,
      /^ignored entry \d+-\d+ of noise:stream: not a revocation$/,
    );
    const id = newId();
    await other.revoke(id);
    await eventually('a later revocation to arrive', () => revocations.isRevoked(id));
    await Promise.all([revocations.close(), other.close()]);
  });

  it('a user id of any well-formed text comes back from Redis as the app gave it, to a process started later', async () => {
    const userIds = ['é', 'emoji 😀', 'nul \u0000 inside', 'quote " and \\ and /', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '42'];
    const writer = redisRevocations({ url: server.url, prefix: 'unicode:' });
    await writer.ready;
    for (const userId of userIds) await writer.revokeUser(userId);
    await writer.revokeUser(7);
    const later = redisRevocations({ url: server.url, prefix: 'unicode:' });
    await later.ready;
    for (const userId of [...userIds, '7']) assert.notEqual(later.userRevokedAt(userId), 0, JSON.stringify(userId));
    assert.equal(later.userRevokedAt('e\u0301'), 0, 'compared as given: no normalization');
    await Promise.all([writer.close(), later.close()]);
  });

  it('prefixes keep fleets apart', async () => {
    const [a, b] = ['fleet-a:', 'fleet-b:'].map((prefix) => redisRevocations({ url: server.url, prefix }));
    await Promise.all([a.ready, b.ready]);
    const id = newId();
    await a.revoke(id);
    const witness = newId();
    await b.revoke(witness);
    await eventually('b to hear its own write', () => b.isRevoked(witness));
    assert.equal(b.isRevoked(id), false);
    assert.equal((await storedSessionIds(admin, 'fleet-b:')).has(id), false);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('redisRevocations through an outage', { skip: !redisInstalled() && notInstalled('redis-server') }, () => {
  let nodeRedisLib;
  before(() => {
    nodeRedisLib = isolatedLib(['redis']);
  });
  after(() => nodeRedisLib?.remove());

  for (const name of ['ioredis { url }', 'node-redis { url }']) {
    it(`${name}: a write during the outage is retried, onError hears why, and close() gives up after closeTimeout`, async () => {
      const server = await startRedis();
      try {
        const errors = [];
        const { revocations } = variants(nodeRedisLib)[name](server.url, {
          closeTimeout: 300,
          onError: (err) => errors.push(err),
        });
        await revocations.ready;
        await server.kill();
        const id = newId();
        const stored = revocations.revoke(id);
        assert.equal(revocations.isRevoked(id), true);
        await eventually('an error to be reported', () => errors.length > 0);
        await revocations.close();
        await assert.rejects(stored, {
          code: 'ERR_REVOCATIONS_CLOSED',
          message: 'closed before this revocation reached Redis (waited 300 ms for it): it held in this process only',
        });
        assert.equal(revocations.isRevoked(id), true);
      } finally {
        server.stop();
      }
    });
  }
});
