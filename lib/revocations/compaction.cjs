'use strict';

// Keeping the stream short. Every entry older than `compactAfter` is read back by a script that
// appends, packed a thousand to an entry, the revocations in it that are still live, then trims
// it: Redis holds each logout for about `compactAfter` in the entry that first stored it, and after
// that only while it is live, densely. Any process may run it (each does, every checkInterval);
// the script is atomic, so two never repack the same entries.

const { COMPACT } = require('./scripts.cjs');
const { newTag } = require('./stream-entry.cjs');
const { MAX_BATCH } = require('./write-queue.cjs');

/** Entries one script call reads at most, so that each call holds Redis briefly. */
const ENTRIES_PER_CALL = 50;
/** How long after its expiry a revocation is still kept, for clocks that differ. */
const CLOCK_MARGIN = 60_000;

/**
 * @param {{ command: (args: string[], key: string) => Promise<any>, key: string, compactAfter: number,
 *   onError: (err: Error) => void }} settings
 * @returns {() => Promise<void>} runs a compaction (not two at once)
 */
function compactor({ command, key, compactAfter, onError }) {
  let running = false;
  return async () => {
    if (running) return;
    running = true;
    try {
      for (;;) {
        const args = ['EVAL', COMPACT, '1', key, String(compactAfter), String(ENTRIES_PER_CALL)];
        args.push(String(CLOCK_MARGIN), String(MAX_BATCH), newTag().slice(0, 6));
        if (Number(await command(args, key)) < ENTRIES_PER_CALL) break;
        await new Promise(setImmediate); // let the app's own commands through between calls
      }
    } catch (err) {
      onError(err);
    } finally {
      running = false;
    }
  };
}

module.exports = { compactor };
