// What Redis loses is written back, once, whatever traffic follows (issue 20, item 1): three
// processes' revocations on a real Redis that then loses them (FLUSHALL, eviction, a restart
// empty or from an older snapshot) while logouts go on. Every process that held a lost revocation
// reports it (ERR_REVOCATIONS_LOST), one writes it back, and a process started afterwards refuses
// every revoked id; Redis then holds each id once. A restart from an AOF that lost nothing reports
// nothing. Each process here is a redisRevocations of its own, with its own connections.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import Redis from 'ioredis';
import { redisRevocations } from '../index.mjs';
import { eventually, notInstalled } from './helpers.mjs';
import { redisInstalled, startRedis } from './servers.mjs';

const newIds = (n) => Array.from({ length: n }, () => randomBytes(16).toString('base64url'));
const STREAM = 'kss:revocations:stream';

/** How many times Redis holds each session id and each user id, read from the stream. */
async function storedCounts(admin) {
  const counts = new Map();
  for (const [, fields] of await admin.xrange(STREAM, '-', '+')) {
    const users = fields.indexOf('u');
    for (const [, , userId] of users > 0 ? JSON.parse(fields[users + 1]) : []) {
      counts.set(userId, (counts.get(userId) ?? 0) + 1);
    }
    const at = fields.indexOf('s');
    const text = at > 0 ? fields[at + 1] : '';
    for (let i = 0; i < text.length; i += 30)
      counts.set(text.slice(i, i + 22), (counts.get(text.slice(i, i + 22)) ?? 0) + 1);
  }
  return counts;
}

/** Three processes on `url`, each with the errors it reported; `late()` starts one more and waits until it loaded. */
async function fleet(url) {
  const members = [];
  const start = () => {
    const errors = [];
    const revocations = redisRevocations({ url, checkInterval: 200, onError: (err) => errors.push(err) });
    members.push({ revocations, errors });
    return { revocations, errors };
  };
  const running = [start(), start(), start()];
  await Promise.all(running.map((m) => m.revocations.ready));
  return {
    members: running,
    /** Revokes `ids` spread over the three; resolves once all are stored (or rejects). */
    revoke: (ids) => Promise.all(ids.map((id, i) => running[i % 3].revocations.revoke(id))),
    async late() {
      const member = start();
      await member.revocations.ready;
      return member.revocations;
    },
    close: () => Promise.all(members.map((m) => m.revocations.close())),
  };
}

/**
 * A Redis server started with `options` (as startRedis takes them), an admin client and a fleet
 * on it, all closed when test `t` ends.
 */
async function setUp(t, options) {
  const server = await startRedis(options);
  const admin = new Redis(server.url).on('error', () => {});
  const revocations = await fleet(server.url);
  t.after(async () => {
    await revocations.close();
    admin.disconnect();
    server.stop();
  });
  return { server, admin, revocations };
}

/** Waits until Redis holds every one of `ids` (session or user ids); then checks that it holds each once. */
async function converged(admin, ids) {
  const counts = await eventually('every revoked id back in Redis', async () => {
    const stored = await storedCounts(admin);
    return ids.every((id) => stored.has(id)) && stored;
  });
  const repeated = ids.filter((id) => counts.get(id) !== 1);
  assert.deepEqual(repeated, [], `${repeated.length} ids stored more than once`);
}

const lossReports = (member) => member.errors.filter((err) => err.code === 'ERR_REVOCATIONS_LOST');

describe('revocations Redis loses are written back', {
  skip: !redisInstalled() && notInstalled('redis-server'),
}, () => {
  it('a FLUSHALL followed at once by more logouts does not hide the loss: reported by every holder, written back once', async (t) => {
    const { admin, revocations } = await setUp(t);
    const before = newIds(1500);
    await revocations.revoke(before);
    await revocations.members[0].revocations.revokeUser('signed out everywhere');
    await admin.flushall();
    const after = newIds(30); // the next logouts recreate the stream at once
    await revocations.revoke(after);
    await converged(admin, [...before, ...after, 'signed out everywhere']);
    for (const member of revocations.members) {
      await eventually('each holder to report the loss', () => lossReports(member).length > 0);
      assert.match(lossReports(member)[0].message, /^Redis lost \d+ live revocations? this process holds \(/);
    }
    const late = await revocations.late();
    assert.ok([...before, ...after].every((id) => late.isRevoked(id)));
    assert.notEqual(late.userRevokedAt('signed out everywhere'), 0);
  });

  it('a restart from an older snapshot, with logouts going on, loses nothing: what the snapshot missed is written back once', async (t) => {
    const { server, admin, revocations } = await setUp(t, { args: ['--dbfilename', 'dump.rdb'] });
    const saved = newIds(600);
    await revocations.revoke(saved);
    await admin.save();
    const unsaved = newIds(600);
    await revocations.revoke(unsaved);
    await server.kill();
    await server.restart(); // from dump.rdb: only `saved`
    const after = newIds(30);
    await revocations.revoke(after);
    await converged(admin, [...saved, ...unsaved, ...after]);
    for (const member of revocations.members) {
      await eventually('each holder to report the loss', () => lossReports(member).length > 0);
    }
    const late = await revocations.late();
    assert.ok([...saved, ...unsaved, ...after].every((id) => late.isRevoked(id)));
  });

  it('a restart empty, with logouts made during the outage, loses nothing', async (t) => {
    const { server, admin, revocations } = await setUp(t);
    const before = newIds(900);
    await revocations.revoke(before);
    await server.kill();
    const during = newIds(30);
    const stored = revocations.revoke(during); // queued: Redis is down
    await server.restart();
    await stored;
    await converged(admin, [...before, ...during]);
    const late = await revocations.late();
    assert.ok([...before, ...during].every((id) => late.isRevoked(id)));
  });

  it('eviction of the stream (maxmemory, allkeys-*) with logouts going on is written back, and the policy is warned of', async (t) => {
    const { admin, revocations } = await setUp(t, {
      args: ['--maxmemory', '3mb', '--maxmemory-policy', 'allkeys-random'],
    });
    for (const member of revocations.members) {
      await eventually('the eviction policy warned of', () =>
        member.errors.some((err) => err.code === 'ERR_REDIS_EVICTION' && /allkeys-random/.test(err.message)),
      );
    }
    const before = newIds(900);
    await revocations.revoke(before);
    const filler = 'x'.repeat(10_000);
    for (let i = 0; (await admin.exists(STREAM)) === 1; i++) {
      await admin.set(`cache:${i}`, filler);
      if (i > 10_000) assert.fail('the stream was never evicted');
    }
    const after = newIds(30);
    await revocations.revoke(after);
    await admin.config('SET', 'maxmemory', '0'); // so that what is written back stays
    await converged(admin, [...before, ...after]);
    const late = await revocations.late();
    assert.ok([...before, ...after].every((id) => late.isRevoked(id)));
  });

  it('a restart from an AOF that lost nothing reports nothing and writes nothing back', async (t) => {
    const { server, admin, revocations } = await setUp(t, { args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    const before = newIds(900);
    await revocations.revoke(before);
    const entries = await admin.xlen(STREAM);
    await server.kill();
    await server.restart();
    const after = newIds(3);
    await revocations.revoke(after);
    const late = await revocations.late();
    assert.ok([...before, ...after].every((id) => late.isRevoked(id)));
    await new Promise((resolve) => setTimeout(resolve, 1000)); // several checks' worth
    assert.deepEqual(revocations.members.flatMap(lossReports), []);
    assert.ok((await admin.xlen(STREAM)) <= entries + 3, 'no write-back');
  });
});
