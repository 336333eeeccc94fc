'use strict';

// Writing back what Redis lost. After each complete load, the mirror's sessions that the load did
// not mark, and its users whose latest logout the load did not read, are live revocations this
// process holds and Redis no longer does: `onError` is told, and they are appended again, so that
// processes started since learn them too. Every process that held them finds the same loss, so
// one at a time writes back, under a lock in Redis: each first reads what those before it wrote
// (which marks it), and writes only what is still missing. So each lost revocation is written
// back once, whatever number of processes held it.

const { codedError } = require('../errors.cjs');
const { RevocationSet } = require('./revocation-set.cjs');
const { backoff } = require('./retry.cjs');
const { RELEASE_LOCK, RENEW_LOCK } = require('./scripts.cjs');
const { slicer } = require('./slices.cjs');
const { newTag } = require('./stream-entry.cjs');
const { MAX_BATCH } = require('./write-queue.cjs');

/** How long the lock lasts unless renewed: a process that dies holding it holds up the others this long. */
const LOCK_TTL = 15_000;
/** How often a process waiting for the lock tries again, on average. */
const LOCK_POLL = 250;

/**
 * @param {{ command: (args: string[], key: string) => Promise<any>, keys: { stream: string, lock: string },
 *   mirror: import('./mirror.cjs').Mirror, queue: ReturnType<typeof import('./write-queue.cjs').writeQueue>,
 *   reader: ReturnType<typeof import('./stream-reader.cjs').streamReader>, onError: (err: Error) => void,
 *   waits: ReturnType<typeof import('./retry.cjs').pauses> }} settings
 */
function writeBack({ command, keys, mirror, queue, reader, onError, waits }) {
  let stopped = false;
  const current = (generation) => !stopped && reader.generation === generation;

  /** Marks what is queued: it reaches Redis through the queue, not through a write-back. */
  function markQueued() {
    const seen = reader.seenUsers;
    const now = Date.now();
    for (const { session, user } of queue.pending()) {
      if (session) mirror.addSession(session.id, session.until, now);
      else if (!(seen.get(user.userId) >= user.at)) seen.set(user.userId, user.at);
    }
  }

  /** The users the mirror holds live whose latest logout the last load did not read. */
  function lostUsers(now) {
    const seen = reader.seenUsers;
    return [...mirror.users]
      .filter(([userId, { at, until }]) => until > now && !(seen.get(userId) >= at))
      .map(([userId, { at, until }]) => ({ userId, at, until }));
  }

  /**
   * Calls `each(sessions)` with the lost sessions, at most MAX_BATCH at a time, a segment of the
   * mirror after another; stops early when `each` returns false.
   */
  async function eachLostBatch(each) {
    const slice = slicer();
    let batch = [];
    for (let s = 0; s < RevocationSet.SEGMENTS; s++) {
      for (const session of mirror.sessions.unmarked(Date.now(), s)) {
        batch.push(session);
        if (batch.length === MAX_BATCH) {
          if ((await each(batch)) === false) return;
          batch = [];
        }
      }
      const pause = slice();
      if (pause) await pause;
    }
    if (batch.length > 0) await each(batch);
  }

  /** Resolves once the reader has read every entry in Redis now (which marks what it holds). */
  async function catchUp() {
    const [newest] = await command(['XREVRANGE', keys.stream, '+', '-', 'COUNT', '1'], keys.stream);
    if (newest) await reader.caughtUp(newest[0]);
  }

  /** How many revocations the mirror holds that Redis does not, as far as the reader has read. */
  async function countLost() {
    markQueued();
    let sessions = 0;
    await eachLostBatch((batch) => {
      sessions += batch.length;
    });
    return sessions + lostUsers(Date.now()).length;
  }

  /** Renews the lock if this process still holds it (`token`): 1 when it does. */
  const renew = (token) => command(['EVAL', RENEW_LOCK, '1', keys.lock, token, String(LOCK_TTL)], keys.lock);

  /** Under the lock: once the reader has read all that is in Redis, appends what is still lost. */
  async function writeLost(generation, token) {
    await catchUp();
    if (!current(generation)) return true;
    markQueued();
    let holding = true;
    // One batch at a time, each stored before the next: a queue of millions would cost memory.
    // A refused write is reported by the queue, and the others go on.
    const store = (entry) => queue.store(entry).catch(() => {});
    await eachLostBatch(async (sessions) => {
      holding = current(generation) && (await renew(token)) === 1;
      if (holding) await store({ sessions, users: [] });
      return holding;
    });
    const users = lostUsers(Date.now());
    if (holding && users.length > 0) await store({ sessions: [], users });
    return holding;
  }

  /** Writes back what load `generation` found lost, one process at a time. */
  async function repair(generation) {
    const token = newTag() + newTag();
    for (let attempt = 0; current(generation); ) {
      try {
        const got = await command(['SET', keys.lock, token, 'NX', 'PX', String(LOCK_TTL)], keys.lock);
        if (got !== 'OK') {
          await waits.pause(LOCK_POLL * (0.5 + Math.random()));
          continue;
        }
        try {
          if (await writeLost(generation, token)) return;
        } finally {
          await command(['EVAL', RELEASE_LOCK, '1', keys.lock, token], keys.lock).catch(() => {});
        }
      } catch (err) {
        if (!current(generation)) return;
        onError(err);
        await waits.pause(backoff(attempt++));
      }
    }
  }

  return {
    /** Called after each complete load (number `generation`): reports and writes back what Redis lost. */
    async loaded(generation) {
      for (let attempt = 0; current(generation); ) {
        try {
          // What was written while the load ran (this process's own queue included) is read first.
          await catchUp();
          const lost = await countLost();
          if (lost === 0 || !current(generation)) return;
          onError(
            codedError(
              Error,
              'ERR_REVOCATIONS_LOST',
              `Redis lost ${lost} live revocation${lost === 1 ? '' : 's'} this process holds (restarted empty or from an older snapshot, flushed, evicted, or failed over): writing them back`,
            ),
          );
          await repair(generation);
          return;
        } catch (err) {
          if (!current(generation)) return;
          onError(err);
          await waits.pause(backoff(attempt++));
        }
      }
    },
    close() {
      stopped = true;
    },
  };
}

module.exports = { writeBack };
