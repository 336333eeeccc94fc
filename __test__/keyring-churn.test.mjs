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
  it('100 000 keyrings made and dropped, four times: no error, RSS flat once warm, guard pages bounded', (t) => {
    const { start, rounds, peakGuard } = churn(100_000, 4);
    t.diagnostic(
      `RSS ${mb(start.rss)} → ${rounds.map((r) => mb(r.rss)).join(' → ')}; guard pages ${start.guard}, peak ${peakGuard}`,
    );
    // The first rounds grow the JS heap to its working size (more on newer V8s); then it is flat.
    const [, , third, fourth] = rounds;
    assert.ok(fourth.rss - third.rss < 16 * MB, `RSS grew ${mb(fourth.rss - third.rss)} in the fourth round`);
    // Garbage collection frees dropped keyrings late: tens of thousands may be alive at a time.
    // A guarded allocation per key would have needed two guard pages each.
    assert.ok(peakGuard - start.guard < 400, `${peakGuard - start.guard} more guard pages at the peak`);
    assert.ok(fourth.guard - start.guard < 8, `${fourth.guard - start.guard} guard pages left behind`);
  });

  it('100 000 keyrings made without yielding (nothing freed meanwhile): no error, guard pages in the hundreds', (t) => {
    const { start, rounds, peakGuard } = churn(100_000, 1, 'sync');
    t.diagnostic(`guard pages ${start.guard}, peak ${peakGuard}, after ${rounds[0].guard}`);
    // A guarded allocation per key would need 300 000 here, past the default vm.max_map_count.
    assert.ok(peakGuard - start.guard < 1000, `${peakGuard - start.guard} more guard pages at the peak`);
    assert.ok(rounds[0].guard - start.guard < 8, `${rounds[0].guard - start.guard} guard pages left behind`);
  });
});
