// Keyrings made and dropped by the hundred thousand (an app that builds middleware or codecs in
// a loop) stay within bounded memory and memory mappings: key material shares guarded chunks
// instead of taking a guarded allocation (four mappings) per key.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./keyring-churn-worker.mjs', import.meta.url));
const MB = 1024 * 1024;

/** Runs the worker; its measurements. */
function churn(count, rounds, mode = 'yield') {
  const args = ['--expose-gc', WORKER, String(count), String(rounds), mode];
  return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' }));
}

const mb = (bytes) => `${(bytes / MB).toFixed(1)} MB`;

describe('keyring churn', () => {
  it('100 000 keyrings made and dropped, five times: no error, no new RSS high once warm, guard pages bounded', (t) => {
    const { start, rounds, peakGuard } = churn(100_000, 5);
    t.diagnostic(
      `RSS ${mb(start.rss)} → ${rounds.map((r) => mb(r.rss)).join(' → ')}; guard pages ${start.guard}, peak ${peakGuard}`,
    );
    // The first round grows the JS heap to its working size, and the heap then moves up and down
    // by tens of MB (more under Deno): what must not happen is a new high round after round.
    const last = rounds.at(-1);
    const before = Math.max(...rounds.slice(1, -1).map((r) => r.rss));
    assert.ok(last.rss - before < 16 * MB, `RSS reached ${mb(last.rss)}, ${mb(last.rss - before)} over rounds 2 to 4`);
    // Garbage collection frees dropped keyrings late: tens of thousands may be alive at a time.
    // A guarded allocation per key would have needed two guard pages each.
    assert.ok(peakGuard - start.guard < 400, `${peakGuard - start.guard} more guard pages at the peak`);
    assert.ok(last.guard - start.guard < 8, `${last.guard - start.guard} guard pages left behind`);
  });

  it('100 000 keyrings made without yielding (nothing freed meanwhile): no error, guard pages in the hundreds', (t) => {
    const { start, rounds, peakGuard } = churn(100_000, 1, 'sync');
    t.diagnostic(`guard pages ${start.guard}, peak ${peakGuard}, after ${rounds[0].guard}`);
    // A guarded allocation per key would need 300 000 here, past the default vm.max_map_count.
    assert.ok(peakGuard - start.guard < 1000, `${peakGuard - start.guard} more guard pages at the peak`);
    assert.ok(rounds[0].guard - start.guard < 8, `${rounds[0].guard - start.guard} guard pages left behind`);
  });
});
