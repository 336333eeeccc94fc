// `npm run fleet`: the fleet proof. Four app processes on loopback behind a front that picks one at
// random per request, sharing revocations through a real Redis, serve a population of simulated
// users who sign in, browse, sign out and replay old cookies, while a rolling deploy replaces the
// processes one at a time through every phase of benches/fleet/phases.mjs. Counts what each
// answer means (benches/fleet/tally.mjs) and records the result in BENCHMARKS.md.
//   node benches/fleet.mjs [--users 1000] [--seconds 60] [--window 200] [--direct-rotation]
//   node benches/fleet.mjs --faults [--users 120] [--fault <part of a fault's name>]
// Fails (exit 1) when a count that must be 0 is not. `--direct-rotation` leaves out the phase that
// makes the new key known before it seals, to show what that phase prevents. `--faults` runs the
// fault matrix instead (benches/fleet/faults.mjs): revocations through every Redis fault, each on a
// fresh server; the whole matrix is recorded in BENCHMARKS.md, a single `--fault` only printed.
import { parseArgs } from 'node:util';
import { startRedis } from '../__test__/servers.mjs';
import { generateKey } from '../index.mjs';
import { startNode } from './fleet/app.mjs';
import { cookieInspector } from './fleet/cookies.mjs';
import { FAULTS_TITLE, failures, faultReport, runFaults } from './fleet/faults.mjs';
import { createFront } from './fleet/front.mjs';
import { COOKIE, PHASES } from './fleet/phases.mjs';
import { createTally, mustBeZero } from './fleet/tally.mjs';
import { startUsers } from './fleet/users.mjs';
import { watchRevocations } from './fleet/watch.mjs';
import { quantile } from './median.mjs';
import { recordSection } from './report.mjs';

export const FLEET_TITLE = 'Fleet proof';
const FLEET_SIZE = 4;
/** Requests in flight at once, across the fleet: modest, for a 2-core machine. */
const CONCURRENCY = 24;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs the fleet proof: `users` users through a rolling deploy of about `seconds` (each step
 * lasts its share of them, or as long as a new process takes to start, if longer), replays sent
 * `window` ms or more after each logout's answer and after its revocation reached Redis.
 * Returns the counts and what ran.
 * @param {{ users?: number, seconds?: number, window?: number, phases?: import('./fleet/phases.mjs').Phase[] }} [options]
 */
export async function runFleet({ users = 1000, seconds = 60, window = 200, phases = PHASES } = {}) {
  const redis = await startRedis();
  if (!redis) throw new Error('the fleet proof needs redis-server, which is not installed');
  const watch = await watchRevocations(redis.url);
  const keys = { K1: generateKey().toString('base64'), K2: generateKey().toString('base64') };
  const tally = createTally({ phases, inspector: cookieInspector(keys) });
  const front = createFront({ cookieName: COOKIE, concurrency: CONCURRENCY });
  /** Every process started and not yet stopped, so that none outlives a failure. */
  const running = new Set();
  const start = async (index) => {
    const node = await startNode({ index, phase: phases[index], keys, redisUrl: redis.url });
    running.add(node);
    return node;
  };
  const stop = async (node) => {
    tally.appErrors(node.label, (await node.stop()).errors);
    running.delete(node);
  };
  // The first phase, each replacement, and the last phase fully deployed, for as long each.
  const dwell = (seconds * 1000) / (FLEET_SIZE * (phases.length - 1) + 2);
  const began = performance.now();
  let population;
  try {
    const fleet = await Promise.all(Array.from({ length: FLEET_SIZE }, () => start(0)));
    for (const node of fleet) front.add(node);
    let deployed;
    const done = new Promise((resolve) => {
      deployed = resolve;
    });
    population = startUsers({ count: users, front, tally, watch, window, deployed: done, rampMs: dwell });
    for (let index = 1; index < phases.length; index++) {
      for (let slot = 0; slot < FLEET_SIZE; slot++) {
        const next = start(index); // starts while the fleet serves on
        next.catch(() => {}); // awaited below
        await sleep(dwell);
        const old = fleet[slot];
        fleet[slot] = await next;
        front.add(fleet[slot]);
        await front.remove(old); // resolves once its requests in flight have finished
        await stop(old);
      }
    }
    deployed();
    await sleep(dwell);
    await population.stop();
    for (const node of fleet) await stop(node);
  } finally {
    await population?.stop();
    front.close();
    watch.close();
    for (const node of running) node.kill();
    redis.stop();
  }
  return {
    users: population.mix,
    seconds: (performance.now() - began) / 1000,
    window,
    phases,
    counts: tally.counts,
    examples: tally.examples,
  };
}

/** p50 / p99 / max of `ms`. */
const delays = (ms) => `${[0.5, 0.99, 1].map((q) => quantile(ms, q).toFixed(1)).join(' / ')} ms`;

/** The result as the markdown section BENCHMARKS.md holds. */
export function fleetReport({ users, seconds, window, phases, counts, examples }) {
  const { replays, signedOut, errors } = counts;
  const total = users.active + users.steady + users.sleepers;
  const zero = mustBeZero(counts);
  const row = (what, count, must = '') => `| ${what} | ${count.toLocaleString('en')} | ${must} |`;
  const lines = [
    `${total.toLocaleString('en')} users (${users.active} active, ${users.steady} steady, ${users.sleepers} sleepers), ${counts.requests.toLocaleString('en')} requests in ${seconds.toFixed(1)} s (${Math.round(counts.requests / seconds)} req/s), ${FLEET_SIZE} processes replaced one at a time through ${phases.length} phases, revocations through Redis on loopback, replays sent ${window} ms (the propagation window) or more after each logout's answer and after its revocation reached Redis, at most ${CONCURRENCY} requests in flight.`,
    '',
    '| phase | processes serve | requests answered |',
    '| --- | --- | --- |',
    ...phases.map((phase, i) => `| ${i} | ${phase.name} | ${counts.byPhase[i].toLocaleString('en')} |`),
    '',
    '| what happened | count | must be |',
    '| --- | --- | --- |',
    row('sign-ins', counts.logins),
    row('pages browsed signed in', counts.pages),
    row('sign-outs', counts.logouts),
    `| sign-outs by upgraded processes: their revocation reached Redis, counted from the answer (negative: before the driver had it), p50 / p99 / max | ${delays(counts.publishDelays)} | |`,
    row('**revocations never published (within 10 s)**', counts.unpublished, '0'),
    row('**signed out who should not have been**', signedOut.wrongly, '0'),
    row('signed out, cookie sealed only with the dropped key K1 (expected)', signedOut.droppedKey),
    row('**another session, or session data lost**', counts.wrongSession, '0'),
    row('replays of a pre-logout cookie after the window', replays.sent),
    row('&nbsp;&nbsp;refused', replays.refused),
    row('&nbsp;&nbsp;&nbsp;&nbsp;of which by a process holding the key that sealed the copy', replays.refusedAsRevoked),
    row('&nbsp;&nbsp;**accepted: revoked cookie accepted after the window**', replays.acceptedRevoked, '0'),
    row('&nbsp;&nbsp;accepted: the logout was served by koa-encrypted-session (expected)', replays.logoutByKes),
    row('&nbsp;&nbsp;accepted: the replay was answered by koa-encrypted-session (expected)', replays.answeredByKes),
    row(
      '&nbsp;&nbsp;accepted: an older cookie koa-encrypted-session sealed from scratch (expected)',
      replays.olderKesCookie,
    ),
    row('**network errors and non-JSON answers**', errors.failed, '0'),
    row('**5xx answers**', errors.status5xx, '0'),
    row('**other non-200 answers**', errors.otherStatus, '0'),
    row('**errors the apps emitted**', errors.app, '0'),
    '',
    `Must-be-zero counts: ${Object.values(zero).every((n) => n === 0) ? 'all 0' : `**not all 0**: ${JSON.stringify(zero)}; first cases: ${JSON.stringify(examples)}`}.`,
    '',
    phases.some((phase) => phase.staging) ? STAGING : DIRECT,
    '',
    EXPLANATION,
  ];
  return lines.join('\n');
}

const STAGING =
  'The key rotation takes three phases: K2 is first made known everywhere ([K1, K2], K1 still seals), then made the sealing key ([K2, K1]), then K1 is dropped. Going from [K1] straight to [K2, K1] (`--direct-rotation`) signs out every user whose cookie a [K2, K1] process sealed and whose next request reaches a process still on [K1]: those count as signed out who should not have been.';
const DIRECT =
  'Run with `--direct-rotation`: [K2, K1] replaces [K1] directly, without first making K2 known everywhere, so the processes still on [K1] cannot open the cookies the others seal with K2.';

const EXPLANATION = `Expected non-zero counts. **Signed out, sealed only with K1**: the last phase drops K1, so a cookie sealed with it and never re-sealed by a process holding K2 (the sleepers, who sign in at the start and come back only after the deploy, and any steady user idle through the whole [K2, K1] phase) starts a fresh session, as SECURITY.md's Rotation says; the driver counts an answer here only when the cookie sent opens with K1 and not K2 and the process that answered holds no K1. **Logout served by koa-encrypted-session**: it has no revocations, so ctx.session = null there clears the browser's cookie and nothing else; every copy keeps working everywhere until it expires. **Replay answered by koa-encrypted-session**: its processes check no revocations, so while they serve (phases 0 and 1) a revoked cookie sent to one is accepted. **An older cookie koa-encrypted-session sealed from scratch**: a legacy cookie without this package's metadata is adopted with an id derived from its nonce (docs/format.md, "Legacy format"); when a user signed in on koa-encrypted-session and browsed there before reaching an upgraded process, the logout revokes the id of the cookie that process adopted, and a copy from before that (another nonce, so another id) still opens. The driver counts a replay here only when the process that accepted it is upgraded, reports a session id other than the one the logout ended, and the copy, opened as koa-encrypted-session opens it, carries no \`$kss\` member. All three stop once no process runs koa-encrypted-session and its cookies have expired, or at once with \`acceptKoaEncryptedSession: false\`.`;

/** Runs the fault matrix, prints it, and records it when it ran whole. */
async function faultMatrix({ users, only }) {
  const rows = await runFaults({
    users,
    only,
    onRow: (row) => console.error(`${row.fault}: ${JSON.stringify(row)}`),
  });
  const report = faultReport(rows, { users });
  console.log(report);
  if (!only) await recordSection(FAULTS_TITLE, report);
  if (failures(rows).length > 0) process.exitCode = 1;
}

const isMain = process.argv[1] === new URL(import.meta.url).pathname;
if (isMain) {
  const { values } = parseArgs({
    options: {
      users: { type: 'string' },
      seconds: { type: 'string' },
      window: { type: 'string' },
      'direct-rotation': { type: 'boolean' },
      faults: { type: 'boolean' },
      fault: { type: 'string' },
    },
  });
  if (values.faults || values.fault) {
    await faultMatrix({ users: Number(values.users ?? 120), only: values.fault });
    process.exit();
  }
  const result = await runFleet({
    users: Number(values.users ?? 1000),
    seconds: Number(values.seconds ?? 60),
    window: Number(values.window ?? 200),
    phases: values['direct-rotation'] ? PHASES.filter((phase) => !phase.staging) : PHASES,
  });
  const report = fleetReport(result);
  console.log(report);
  await recordSection(FLEET_TITLE, report);
  if (Object.values(mustBeZero(result.counts)).some((n) => n !== 0)) process.exitCode = 1;
}
