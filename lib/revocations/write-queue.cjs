'use strict';

// The writes of one process, in order: each revocation is queued (after the mirror holds it),
// sent with those queued behind it as one stream entry, and retried with backoff (and at once on
// reconnect) while Redis cannot be reached. When Redis refuses a batch outright (an error reply,
// such as a value over its size limit), its revocations are sent one at a time until the one it
// refuses is found; that one is reported and dropped, still held by this process's mirror, and
// the writes behind it go on.

const { codedError } = require('../errors.cjs');
const { backoff } = require('./retry.cjs');
const { isReplyError } = require('./redis-client.cjs');

/** Revocations in one entry, at most. */
const MAX_BATCH = 1000;
/** Characters of user ids in one entry, roughly at most (user ids may be long). */
const MAX_USER_CHARS = 64 * 1024;
/** Error replies that say Redis cannot take writes for now, not that it refuses this one. */
const TRANSIENT =
  /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|OOM|NOREPLICAS|MISCONF|NOAUTH|WRONGPASS|NOPERM|MOVED|ASK|UNBLOCKED)\b/;

/** True when Redis refused `err`'s command for good: retrying the same write cannot succeed. */
const refusedForGood = (err) => isReplyError(err) && !TRANSIENT.test(err.message);

/**
 * @param {{ append: (sessions: object[], users: object[]) => Promise<unknown>, onError: (err: Error) => void,
 *   waits: ReturnType<typeof import('./retry.cjs').pauses> }} settings `append` stores one entry
 */
function writeQueue({ append, onError, waits }) {
  /** @type {{ session?: { id: string, until: number }, user?: { userId: string, at: number, until: number }, group: object }[]} */
  const items = [];
  let flushing = null;
  let stopped = false;
  /** After a refused batch, one item at a time until the refused one is found and dropped. */
  let isolating = false;

  /** The first items, as many as fit in one entry (one while isolating). */
  function nextBatch() {
    let chars = 0;
    let count = 0;
    while (count < items.length && count < (isolating ? 1 : MAX_BATCH)) {
      chars += items[count].user?.userId.length ?? 0;
      if (count > 0 && chars > MAX_USER_CHARS) break;
      count++;
    }
    return items.slice(0, count);
  }

  /** Settles `item`'s share of its group: the group resolves once every item is stored. */
  function settle(item, err) {
    const { group } = item;
    if (err && !group.failed) {
      group.failed = true;
      group.reject(err);
    }
    if (--group.left === 0 && !group.failed) group.resolve();
  }

  async function flush() {
    for (let attempt = 0; items.length > 0 && !stopped; ) {
      const batch = nextBatch();
      try {
        await append(
          batch.flatMap((item) => (item.session ? [item.session] : [])),
          batch.flatMap((item) => (item.user ? [item.user] : [])),
        );
        items.splice(0, batch.length);
        for (const item of batch) settle(item);
        attempt = 0;
      } catch (err) {
        if (stopped) break;
        if (refusedForGood(err) && batch.length > 1) {
          isolating = true;
        } else if (refusedForGood(err)) {
          items.shift();
          const refused = codedError(
            Error,
            'ERR_REVOCATION_REFUSED',
            `Redis refused to store a revocation (${err.message}): it holds in this process only, and later ones go on`,
          );
          refused.cause = err;
          onError(refused);
          settle(batch[0], refused);
          isolating = false;
        } else {
          onError(err);
          await waits.pause(backoff(attempt++));
        }
      }
    }
    flushing = null;
  }

  return {
    /**
     * Queues an entry's revocations; settles once all are stored, or rejects with the first
     * refused (or with `ERR_REVOCATIONS_CLOSED` when closed first).
     * @param {{ sessions: object[], users: object[] }} entry
     */
    store({ sessions, users }) {
      return new Promise((resolve, reject) => {
        const group = { left: sessions.length + users.length, resolve, reject, failed: false };
        if (group.left === 0) resolve();
        for (const session of sessions) items.push({ session, group });
        for (const user of users) items.push({ user, group });
        flushing ??= flush();
      });
    },

    /** The revocations queued and not yet stored. */
    *pending() {
      for (const item of items) yield item;
    },

    /**
     * Waits up to `timeout` ms for the queue to drain, then stops; what is still queued rejects
     * with `ERR_REVOCATIONS_CLOSED`.
     * @param {number} timeout
     */
    async close(timeout) {
      // A plain timer: a reconnect meanwhile (which wakes the retry pauses) must not cut this short.
      let timer;
      const timedOut = new Promise((resolve) => {
        timer = setTimeout(resolve, timeout);
      });
      if (flushing) await Promise.race([flushing, timedOut]);
      clearTimeout(timer);
      stopped = true;
      waits.wakeAll();
      const closed = codedError(
        Error,
        'ERR_REVOCATIONS_CLOSED',
        `closed before this revocation reached Redis (waited ${timeout} ms for it): it held in this process only`,
      );
      for (const item of items.splice(0)) settle(item, closed);
    },
  };
}

module.exports = { writeQueue, MAX_BATCH };
