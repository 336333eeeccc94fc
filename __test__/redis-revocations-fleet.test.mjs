// A fleet of app processes sharing revocations through a real Redis, each with its own mirror and
// connections, reaching Redis in different ways (ioredis and node-redis, from a url and as an
// app's client): a logout in one reaches the others, a process started later loads it, entries
// expire everywhere, and through Redis being killed and restarted nothing made during the outage
// is lost. No test asserts how soon anything arrives: the benchmark measures that.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import Redis from 'ioredis';
import { eventually, isolatedLib, notInstalled, storedSessionIds } from './helpers.mjs';
import { startWorker } from './revocation-worker.mjs';
import { redisInstalled, startRedis } from './servers.mjs';

const newId = () => randomBytes(16).toString('base64url');

/** True when every one of `workers` refuses every one of `ids`. */
async function allRefuse(workers, ids) {
  const answers = await Promise.all(workers.map((worker) => worker.call('isRevoked', ids)));
  return answers.every((refused) => refused.every(Boolean));
}

/** True when no one of `workers` refuses any of `ids`. */
async function noneRefuse(workers, ids) {
  const answers = await Promise.all(workers.map((worker) => worker.call('isRevoked', ids)));
  return answers.every((refused) => refused.every((r) => !r));
}

describe('redisRevocations across processes', { skip: !redisInstalled() && notInstalled('redis-server') }, () => {
  let server;
  let admin;
  let nodeRedisLib;
  const workers = [];
  /** Starts a worker reaching Redis as `variant` (`redis-url` through a lib that sees only node-redis). */
  const start = async (variant) => {
    const module = variant === 'redis-url' ? nodeRedisLib.module : undefined;
    const worker = await startWorker(variant, server.url, { module });
    workers.push(worker);
    return worker;
  };
  let a;
  let b;
  let c;
  const revoked = [];
  let user;

  before(async () => {
    server = await startRedis();
    admin = new Redis(server.url).on('error', () => {});
    nodeRedisLib = isolatedLib(['redis']);
    [a, b, c] = await Promise.all(['ioredis-url', 'redis-client', 'ioredis-client'].map(start));
    assert.deepEqual(await Promise.all([a, b, c].map((w) => w.call('ready'))), [true, true, true]);
  });

  after(async () => {
    await Promise.all(workers.map((w) => w.close()));
    admin?.disconnect();
    server?.stop();
    nodeRedisLib?.remove();
  });

  it('a session revoked in one process is refused by the others', async () => {
    for (const [from, others] of [
      [a, [b, c]],
      [b, [a, c]],
      [c, [a, b]],
    ]) {
      const id = newId();
      assert.equal((await from.call('revoke', id)).refused, true, `${from.variant} refuses it at once`);
      await eventually(`${id} from ${from.variant} to reach the others`, () => allRefuse(others, [id]));
      revoked.push(id);
    }
    assert.deepEqual(await Promise.all([a, b, c].map((w) => w.call('settled'))), [
      ['fulfilled'],
      ['fulfilled'],
      ['fulfilled'],
    ]);
  });

  it('a user revoked in one process is refused by the others, from the same time', async () => {
    user = 'user: 1';
    const at = await b.call('revokeUser', user);
    assert.ok(at > 0, 'b holds it at once');
    await eventually('the user revocation to reach a and c', async () => {
      const answers = await Promise.all([a, c].map((w) => w.call('userRevokedAt', [user])));
      return answers.every(([seen]) => seen === at);
    });
    user = { id: user, at };
  });

  it('a process started later loads what was revoked before it', async () => {
    const late = await start('redis-url');
    assert.equal(await late.call('ready'), true);
    assert.equal(await allRefuse([late], revoked), true);
    assert.deepEqual(await late.call('userRevokedAt', [user.id]), [user.at]);
    assert.equal(await noneRefuse([late], [newId()]), true);
  });

  it('entries expire from every mirror', async () => {
    const id = newId();
    const until = Date.now() + 1500;
    await a.call('revoke', id, until);
    await c.call('revokeUser', 'short-lived', until);
    await eventually('the short-lived entries to reach every process', async () => {
      const users = await Promise.all(workers.map((w) => w.call('userRevokedAt', ['short-lived'])));
      return (await allRefuse(workers, [id])) && users.every(([at]) => at > 0);
    });
    assert.ok((await storedSessionIds(admin)).has(id));
    await eventually('the entries to expire in every process', async () => {
      const users = await Promise.all(workers.map((w) => w.call('userRevokedAt', ['short-lived'])));
      return (await noneRefuse(workers, [id])) && users.every(([at]) => at === 0);
    });
  });

  let duringOutage;

  it('with Redis killed, every mirror keeps its entries, and a logout holds at once where it is made', async () => {
    await server.kill();
    assert.equal(await allRefuse(workers, revoked), true);
    duringOutage = { session: newId(), user: 'signed out while Redis was down' };
    assert.equal((await a.call('revoke', duringOutage.session)).refused, true);
    assert.ok((await b.call('revokeUser', duringOutage.user)) > 0);
    // Redis is down, so nothing can carry them to the other processes yet.
    assert.equal(await noneRefuse([b, c], [duringOutage.session]), true);
    assert.deepEqual(await c.call('userRevokedAt', [duringOutage.user]), [0]);
  });

  it('when Redis is back (empty), the logouts made during the outage reach every process and are stored', async () => {
    await server.restart();
    await eventually('the outage logout to reach every process', () => allRefuse(workers, [duringOutage.session]));
    await eventually('the outage user revocation to reach every process', async () => {
      const answers = await Promise.all(workers.map((w) => w.call('userRevokedAt', [duringOutage.user])));
      return answers.every(([at]) => at > 0);
    });
    assert.equal(await allRefuse(workers, revoked), true, 'what the mirrors held before the outage stays');
    assert.deepEqual((await a.call('settled')).at(-1), 'fulfilled');
    assert.deepEqual((await b.call('settled')).at(-1), 'fulfilled');
    assert.ok((await storedSessionIds(admin)).has(duringOutage.session));
  });

  it('the processes write back what the empty Redis lost, so a process started after learns it', async () => {
    await eventually('the revocations made before the outage to be back in Redis', async () => {
      const stored = await storedSessionIds(admin);
      return revoked.every((id) => stored.has(id));
    });
    const late = await start('ioredis-client');
    assert.equal(await late.call('ready'), true);
    assert.equal(await allRefuse([late], revoked), true);
    assert.deepEqual(await late.call('userRevokedAt', [user.id]), [user.at]);
  });

  it('a process started while Redis is down is not loaded, and loads once Redis is back', async () => {
    await server.kill();
    const starting = await Promise.all(['ioredis-url', 'redis-url'].map(start));
    const ready = starting.map((w) => w.call('ready'));
    for (const worker of starting) {
      assert.equal(await worker.call('loaded'), false, `${worker.variant} has loaded nothing`);
      // An empty mirror cannot tell a revoked session from a live one: why the middleware fails closed.
      assert.equal(await noneRefuse([worker], [duringOutage.session]), true);
    }
    await server.restart();
    assert.deepEqual(await Promise.all(ready), [true, true]);
    // Redis came back empty again; the processes that knew write everything back.
    await eventually('the new processes to learn every revocation', () =>
      allRefuse(starting, [duringOutage.session, ...revoked]),
    );
    assert.deepEqual(await Promise.all(starting.map((w) => w.call('loaded'))), [true, true]);
  });
});
