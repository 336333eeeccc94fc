// The reader's life does not depend on the app's retry policy (issue 20, item 3): the app's
// client gives up reconnecting after a long outage (ioredis `retryStrategy`, node-redis
// `reconnectStrategy`), yet the revocations made on it keep following the stream once Redis is
// back, on a connection of their own, and catch up with what was written meanwhile. Its reader
// connection killed again and again, it goes on from where it stopped each time.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { redisRevocations } from '../index.mjs';
import { eventually, notInstalled } from './helpers.mjs';
import { redisInstalled, startRedis } from './servers.mjs';

const newId = () => randomBytes(16).toString('base64url');
const ignore = () => {};

/** App clients that give up after two failed reconnects; `gaveUp(client)` says when they have. */
const clients = {
  ioredis: {
    open: (url) => new Redis(url, { retryStrategy: (times) => (times > 2 ? null : 20) }).on('error', ignore),
    gaveUp: (client) => client.status === 'end',
    close: (client) => client.disconnect(),
  },
  'node-redis': {
    open(url) {
      const client = createClient({ url, socket: { reconnectStrategy: (retries) => (retries > 2 ? false : 20) } });
      client.on('error', ignore).connect().catch(ignore);
      return client;
    },
    gaveUp: (client) => !client.isOpen,
    close: (client) => (client.isOpen ? client.destroy() : undefined),
  },
};

describe('the reader outlives the app’s retry policy', {
  skip: !redisInstalled() && notInstalled('redis-server'),
}, () => {
  for (const [name, { open, gaveUp, close }] of Object.entries(clients)) {
    it(`${name}: after the app's client gave up for good, revocations still arrive once Redis is back`, async (t) => {
      const server = await startRedis();
      const client = open(server.url);
      const follower = redisRevocations({ client, onError: ignore });
      t.after(async () => {
        await follower.close();
        close(client);
        server.stop();
      });
      await follower.ready;
      await server.kill();
      await eventually('the app client to give up', () => gaveUp(client));
      await server.restart(); // empty: nothing it held was lost, it held nothing
      const writer = redisRevocations({ url: server.url, onError: ignore });
      t.after(() => writer.close());
      const id = newId();
      await writer.revoke(id);
      await writer.revokeUser('u-1');
      // Two entries of the stream, which may arrive in two reads.
      await eventually(
        'the revocations to reach the process whose client gave up',
        () => follower.isRevoked(id) && follower.userRevokedAt('u-1') !== 0,
      );
      assert.equal(gaveUp(client), true, 'the app’s client stayed as the app left it');
    });
  }

  it('a reader connection killed again and again catches up from where it stopped each time', async (t) => {
    const server = await startRedis();
    const admin = new Redis(server.url);
    const follower = redisRevocations({ url: server.url, onError: ignore });
    const writer = redisRevocations({ url: server.url, onError: ignore });
    t.after(async () => {
      await Promise.all([follower.close(), writer.close()]);
      admin.disconnect();
      server.stop();
    });
    await Promise.all([follower.ready, writer.ready]);
    const ids = [];
    for (let round = 0; round < 5; round++) {
      // Kills every reader blocked in XREAD (the follower's and the writer's), then writes at once.
      await admin.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      const batch = Array.from({ length: 50 }, newId);
      await Promise.all(batch.map((id) => writer.revoke(id)));
      ids.push(...batch);
    }
    await eventually('every revocation to reach the follower', () => ids.every((id) => follower.isRevoked(id)));
  });
});
