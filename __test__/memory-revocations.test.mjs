// memoryRevocations: the interface every backend shares, on one process. A revocation holds at
// once, lasts until its `until` (by default the horizon), and a user's latest logout wins.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, it, mock } from 'node:test';
import { memoryRevocations } from '../index.mjs';

const { extendHorizon } = createRequire(import.meta.url)('../lib/revocations/revocations.cjs');
const newId = () => randomBytes(16).toString('base64url');
const DAY = 24 * 3600 * 1000;

/**
 * A test run with Date and setInterval mocked from 2030-01-01, reset when it ends (node:test
 * resets them by itself; Deno keeps them for the next test).
 */
const clockIt = (name, body) =>
  it(name, async (t) => {
    t.mock.timers.enable({ apis: ['Date', 'setInterval'], now: Date.UTC(2030, 0, 1) });
    try {
      await body(t);
    } finally {
      t.mock.timers.reset();
    }
  });

describe('memoryRevocations', () => {
  it('refuses a revoked session at once, before the promise settles', async () => {
    const revocations = memoryRevocations();
    const id = newId();
    assert.equal(revocations.isRevoked(id), false);
    const stored = revocations.revoke(id);
    assert.equal(revocations.isRevoked(id), true);
    assert.equal(await stored, undefined);
    assert.equal(revocations.isRevoked(newId()), false);
  });

  it('is loaded from the start', async () => {
    const revocations = memoryRevocations();
    assert.equal(revocations.loaded, true);
    assert.equal(await revocations.ready, undefined);
  });

  clockIt('keeps an entry until `until`, then counts it as not revoked', (t) => {
    const revocations = memoryRevocations();
    const id = newId();
    revocations.revoke(id, Date.now() + 60_000);
    t.mock.timers.tick(59_000);
    assert.equal(revocations.isRevoked(id), true);
    t.mock.timers.tick(1_000);
    assert.equal(revocations.isRevoked(id), false);
  });

  clockIt('keeps an entry for the horizon by default: one day, or the `horizon` option', (t) => {
    const byDefault = memoryRevocations();
    const short = memoryRevocations({ horizon: 10_000 });
    const [a, b] = [newId(), newId()];
    byDefault.revoke(a);
    short.revoke(b);
    t.mock.timers.tick(10_000);
    assert.equal(short.isRevoked(b), false);
    assert.equal(byDefault.isRevoked(a), true);
    t.mock.timers.tick(DAY - 10_000 - 1);
    assert.equal(byDefault.isRevoked(a), true);
    t.mock.timers.tick(1);
    assert.equal(byDefault.isRevoked(a), false);
  });

  clockIt('extendHorizon raises the default lifetime, never lowers it', (t) => {
    const revocations = memoryRevocations({ horizon: 10_000 });
    extendHorizon(revocations, 7 * DAY);
    extendHorizon(revocations, 1_000);
    const id = newId();
    revocations.revoke(id);
    t.mock.timers.tick(7 * DAY - 1);
    assert.equal(revocations.isRevoked(id), true);
    t.mock.timers.tick(1);
    assert.equal(revocations.isRevoked(id), false);
  });

  it('a revocation already past its `until` does nothing', async () => {
    const revocations = memoryRevocations();
    const id = newId();
    await revocations.revoke(id, Date.now() - 1);
    assert.equal(revocations.isRevoked(id), false);
  });

  clockIt('revoking again keeps the later expiry', (t) => {
    const revocations = memoryRevocations();
    const id = newId();
    revocations.revoke(id, Date.now() + 120_000);
    revocations.revoke(id, Date.now() + 60_000);
    t.mock.timers.tick(90_000);
    assert.equal(revocations.isRevoked(id), true);
  });

  clockIt('revokeUser records when, at once, and the latest logout wins', (t) => {
    const revocations = memoryRevocations();
    assert.equal(revocations.userRevokedAt('u-1'), 0);
    const first = Date.now();
    revocations.revokeUser('u-1');
    assert.equal(revocations.userRevokedAt('u-1'), first);
    t.mock.timers.tick(5_000);
    revocations.revokeUser('u-1', Date.now() + 1_000);
    assert.equal(revocations.userRevokedAt('u-1'), first + 5_000);
    // The earlier entry's longer expiry is kept: the latest time holds until then.
    t.mock.timers.tick(10_000);
    assert.equal(revocations.userRevokedAt('u-1'), first + 5_000);
    assert.equal(revocations.userRevokedAt('u-2'), 0);
  });

  clockIt('a user entry expires at its `until`', (t) => {
    const revocations = memoryRevocations();
    revocations.revokeUser('u-1', Date.now() + 30_000);
    t.mock.timers.tick(29_999);
    assert.notEqual(revocations.userRevokedAt('u-1'), 0);
    t.mock.timers.tick(1);
    assert.equal(revocations.userRevokedAt('u-1'), 0);
  });

  it('takes a number as a user id, as its String()', async () => {
    const revocations = memoryRevocations();
    await revocations.revokeUser(42);
    assert.notEqual(revocations.userRevokedAt('42'), 0);
    assert.equal(revocations.userRevokedAt(42), revocations.userRevokedAt('42'));
  });

  it('answers 0 for anything that is not a user id, and false for anything not a session id', () => {
    const revocations = memoryRevocations();
    for (const bad of [undefined, null, '', {}, [], Number.NaN]) {
      assert.equal(revocations.userRevokedAt(bad), 0);
      assert.equal(revocations.isRevoked(bad), false);
    }
  });

  clockIt('drops expired entries from memory every minute, a segment at a time', async (t) => {
    const { RevocationSet } = createRequire(import.meta.url)('../lib/revocations/revocation-set.cjs');
    const add = mock.method(RevocationSet.prototype, 'addAt');
    const revocations = memoryRevocations();
    for (let i = 0; i < 20_000; i++) revocations.revoke(newId(), Date.now() + 30_000);
    revocations.revokeUser('u-1', Date.now() + 30_000);
    const set = add.mock.calls[0].this;
    add.mock.restore();
    const prune = mock.method(RevocationSet.prototype, 'pruneSegment');
    t.after(() => prune.mock.restore());
    t.mock.timers.tick(60_000);
    const ours = () => prune.mock.calls.filter((call) => call.this === set).length;
    while (ours() < RevocationSet.SEGMENTS) await new Promise(setImmediate);
    assert.equal(set.size, 0);
    assert.equal(set.capacity, new RevocationSet().capacity);
  });

  it('rejects malformed arguments with coded errors, and holds nothing for them', async () => {
    const revocations = memoryRevocations();
    await assert.rejects(revocations.revoke('too-short'), {
      code: 'ERR_SESSION_ID',
      message: 'session id must be 22 base64url characters (16 random bytes, unpadded), got string of 9 characters',
    });
    await assert.rejects(revocations.revoke(`${newId().slice(0, 21)}=`), {
      code: 'ERR_SESSION_ID',
      message: /got string of 22 characters with a character outside base64url/,
    });
    await assert.rejects(revocations.revoke(undefined), { code: 'ERR_SESSION_ID', message: /got undefined$/ });
    await assert.rejects(revocations.revoke(newId(), 'tomorrow'), {
      code: 'ERR_UNTIL',
      message: /until must be a time in ms .*got string of 8 characters/,
    });
    await assert.rejects(revocations.revoke(newId(), Number.NaN), { code: 'ERR_UNTIL', message: /got NaN/ });
    const far = newId();
    await revocations.revoke(far, 2 ** 33 * 1000); // past 2106, which the mirror holds it until
    assert.equal(revocations.isRevoked(far), true);
    await assert.rejects(revocations.revokeUser(''), {
      code: 'ERR_USER_ID',
      message: 'user id must be a non-empty string or a number, got string of 0 characters',
    });
    await assert.rejects(revocations.revokeUser({ id: 1 }), { code: 'ERR_USER_ID', message: /got Object$/ });
    await assert.rejects(revocations.revokeUser('u-1', -5), { code: 'ERR_UNTIL' });
    assert.equal(revocations.userRevokedAt('u-1'), 0);
  });

  it('an until in seconds (a JWT habit) is refused, not stored as a revocation that ended in 1970', async () => {
    const revocations = memoryRevocations();
    const id = newId();
    const inSeconds = Math.floor(Date.now() / 1000) + 3600;
    await assert.rejects(revocations.revoke(id, inSeconds), {
      code: 'ERR_UNTIL',
      message: `until must be a time in ms since the epoch, such as Date.now() + 3600000, got ${inSeconds}, before 2001 in ms (a time in seconds?)`,
    });
    await assert.rejects(revocations.revokeUser('u-1', inSeconds), { code: 'ERR_UNTIL' });
    await assert.rejects(revocations.revoke(id, Date.UTC(2001, 0, 1) - 1), { code: 'ERR_UNTIL' });
    assert.equal(revocations.isRevoked(id), false);
    await revocations.revoke(id, Date.UTC(2001, 0, 1)); // a time in ms, long past: nothing to hold
    assert.equal(revocations.isRevoked(id), false);
  });

  it('a user id that cannot round-trip through Redis (a lone surrogate) is refused; any well-formed one is kept as given', async () => {
    const revocations = memoryRevocations();
    for (const bad of ['u\ud800', '\udc00x', 'a\udbff\udbff\udc00']) {
      await assert.rejects(revocations.revokeUser(bad), {
        code: 'ERR_USER_ID',
        message:
          /^user id must be well-formed text, got a string with a lone surrogate \(UTF-16 code unit 0x(d800|dc00|dbff)\), which cannot be stored as UTF-8$/,
      });
      assert.equal(revocations.userRevokedAt(bad), 0);
    }
    for (const good of ['é', '😀', 'a\u0000b', ' x ']) {
      await revocations.revokeUser(good);
      assert.notEqual(revocations.userRevokedAt(good), 0, JSON.stringify(good));
    }
    assert.equal(revocations.userRevokedAt('x'), 0, 'compared as given: not trimmed');
  });

  it('close() stops it: later revocations are refused, what it held still answers', async () => {
    const revocations = memoryRevocations();
    const id = newId();
    await revocations.revoke(id);
    await revocations.close();
    await revocations.close();
    await assert.rejects(revocations.revoke(newId()), { code: 'ERR_REVOCATIONS_CLOSED' });
    await assert.rejects(revocations.revokeUser('u-1'), { code: 'ERR_REVOCATIONS_CLOSED' });
    assert.equal(revocations.isRevoked(id), true);
  });
});
