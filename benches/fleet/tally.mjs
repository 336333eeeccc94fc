// What each answer of the fleet proof means, counted by category. An answer lands in an expected
// category only when the facts the driver checks itself (who answered, which key sealed the
// cookie, whether the cookie carries metadata) put it there; anything else is a failure.
import { dropped, nodeOf } from './phases.mjs';

/** Examples kept per category, for the report and for debugging. */
const EXAMPLES = 5;

/**
 * @param {{ phases: import('./phases.mjs').Phase[], inspector: ReturnType<typeof import('./cookies.mjs').cookieInspector> }} options
 */
export function createTally({ phases, inspector }) {
  const counts = {
    requests: 0,
    byPhase: phases.map(() => 0),
    logins: 0,
    pages: 0,
    logouts: 0,
    /** ms from each logout's answer to Redis publishing its revocation (upgraded processes only). */
    publishDelays: [],
    unpublished: 0,
    signedOut: { wrongly: 0, droppedKey: 0 },
    wrongSession: 0,
    replays: {
      sent: 0,
      refused: 0,
      refusedAsRevoked: 0,
      acceptedRevoked: 0,
      logoutByKes: 0,
      answeredByKes: 0,
      olderKesCookie: 0,
    },
    errors: { failed: 0, status5xx: 0, otherStatus: 0, app: 0 },
  };
  /** @type {Record<string, object[]>} */
  const examples = {};
  const note = (category, detail) => {
    examples[category] ??= [];
    if (examples[category].length < EXAMPLES) examples[category].push(detail);
  };

  /**
   * A signed-in user found signed out: expected only when the cookie opens with no key of the
   * answering process because that key was dropped (K1 in the last phase).
   */
  function signedOut(answer, cookie) {
    const sealed = inspector.sealedWith(cookie);
    if (sealed && dropped(phases, nodeOf(answer.node).index, sealed)) {
      counts.signedOut.droppedKey++;
    } else {
      counts.signedOut.wrongly++;
      note('signedOut.wrongly', { node: answer.node, sealedWith: sealed ?? 'no key', path: answer.path });
    }
  }

  return {
    counts,
    examples,

    /**
     * Counts an answer; true when it is usable (JSON with status 200), else counts the error.
     * @param {import('./front.mjs').Answer} answer
     * @param {string} path
     */
    answered(answer, path) {
      counts.requests++;
      if (answer.node) counts.byPhase[nodeOf(answer.node).index]++;
      if (answer.error) {
        counts.errors.failed++;
        note('errors.failed', { path, error: answer.error, node: answer.node });
      } else if (answer.status >= 500) {
        counts.errors.status5xx++;
        note('errors.status5xx', { path, status: answer.status, node: answer.node });
      } else if (answer.status !== 200) {
        counts.errors.otherStatus++;
        note('errors.otherStatus', { path, status: answer.status, node: answer.node });
      }
      return !answer.error && answer.status === 200;
    },

    /** A sign-in: true when it signed `user` in. */
    login(answer, user) {
      counts.logins++;
      if (answer.body.user === user && answer.body.views === 0) return true;
      counts.wrongSession++;
      note('wrongSession', { node: answer.node, expected: { user, views: 0 }, got: answer.body });
      return false;
    },

    /**
     * A page a signed-in user browsed with `cookie`: true when the session was theirs, with the
     * view count it should have (`views`).
     */
    page(answer, { user, views, cookie }) {
      counts.pages++;
      const { body } = answer;
      if (body.user === user && body.views === views) return true;
      if (body.user === null) signedOut({ ...answer, path: '/page' }, cookie);
      else {
        counts.wrongSession++;
        note('wrongSession', { node: answer.node, expected: { user, views }, got: body });
      }
      return false;
    },

    /** A sign-out: true when the answering process ended `user`'s session (else it was already over there). */
    logout(answer, { user, cookie }) {
      counts.logouts++;
      if (answer.body.user === user) return true;
      if (answer.body.user === null) signedOut({ ...answer, path: '/logout' }, cookie);
      else {
        counts.wrongSession++;
        note('wrongSession', { node: answer.node, expected: { user }, got: answer.body });
      }
      return false;
    },

    /**
     * How long after the logout's answer its revocation was published (ms; negative when before),
     * or undefined when it was not published in time.
     */
    published(logout, delay) {
      if (delay !== undefined) counts.publishDelays.push(delay);
      else {
        counts.unpublished++;
        note('unpublished', { node: logout.node, sessionId: logout.body.sessionId });
      }
    },

    /**
     * A copy of `user`'s cookie taken before a logout (`logout`, the answer that ended the
     * session), sent again after the propagation window. Accepted, it is expected only when
     * koa-encrypted-session ended the session (it revokes nothing) or answered the replay (it
     * checks no revocations), or when the copy is a cookie koa-encrypted-session sealed from
     * scratch, whose id (derived from its nonce) is not the id of the session that ended.
     */
    replay(answer, { user, logout, cookie }) {
      const { replays } = counts;
      replays.sent++;
      const { body } = answer;
      if (body.user === null) {
        replays.refused++;
        // Refused by a process that holds the key that sealed the copy: by the revocation.
        if (phases[nodeOf(answer.node).index].keys.includes(inspector.sealedWith(cookie))) replays.refusedAsRevoked++;
      } else if (body.user !== user) {
        counts.wrongSession++;
        note('wrongSession', { node: answer.node, expected: { user }, got: body, replay: true });
      } else if (nodeOf(logout.node).kind === 'kes') {
        replays.logoutByKes++;
      } else if (nodeOf(answer.node).kind === 'kes') {
        replays.answeredByKes++;
      } else if (body.sessionId !== logout.body.sessionId && !inspector.hasMetadata(cookie)) {
        replays.olderKesCookie++;
      } else {
        replays.acceptedRevoked++;
        note('replays.acceptedRevoked', {
          logoutNode: logout.node,
          replayNode: answer.node,
          revoked: logout.body.sessionId,
          accepted: body.sessionId,
          sealedWith: inspector.sealedWith(cookie),
          metadata: inspector.hasMetadata(cookie),
        });
      }
    },

    /** The errors a stopped process's app emitted (their codes). */
    appErrors(node, codes) {
      counts.errors.app += codes.length;
      for (const code of codes) note('errors.app', { node, code });
    },
  };
}

/** The counts that must be 0, by name. */
export function mustBeZero(counts) {
  return {
    'signed out who should not have been': counts.signedOut.wrongly,
    'another session, or lost session data': counts.wrongSession,
    'revoked cookies accepted after the window': counts.replays.acceptedRevoked,
    'revocations never published': counts.unpublished,
    'network errors and non-JSON answers': counts.errors.failed,
    '5xx answers': counts.errors.status5xx,
    'other non-200 answers': counts.errors.otherStatus,
    'errors the apps emitted': counts.errors.app,
  };
}
