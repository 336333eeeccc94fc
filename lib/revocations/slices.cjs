'use strict';

// Long loops over revocations (loading millions, pruning the mirror) run in slices: each yields
// to the event loop once it has run for SLICE_MS, so requests keep being served meanwhile.

/** How long a slice may run before it yields. */
const SLICE_MS = 4;

/**
 * A function to call inside a long loop: it resolves at once while the current slice has time
 * left, and after a turn of the event loop once it has run SLICE_MS. Call it every so many
 * iterations (reading the clock costs more than one of them).
 * @returns {() => Promise<void> | undefined}
 */
function slicer() {
  let started = performance.now();
  return () => {
    if (performance.now() - started < SLICE_MS) return undefined;
    return new Promise((resolve) =>
      setImmediate(() => {
        started = performance.now();
        resolve();
      }),
    );
  };
}

module.exports = { slicer };
