// Nothing in Redis grows with the number of logouts in one value, and loading any number of
// revocations lets the event loop run (issue 20, item 4): entries older than `compactAfter` are
// repacked, a thousand live revocations to an entry, and what expired is dropped, while the
// processes following the stream see no break in it; a load of many entries runs in slices.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import Redis from 'ioredis';
import { redisRevocations } from '../index.mjs';
import { eventually, notInstalled, storedSessionIds } from './helpers.mjs';
import { redisInstalled, startRedis } from './servers.mjs';

const newId = () => randomBytes(16).toString('base64url');
const STREAM = 'kss:revocations:stream';
/** A session as the stream holds it: its id, then its expiry in seconds as 8 hex digits. */
const packed = (id, until) =>
  id +
  Math.ceil(until / 1000)
    .toString(16)
    .padStart(8, '0');

/** Appends, as a writer would, entries of `perEntry` sessions each; resolves with their ids. */
async function appendPacked(admin, entries, perEntry, until) {
  const ids = [];
  let prev = '';
  for (let e = 0; e < entries; e++) {
    const batch = Array.from({ length: perEntry }, newId);
    const tag = randomBytes(6).toString('base64url');
    await admin.xadd(STREAM, '*', 't', tag, 'p', prev, 's', batch.map((id) => packed(id, until)).join(''));
    prev = tag;
    ids.push(...batch);
  }
  return ids;
}

describe('the stream stays compact', { skip: !redisInstalled() && notInstalled('redis-server') }, () => {
  it('old entries are repacked a thousand to an entry, expired revocations dropped, and followers see no loss', async (t) => {
    const server = await startRedis();
    const admin = new Redis(server.url);
    const errors = [];
    const options = { url: server.url, checkInterval: 100, compactAfter: 500, onError: (err) => errors.push(err) };
    const [writer, follower] = [redisRevocations(options), redisRevocations(options)];
    t.after(async () => {
      await Promise.all([writer.close(), follower.close()]);
      admin.disconnect();
      server.stop();
    });
    await Promise.all([writer.ready, follower.ready]);
    const expired = await appendPacked(admin, 3, 10, Date.now() - 5 * 60_000);
    const live = [];
    for (let round = 0; round < 150; round++) {
      const ids = Array.from({ length: 10 }, newId);
      await Promise.all(ids.map((id) => writer.revoke(id)));
      live.push(...ids);
    }
    await writer.revokeUser('u-1');
    // 1,500 live sessions and a user: two entries of sessions, one of users, and the newest entry,
    // which compaction always leaves (it anchors the chain).
    await eventually('the old entries to be repacked', async () => (await admin.xlen(STREAM)) <= 5);
    for (const [, fields] of await admin.xrange(STREAM, '-', '+')) {
      const s = fields[fields.indexOf('s') + 1];
      if (fields.includes('s')) assert.ok(s.length <= 1000 * 30, `an entry of ${s.length / 30} sessions`);
    }
    const stored = await storedSessionIds(admin);
    assert.ok(
      live.every((id) => stored.has(id)),
      'every live revocation kept',
    );
    assert.ok(!expired.some((id) => stored.has(id)), 'the expired ones dropped');
    assert.equal(stored.size, live.length, 'each once');
    const late = redisRevocations({ url: server.url });
    t.after(() => late.close());
    await late.ready;
    assert.ok(live.every((id) => late.isRevoked(id)));
    assert.notEqual(late.userRevokedAt('u-1'), 0);
    assert.deepEqual(
      errors.map((err) => err.code),
      [],
    );
  });

  it('a load of many entries lets the event loop run meanwhile', async (t) => {
    const server = await startRedis();
    const admin = new Redis(server.url);
    t.after(() => {
      admin.disconnect();
      server.stop();
    });
    const ids = await appendPacked(admin, 200, 1000, Date.now() + 3_600_000);
    const revocations = redisRevocations({ url: server.url });
    t.after(() => revocations.close());
    let turns = 0;
    const ticking = setInterval(() => turns++, 0);
    await revocations.ready;
    clearInterval(ticking);
    assert.ok(turns >= 5, `the event loop turned ${turns} times while 200,000 revocations loaded`);
    assert.ok(ids.every((id) => revocations.isRevoked(id)));
  });
});
