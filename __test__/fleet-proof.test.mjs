// The fleet proof, short: four processes sharing revocations through a real Redis, behind a front
// that picks one at random, serve 200 simulated users while a rolling deploy takes them from
// koa-encrypted-session to this package, to the compact format and through a key rotation. No
// one is signed out but for the documented exception, no revoked cookie is accepted after the
// propagation window but where koa-encrypted-session is involved, and no request fails.
// `npm run fleet` runs the full version (benches/fleet.mjs).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mustBeZero } from '../benches/fleet/tally.mjs';
import { fleetReport, runFleet } from '../benches/fleet.mjs';
import { notInstalled } from './helpers.mjs';
import { redisInstalled } from './servers.mjs';

describe('fleet proof (short)', { skip: !redisInstalled() && notInstalled('redis-server') }, () => {
  it('a rolling deploy under load signs out, lets in and fails only what it must', async () => {
    const result = await runFleet({ users: 200, seconds: 12 });
    const { counts } = result;
    const zeros = Object.fromEntries(Object.keys(mustBeZero(counts)).map((name) => [name, 0]));
    assert.deepEqual(mustBeZero(counts), zeros, fleetReport(result));
    // Every sleeper comes back with a cookie sealed only with the dropped key: signed out, as documented.
    assert.ok(counts.signedOut.droppedKey >= result.users.sleepers, 'each sleeper is signed out by the dropped key');
    assert.ok(counts.replays.refusedAsRevoked > 0, 'replayed copies are refused by the revocation');
    assert.equal(counts.byPhase.filter((n) => n > 0).length, result.phases.length, 'every phase served requests');
  });
});
