// What koa-sodium-session and koa-session report about a request's session (a refused cookie, a
// session too large to save), kept on that request's `ctx.state` so that its page can say it, and
// how the demo words a refusal for a person. Both packages emit these events on the app on the
// next turn (setImmediate), after the code that loaded or saved the session has moved on: a page
// that shows one waits for that turn first (`reported()`).

/**
 * Records on `ctx.state` of the request concerned: `refusedBecause`, why the session the request
 * carried was not accepted (the package's `session:rejected` reason, or koa-session's `expired`,
 * or `missed` when a store no longer holds the session), the first reason only (with a store, a
 * refused value also reads as missed, after); and `tooLarge`, the `{ size, limit }` of a save
 * refused as too large.
 * @param {import('koa')} app
 */
export function recordSessionReports(app) {
  const refused = (ctx, reason) => {
    ctx.state.refusedBecause ??= reason;
  };
  app.on('session:rejected', ({ ctx, reason }) => refused(ctx, reason));
  app.on('session:expired', ({ ctx }) => refused(ctx, 'expired'));
  app.on('session:missed', ({ ctx }) => refused(ctx, 'missed'));
  app.on('session:too-large', ({ ctx, size, limit }) => {
    ctx.state.tooLarge = { size, limit };
  });
}

/** Resolves once the events of what this request did so far are recorded: after one turn. */
export const reported = () => new Promise(setImmediate);

/** Said while the server cannot yet tell a valid session from a revoked one, or has no key yet. */
const CHECK_LATER = 'The server could not check your session just now. Please try again in a moment.';
/** What a person is told for each refusal reason; the other reasons say the cookie did not open. */
const SIGNED_OUT_BECAUSE = {
  revoked: 'This session was signed out, in this browser or with “Sign out everywhere”, so its cookie no longer works.',
  missed: 'This session has ended: it was signed out, or it expired.',
  expired: 'Your session expired.',
  lifetime: 'A session ends a set time after sign-in, however active it is, and yours reached it.',
  'revocations-loading': CHECK_LATER,
  'key-pending': CHECK_LATER,
};
/** Said of a cookie that did not open: altered in transit or by hand, or sealed with another key. */
const ALTERED = 'Your session cookie was altered or was not made by this server, so it was discarded.';

/**
 * The sentence telling a person why they were signed out, for a refusal `reason`. Never shows
 * the cookie or anything from it.
 * @param {string} reason
 */
export const signedOutMessage = (reason) => SIGNED_OUT_BECAUSE[reason] ?? ALTERED;
