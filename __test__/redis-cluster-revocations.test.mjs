// Revocations on a Redis Cluster (issue 20, item 7): a real cluster of three masters, each with a
// replica, on loopback. redisRevocations takes an ioredis Cluster and a node-redis cluster client;
// revocations made through either reach the other and processes started later; with the master
// that serves the stream killed while a process loads and while logouts go on, its replica takes
// over, and once the cluster is whole again every revocation is refused everywhere, including by
// processes started after it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import Redis from 'ioredis';
import { createCluster } from 'redis';
import { redisRevocations } from '../index.mjs';
import { eventually, notInstalled } from './helpers.mjs';
import { redisInstalled, startCluster } from './servers.mjs';

const newIds = (n) => Array.from({ length: n }, () => randomBytes(16).toString('base64url'));
const STREAM = 'kss:revocations:stream';
const ignore = () => {};

describe('revocations on a Redis Cluster', { skip: !redisInstalled() && notInstalled('redis-server') }, () => {
  let cluster;
  const clients = [];
  const opened = [];
  /** An app's cluster client of `library`. */
  const clientOf = async (library) => {
    if (library === 'ioredis') {
      const client = new Redis.Cluster(cluster.startupNodes).on('error', ignore);
      clients.push(() => client.disconnect());
      return client;
    }
    const rootNodes = cluster.startupNodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` }));
    const client = createCluster({ rootNodes }).on('error', ignore);
    await client.connect();
    clients.push(() => client.destroy());
    return client;
  };
  const open = async (library, errors = []) => {
    const revocations = redisRevocations({
      client: await clientOf(library),
      checkInterval: 200,
      onError: (err) => errors.push(err),
    });
    opened.push(revocations);
    return revocations;
  };

  before(async () => {
    cluster = await startCluster({ masters: 3, replicas: 1 });
  });
  after(async () => {
    await Promise.all(opened.map((r) => r.close()));
    for (const close of clients) await close();
    cluster?.stop();
  });

  it('takes an ioredis Cluster and a node-redis cluster client: each hears the other, and a later process loads both', async () => {
    const [io, node] = await Promise.all([open('ioredis'), open('node-redis')]);
    await Promise.all([io.ready, node.ready]);
    const [a, b] = [newIds(200), newIds(200)];
    await Promise.all([...a.map((id) => io.revoke(id)), ...b.map((id) => node.revoke(id)), node.revokeUser('u-1')]);
    await eventually(
      'each to hear the other',
      () => b.every((id) => io.isRevoked(id)) && a.every((id) => node.isRevoked(id)),
    );
    for (const library of ['ioredis', 'node-redis']) {
      const late = await open(library);
      await late.ready;
      assert.ok(
        [...a, ...b].every((id) => late.isRevoked(id)),
        library,
      );
      assert.notEqual(late.userRevokedAt('u-1'), 0, library);
    }
  });

  it('the master serving the stream killed while a process loads and logouts go on: its replica takes over, nothing is lost', async () => {
    const errors = [];
    const writers = await Promise.all([open('ioredis', errors), open('node-redis', errors)]);
    await Promise.all(writers.map((w) => w.ready));
    // A stream long enough that the load is under way when the master dies.
    const admin = new Redis.Cluster(cluster.startupNodes).on('error', ignore);
    clients.push(() => admin.disconnect());
    const until = Math.ceil((Date.now() + 3_600_000) / 1000)
      .toString(16)
      .padStart(8, '0');
    const loaded = [];
    for (let e = 0, prev = ''; e < 100; e++) {
      const ids = newIds(1000);
      const tag = randomBytes(6).toString('base64url');
      await admin.xadd(STREAM, '*', 't', tag, 'p', prev, 's', ids.map((id) => id + until).join(''));
      prev = tag;
      loaded.push(...ids);
    }
    const revoked = newIds(300);
    const master = cluster.masterOf(STREAM);
    const loading = await open('ioredis', errors);
    const writes = revoked.map((id, i) =>
      new Promise((resolve) => setTimeout(resolve, i * 5)).then(() => writers[i % 2].revoke(id)),
    );
    await cluster.kill(master);
    await cluster.waitForMaster(STREAM, master);
    await loading.ready;
    await Promise.all(writes);
    const everyone = [...writers, loading];
    await eventually('every process to refuse every revocation', () =>
      everyone.every((r) => revoked.every((id) => r.isRevoked(id))),
    );
    assert.ok(loaded.every((id) => loading.isRevoked(id)));
    // Whatever the replica missed has been written back: a process started now loads it all.
    await eventually('a later process to load every revocation', async () => {
      const late = await open('node-redis');
      await late.ready;
      return [...loaded, ...revoked].every((id) => late.isRevoked(id));
    });
  });
});
