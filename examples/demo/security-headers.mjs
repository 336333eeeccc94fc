// The headers every answer of the demo carries. The pages load nothing but the demo's own
// stylesheet and icon, run no script, post forms only to the demo and may not be framed.

const POLICY = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const HEADERS = {
  'Content-Security-Policy': POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY', // frame-ancestors, for browsers that predate it
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/**
 * Koa middleware: sets the headers above on every response once it is made, and
 * `Cache-Control: no-store` unless the response set its own: the pages show the session, and no
 * cache (the browser's back button included) should keep one.
 */
export function securityHeaders() {
  return async (ctx, next) => {
    await next();
    ctx.set(HEADERS);
    if (!ctx.response.get('Cache-Control')) ctx.set('Cache-Control', 'no-store');
  };
}
