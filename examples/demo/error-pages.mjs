// Every error a request meets becomes a page a person can read, with the right status: never a
// stack trace, and never the text of an error that was not written for them.

import { failure, tooLarge, unavailable } from './pages.mjs';
import { reported } from './session-reports.mjs';
import { STORE_UNAVAILABLE } from './stores.mjs';

/** How long to suggest waiting before trying again while the store is down, in seconds. */
const RETRY_AFTER_S = 5;

/**
 * Koa middleware turning what its downstream throws into a page: a session too large to save
 * (`ERR_SESSION_TOO_LARGE`, from koa-sodium-session) into 413, with the sizes `session:too-large`
 * reported; a session store that does not answer into 503 (the store logs the outage); an error
 * with a client error status (the body parser's, for a body it cannot read) into that status;
 * anything else into 500, emitted on the app as `error` for the server's log. The headers the
 * failed request had set go, as Koa's own error handling does: the browser keeps the session
 * cookie it had, since nothing new was saved.
 */
export function errorPages() {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      for (const name of Object.keys(ctx.response.headers)) ctx.remove(name);
      if (err.code === 'ERR_SESSION_TOO_LARGE') {
        await reported();
        ctx.status = 413;
        ctx.body = tooLarge(ctx.state.tooLarge);
      } else if (err.code === STORE_UNAVAILABLE) {
        ctx.status = 503;
        ctx.set('Retry-After', String(RETRY_AFTER_S));
        ctx.body = unavailable();
      } else if (err.status >= 400 && err.status < 500) {
        ctx.status = err.status;
        ctx.body = failure(ctx.message, 'The server could not accept this request as it was sent.');
      } else {
        ctx.status = 500;
        ctx.body = failure('Something went wrong', 'The server failed to answer this request. Please try again.');
        ctx.app.emit('error', err, ctx);
      }
    }
  };
}
