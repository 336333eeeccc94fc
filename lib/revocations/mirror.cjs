'use strict';

// What this process knows to be revoked, held in memory so that checking a cookie never waits on
// anything: session ids in a compact set, and per user the latest time before which every session
// of theirs is revoked.

const { RevocationSet } = require('./revocation-set.cjs');
const { slicer } = require('./slices.cjs');

/** The mirror keeps expiries in 32-bit seconds. */
const MAX_UNTIL = 0xffffffff * 1000;

class Mirror {
  sessions = new RevocationSet();
  /** @type {Map<string, { at: number, until: number }>} */
  users = new Map();
  #pruning = false;

  /** Holds session `id` until `until` (ms); an entry already expired at `now` is not kept. */
  addSession(id, until, now) {
    if (until > now && until <= MAX_UNTIL) this.sessions.add(id, until);
  }

  /** Records that `userId`'s sessions issued before `at` are revoked until `until` (ms). */
  addUser(userId, at, until, now) {
    if (!(until > now)) return;
    const entry = this.users.get(userId);
    if (!entry) {
      this.users.set(userId, { at, until });
      return;
    }
    // The latest logout stops everything an earlier one did; keeping the later expiry too only
    // refuses more, never less.
    entry.at = Math.max(entry.at, at);
    entry.until = Math.max(entry.until, until);
  }

  /** Drops what expired, a segment of the session set at a time (see slices.cjs). */
  async prune() {
    if (this.#pruning) return;
    this.#pruning = true;
    try {
      const now = Date.now();
      for (const [userId, entry] of this.users) if (!(entry.until > now)) this.users.delete(userId);
      const slice = slicer();
      for (let s = 0; s < RevocationSet.SEGMENTS; s++) {
        this.sessions.pruneSegment(s, Date.now());
        await slice();
      }
    } finally {
      this.#pruning = false;
    }
  }
}

module.exports = { Mirror, MAX_UNTIL };
