// The fleet proof's simulated users, each with its own cookie jar (the session cookie), one
// request at a time:
// - active (most): sign in, browse a few pages, sometimes sign out and, once the revocation has
//   reached Redis and the propagation window has passed, replay a copy of their cookie taken
//   before the logout; again and again;
// - steady (1 in 10): sign in once and browse now and then, never signing out, through the whole
//   deploy;
// - sleepers (1 in 20): sign in at the start and come back only once the deploy is over, with a
//   cookie sealed with the key the last phase drops.

import { nodeOf } from './phases.mjs';

/** How long a logout's revocation may take to reach Redis before it counts as never published. */
const PUBLISH_TIMEOUT = 10_000;

/** Resolves after `ms`, or at once when `run` stops. */
function pause(run, ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      run.waiting.delete(done);
      resolve();
    }
    run.waiting.add(done);
  });
}

/** A random whole number from `min` to `max`. */
const between = (min, max) => min + Math.floor(Math.random() * (max - min + 1));

class User {
  /** @type {string | undefined} the session cookie's value */
  cookie = undefined;
  signedIn = false;
  views = 0;
  /** @type {string[]} every cookie held since signing in */
  copies = [];

  constructor(id, front, tally) {
    this.id = id;
    this.front = front;
    this.tally = tally;
  }

  /** Sends a request with the jar's cookie (or `cookie`); the answer, or undefined when it failed. */
  async send(path, { method, json, cookie = this.cookie } = {}) {
    const answer = await this.front.request(path, { method, json, cookie });
    return this.tally.answered(answer, path) ? answer : undefined;
  }

  /** Keeps the cookie an answer set (an empty value clears it). */
  keep(answer) {
    if (answer.cookie !== undefined) this.cookie = answer.cookie || undefined;
  }

  async login() {
    const answer = await this.send('/login', { method: 'POST', json: { user: this.id } });
    if (!answer) return;
    this.keep(answer);
    this.signedIn = this.tally.login(answer, this.id);
    this.views = 0;
    this.copies = [this.cookie];
  }

  async page() {
    const sent = this.cookie;
    const answer = await this.send('/page');
    if (!answer) return;
    this.keep(answer);
    if (!this.signedIn) return;
    this.signedIn = this.tally.page(answer, { user: this.id, views: this.views + 1, cookie: sent });
    if (!this.signedIn) return;
    this.views++;
    this.copies.push(this.cookie);
  }

  /**
   * Signs out, waits out the propagation window after the revocation reached Redis, and replays
   * a cookie from before the logout.
   */
  async logoutAndReplay(run) {
    const [sent, copies] = [this.cookie, this.copies];
    const logout = await this.send('/logout', { method: 'POST' });
    this.signedIn = false;
    if (!logout) return;
    this.keep(logout);
    if (!this.tally.logout(logout, { user: this.id, cookie: sent })) return; // nothing was ended there
    const answered = performance.now();
    if (nodeOf(logout.node).kind === 'ours') {
      // The window counts from when the revocation reached Redis too: the answer does not wait for it.
      const at = await run.watch.published(logout.body.sessionId, PUBLISH_TIMEOUT);
      this.tally.published(logout, at === undefined ? undefined : at - answered);
    }
    await new Promise((resolve) => setTimeout(resolve, run.window + between(0, 50)));
    const cookie = copies[between(0, copies.length - 1)];
    const answer = await this.send('/page', { cookie });
    if (answer) this.tally.replay(answer, { user: this.id, logout, cookie });
  }
}

/** An active user's loop. */
async function active(user, run) {
  while (run.running) {
    if (!user.signedIn) await user.login();
    for (let pages = between(1, 4); pages > 0 && user.signedIn && run.running; pages--) {
      await pause(run, between(50, 400));
      await user.page();
    }
    if (user.signedIn && run.running && Math.random() < 0.35) await user.logoutAndReplay(run);
    await pause(run, between(50, 400));
  }
}

/** A steady user's loop: signed in throughout, browsing every second or three. */
async function steady(user, run) {
  while (run.running) {
    if (!user.signedIn) await user.login();
    await pause(run, between(1000, 3000));
    if (run.running) await user.page();
  }
}

/** A sleeper: signs in, and browses once the deploy is over. */
async function sleeper(user, run) {
  await user.login();
  await Promise.race([run.deployed, run.stopped]);
  if (run.running) await user.page();
}

/**
 * Starts `count` users (1 in 20 a sleeper, 1 in 10 steady, the rest active), each after a random
 * delay of up to `rampMs`; returns the `mix` of kinds and `stop()`, which lets each finish what
 * it is doing.
 * @param {{ count: number, front: ReturnType<typeof import('./front.mjs').createFront>, tally: ReturnType<typeof import('./tally.mjs').createTally>, watch: Awaited<ReturnType<typeof import('./watch.mjs').watchRevocations>>, window: number, deployed: Promise<void>, rampMs: number }} options
 */
export function startUsers({ count, front, tally, watch, window, deployed, rampMs }) {
  let stopped;
  const run = {
    running: true,
    waiting: new Set(),
    watch,
    window,
    deployed,
    stopped: new Promise((r) => (stopped = r)),
  };
  const behaviours = Array.from({ length: count }, (_, i) => (i % 20 === 0 ? sleeper : i % 10 === 1 ? steady : active));
  const loops = behaviours.map(async (behaviour, i) => {
    const user = new User(`user-${i}`, front, tally);
    await pause(run, between(0, rampMs));
    if (run.running) await behaviour(user, run);
  });
  const howMany = (behaviour) => behaviours.filter((b) => b === behaviour).length;
  return {
    /** How many users of each kind. */
    mix: { active: howMany(active), steady: howMany(steady), sleepers: howMany(sleeper) },
    async stop() {
      run.running = false;
      stopped();
      for (const wake of [...run.waiting]) wake();
      await Promise.all(loops);
    },
  };
}
