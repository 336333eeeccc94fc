// No head-of-line blocking (issue 20, item 4): a revocation Redis refuses for good (here a user
// id longer than its proto-max-bulk-len) is reported and dropped from the queue, still held by the
// process that made it, and the writes queued behind it reach the other processes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { redisRevocations } from '../index.mjs';
import { eventually, notInstalled } from './helpers.mjs';
import { redisInstalled, startRedis } from './servers.mjs';

const newId = () => randomBytes(16).toString('base64url');

describe('a write Redis refuses', { skip: !redisInstalled() && notInstalled('redis-server') }, () => {
  it('is reported and dropped once the mirror holds it; the writes behind it still go out', async (t) => {
    const server = await startRedis({ args: ['--proto-max-bulk-len', '1mb'] });
    const errors = [];
    const writer = redisRevocations({ url: server.url, onError: (err) => errors.push(err) });
    const other = redisRevocations({ url: server.url });
    t.after(async () => {
      await Promise.all([writer.close(), other.close()]);
      server.stop();
    });
    await Promise.all([writer.ready, other.ready]);
    const tooLong = 'u'.repeat(1_100_000);
    const before = newId();
    const after = newId();
    // Queued together, in this order, before any reaches Redis.
    const writes = [writer.revoke(before), writer.revokeUser(tooLong), writer.revoke(after), writer.revokeUser('u-2')];
    const [first, refused, ...later] = await Promise.allSettled(writes);
    assert.equal(first.status, 'fulfilled');
    assert.equal(refused.status, 'rejected');
    assert.equal(refused.reason.code, 'ERR_REVOCATION_REFUSED');
    assert.match(
      refused.reason.message,
      /^Redis refused to store a revocation \(ERR Protocol error: invalid bulk length\): it holds in this process only, and later ones go on$/,
    );
    assert.deepEqual(
      later.map((r) => r.status),
      ['fulfilled', 'fulfilled'],
    );
    assert.ok(
      errors.some((err) => err === refused.reason),
      'onError was told',
    );
    assert.notEqual(writer.userRevokedAt(tooLong), 0, 'held where it was made');
    await eventually(
      'the later writes to reach the other process',
      () => other.isRevoked(after) && other.userRevokedAt('u-2') > 0,
    );
    assert.equal(other.isRevoked(before), true);
    const next = newId();
    await writer.revoke(next);
    await eventually('writes to go on', () => other.isRevoked(next));
  });
});
