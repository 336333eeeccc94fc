'use strict';

// Waiting between retries: a backoff, and pauses that a reconnect or close() can end early.

/** Retry delays: 50 ms doubling to 2 s, with a quarter of jitter so a fleet does not retry in step. */
const backoff = (attempt) => Math.min(2000, 50 * 2 ** attempt) * (0.75 + Math.random() / 4);

/** Timers that wait between retries, all of which `wakeAll` ends early. */
function pauses() {
  const waiting = new Set();
  return {
    /** Resolves after `ms`, or sooner on `wakeAll`. */
    pause(ms) {
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiting.delete(done);
          resolve();
        };
        const timer = setTimeout(done, ms).unref(); // retries alone keep no process alive
        waiting.add(done);
      });
    },
    wakeAll() {
      for (const done of [...waiting]) done();
    },
  };
}

module.exports = { backoff, pauses };
