'use strict';

// What browsers hold the session cookie to: the size of a cookie with everything Koa's cookies
// module writes around its value, and the rules of the `__Host-` and `__Secure-` name prefixes.

const { codedError } = require('../errors.cjs');

/** An `expires` attribute as the cookies module writes it (`toUTCString()` is always this long). */
const EXPIRES = 'expires=Thu, 01 Jan 1970 00:00:00 GMT';

/**
 * Bytes the cookie's name, `=` and attributes add to its value when set with `options` (koa-session's
 * per-request cookie options), in the cookies module's order: path, expires, domain, priority,
 * samesite, secure (counted always: Koa adds it on HTTPS), httponly, partitioned.
 * @param {string} name
 * @param {Record<string, unknown>} options
 */
function cookieOverhead(name, options) {
  const attributes = [
    `path=${options.path ?? '/'}`,
    typeof options.maxAge === 'number' || options.expires ? EXPIRES : '',
    options.domain ? `domain=${options.domain}` : '',
    options.priority ? `priority=${String(options.priority).toLowerCase()}` : '',
    options.sameSite ? `samesite=${options.sameSite === true ? 'strict' : String(options.sameSite).toLowerCase()}` : '',
    'secure',
    options.httpOnly === false ? '' : 'httponly',
    options.partitioned ? 'partitioned' : '',
  ];
  let bytes = Buffer.byteLength(name) + 1;
  for (const attribute of attributes) if (attribute) bytes += 2 + attribute.length;
  return bytes;
}

/**
 * The check every cookie value goes through before it is set: past `limit` bytes with its name
 * and attributes, `session:too-large` is emitted on the app and `ERR_SESSION_TOO_LARGE` thrown,
 * so the browser keeps the cookie it had instead of dropping the new one silently.
 * @param {string} name the cookie's name
 * @param {number} limit
 * @param {import('koa')} app
 */
function sizeGuard(name, limit, app) {
  return (value, options, ctx) => {
    const size = cookieOverhead(name, options) + value.length;
    if (size <= limit) return;
    setImmediate(() => app.emit('session:too-large', { ctx, size, limit }));
    throw codedError(
      Error,
      'ERR_SESSION_TOO_LARGE',
      `session cookie would be ${size} bytes with its name and attributes, over the ${limit}-byte limit (maxCookieBytes) past which browsers drop it silently; keep less in the session, or keep it in a store (encryptedStore)`,
    );
  };
}

/**
 * Refuses a cookie name whose prefix browsers enforce, set in a way that makes them drop it
 * silently: `__Host-` needs `secure: true`, `path: '/'` and no `domain`; `__Secure-` needs
 * `secure: true`. Browsers match the prefixes in any case.
 * @param {string} name
 * @param {Record<string, unknown>} options koa-session's cookie options
 */
function checkCookieName(name, options) {
  const lower = name.toLowerCase();
  const host = lower.startsWith('__host-');
  if (!host && !lower.startsWith('__secure-')) return;
  const wrong = [
    options.secure !== true && `secure: true (got ${String(options.secure)})`,
    host && (options.path ?? '/') !== '/' && `path: '/' (got '${options.path}')`,
    host && options.domain && `no domain (got '${options.domain}')`,
  ].filter(Boolean);
  if (wrong.length === 0) return;
  throw codedError(
    TypeError,
    'ERR_OPTION_VALUE',
    `a cookie named ${name} needs ${wrong.join(', ')}: browsers drop a ${host ? '__Host-' : '__Secure-'} cookie set otherwise`,
  );
}

module.exports = { sizeGuard, checkCookieName };
