// The compact set of revoked session ids behind every mirror: membership, expiry, growth,
// pruning and marks, and that it never takes a malformed id.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';

const { RevocationSet, isSessionId } = createRequire(import.meta.url)('../lib/revocations/revocation-set.cjs');

const newId = () => randomBytes(16).toString('base64url');
const NOW = Date.UTC(2030, 0, 1);
/** The slots of a set that holds nothing: every segment at its smallest. */
const EMPTY_CAPACITY = new RevocationSet().capacity;
const HOUR = 3600 * 1000;
const sessionId = fc
  .uint8Array({ minLength: 16, maxLength: 16 })
  .map((bytes) => Buffer.from(bytes).toString('base64url'));

describe('RevocationSet', () => {
  it('holds what was added, until its expiry', () => {
    const set = new RevocationSet();
    const id = newId();
    assert.equal(set.has(id, NOW), false);
    set.add(id, NOW + HOUR);
    assert.equal(set.has(id, NOW), true);
    assert.equal(set.has(id, NOW + HOUR - 1), true);
    assert.equal(set.has(id, NOW + HOUR), false);
    assert.equal(set.has(newId(), NOW), false);
    assert.equal(set.size, 1);
  });

  it('rounds an expiry up to the whole second, never down', () => {
    const set = new RevocationSet();
    const id = newId();
    set.add(id, NOW + 1);
    assert.equal(set.has(id, NOW + 999), true);
    assert.equal(set.has(id, NOW + 1000), false);
  });

  it('keeps the later expiry when an id is added again', () => {
    const set = new RevocationSet();
    const id = newId();
    set.add(id, NOW + 2 * HOUR);
    set.add(id, NOW + HOUR);
    assert.equal(set.has(id, NOW + HOUR + 1000), true);
    set.add(id, NOW + 3 * HOUR);
    assert.equal(set.has(id, NOW + 2 * HOUR + 1000), true);
    assert.equal(set.size, 1);
  });

  it('tells ids apart that differ in one character, in any position', () => {
    const set = new RevocationSet();
    const base = 'AAAAAAAAAAAAAAAAAAAAAA';
    set.add(base, NOW + HOUR);
    for (let i = 0; i < 22; i++) {
      for (const char of ['B', '_', '-', '9']) {
        const other = `${base.slice(0, i)}${char}${base.slice(i + 1)}`;
        assert.equal(set.has(other, NOW), false, other);
      }
    }
  });

  it('never holds a malformed id, and refuses to add one', () => {
    const set = new RevocationSet();
    const id = newId();
    set.add(id, NOW + HOUR);
    for (const bad of [
      id.slice(1),
      `${id}A`,
      `${id.slice(0, 21)}=`,
      `${id.slice(0, 21)}+`,
      `${id.slice(0, 21)}é`,
      '',
    ]) {
      assert.equal(isSessionId(bad), false, bad);
      assert.equal(set.has(bad, NOW), false, bad);
      assert.throws(() => set.add(bad, NOW + HOUR), TypeError);
    }
    for (const bad of [undefined, null, 42, {}, Buffer.from(id)]) {
      assert.equal(set.has(bad, NOW), false);
      assert.throws(() => set.add(bad, NOW + HOUR), TypeError);
    }
    assert.equal(isSessionId(id), true);
  });

  it('addAt takes an id inside a longer text, and refuses what is not one', () => {
    const set = new RevocationSet();
    const [a, b] = [newId(), newId()];
    const text = `${a}:${b}`;
    assert.equal(set.addAt(text, 0, 100), true);
    assert.equal(set.addAt(text, 23, 100), true);
    assert.equal(set.has(a, 99_000) && set.has(b, 99_000), true);
    assert.equal(set.has(a, 100_000), false);
    assert.equal(set.addAt(text, 20, 100), false, 'a colon inside: not base64url throughout');
    assert.equal(set.addAt(text, 24, 100), false, 'runs past the end');
    assert.equal(set.size, 2);
  });

  it('refuses an expiry that is not a time before 2106', () => {
    const set = new RevocationSet();
    for (const bad of [Number.NaN, 0, -1, 2 ** 32 * 1000, Number.POSITIVE_INFINITY]) {
      assert.throws(() => set.add(newId(), bad), RangeError, String(bad));
    }
    assert.equal(set.size, 0);
  });

  it('grows a segment at a time, each at most 5/8 full', () => {
    const set = new RevocationSet();
    const ids = Array.from({ length: 20_000 }, newId);
    for (const [i, id] of ids.entries()) {
      set.add(id, NOW + HOUR);
      assert.ok(set.size * 8 <= set.capacity * 5, `${set.size} entries in ${set.capacity} slots`);
      if (i % 3989 === 0) assert.ok(ids.slice(0, i + 1).every((held) => set.has(held, NOW)));
    }
    assert.equal(set.size, 20_000);
    assert.ok(set.capacity > EMPTY_CAPACITY);
    assert.ok(ids.every((id) => set.has(id, NOW)));
  });

  it('never rebuilds more than one segment at once: growth copies a small share of the entries', () => {
    const set = new RevocationSet();
    const ids = Array.from({ length: 50_000 }, newId);
    let largestGrowth = 0;
    for (const id of ids) {
      const before = set.capacity;
      set.add(id, NOW + HOUR);
      largestGrowth = Math.max(largestGrowth, set.capacity - before);
    }
    // A whole-table rebuild would add at least as many slots as there are entries.
    assert.ok(largestGrowth * 20 < set.size, `grew by ${largestGrowth} slots at once for ${set.size} entries`);
  });

  it('leaves a segment whose expired entries are under a quarter as it is', () => {
    const set = new RevocationSet();
    // About 40 live entries a segment: the few expired ones are far under a quarter of any.
    for (let i = 0; i < 10; i++) set.add(newId(), NOW + HOUR);
    const ids = Array.from({ length: 10_000 }, newId);
    for (const id of ids) set.add(id, NOW + 5 * HOUR);
    set.prune(NOW + 2 * HOUR);
    assert.equal(set.size, 10_010);
    assert.ok(ids.every((id) => set.has(id, NOW + 2 * HOUR)));
  });

  it('prunes expired entries, keeps the live ones, and shrinks back', () => {
    const set = new RevocationSet();
    const shortLived = Array.from({ length: 40_000 }, newId);
    const longLived = Array.from({ length: 100 }, newId);
    for (const id of shortLived) set.add(id, NOW + HOUR);
    for (const id of longLived) set.add(id, NOW + 5 * HOUR);
    const grown = set.byteLength;
    set.prune(NOW + 2 * HOUR);
    assert.equal(set.size, 100);
    assert.ok(set.byteLength <= grown / 8, `${set.byteLength} bytes after pruning, ${grown} before`);
    assert.ok(longLived.every((id) => set.has(id, NOW + 2 * HOUR)));
    assert.ok(shortLived.every((id) => !set.has(id, NOW)));
    set.prune(NOW + 6 * HOUR);
    assert.equal(set.size, 0);
    assert.equal(set.capacity, EMPTY_CAPACITY);
  });

  it('makes room by dropping expired entries when full, before it grows', () => {
    const set = new RevocationSet();
    const live = newId();
    set.add(live, Date.now() + HOUR);
    for (let i = 0; i < 40_000; i++) set.add(newId(), Date.now() - 5000);
    assert.equal(set.capacity, EMPTY_CAPACITY);
    assert.equal(set.has(live), true);
  });

  it('unmarked() gives back the live entries not added since unmark(), through growth', () => {
    const set = new RevocationSet();
    const before = Array.from({ length: 10 }, newId);
    for (const id of before) set.add(id, NOW + HOUR + 1);
    set.add(newId(), NOW - 1);
    set.unmark();
    set.add(before[0], NOW + HOUR);
    const after = Array.from({ length: 1000 }, newId);
    for (const id of after) set.add(id, NOW + HOUR);
    const unmarked = [...set.unmarked(NOW)];
    assert.deepEqual(unmarked.map((e) => e.id).sort(), before.slice(1).sort());
    for (const entry of unmarked) assert.equal(entry.until, NOW + HOUR + 1000, 'whole seconds, rounded up');
    assert.deepEqual([...set.unmarked(NOW + 2 * HOUR)], []);
  });

  it('holds exactly the ids added, for any ids (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(sessionId, { maxLength: 300 }),
        fc.array(sessionId, { maxLength: 50 }),
        (added, others) => {
          const set = new RevocationSet();
          for (const id of added) set.add(id, NOW + HOUR);
          const held = new Set(added);
          assert.equal(set.size, added.length);
          for (const id of added) assert.equal(set.has(id, NOW), true);
          for (const id of others) assert.equal(set.has(id, NOW), held.has(id));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('after any mix of expiries and a prune, holds exactly the live ids (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(sessionId, fc.integer({ min: 1, max: 10 })), {
          maxLength: 300,
          selector: ([id]) => id,
        }),
        fc.integer({ min: 0, max: 11 }),
        (entries, at) => {
          const set = new RevocationSet();
          for (const [id, hours] of entries) set.add(id, NOW + hours * HOUR);
          set.prune(NOW + at * HOUR);
          const live = entries.filter(([, hours]) => hours > at);
          // Rebuilt without the expired entries, or left as it was while they are under a quarter.
          assert.ok(set.size === live.length || (set.size - live.length) * 4 < set.size, `${set.size} ${live.length}`);
          assert.ok(set.size * 8 <= set.capacity * 5);
          for (const [id, hours] of entries) assert.equal(set.has(id, NOW + at * HOUR), hours > at);
        },
      ),
      { numRuns: 200 },
    );
  });
});
