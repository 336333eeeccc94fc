'use strict';

// What browsers hold the session cookies to: the size of a cookie with everything Koa's cookies
// module writes around its value, how many of them and how much of the Cookie header a session
// may take, and the rules of the `__Host-` and `__Secure-` name prefixes.

const { layOut, partName } = require('../chunks.cjs');
const { codedError, sessionTooLarge } = require('../errors.cjs');

/** An `expires` attribute as the cookies module writes it (`toUTCString()` is always this long). */
const EXPIRES = 'expires=Thu, 01 Jan 1970 00:00:00 GMT';

/**
 * Bytes the attributes add to a cookie set with `options` (koa-session's per-request cookie
 * options), each after `; `, in the cookies module's order: path, expires, domain, priority,
 * samesite, secure (counted always: Koa adds it on HTTPS), httponly, partitioned.
 * @param {Record<string, unknown>} options
 */
function attributeBytes(options) {
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
  let bytes = 0;
  for (const attribute of attributes) if (attribute) bytes += 2 + attribute.length;
  return bytes;
}

/**
 * How every sealed value is set: as one cookie when it fits in `maxCookieBytes` with its name and
 * attributes (exactly as it always was), else split into parts (`chunks.cjs`), each within
 * `maxCookieBytes`, when `maxCookies` allows. Past `maxCookies`, or past `maxTotalCookieBytes` in
 * the Cookie header the browser sends back, `session:too-large` is emitted on the app and
 * `ERR_SESSION_TOO_LARGE` thrown before any cookie is set, so the browser keeps the session it
 * had instead of dropping cookies silently.
 * @param {{ key: string, maxCookieBytes: number, maxCookies: number, maxTotalCookieBytes: number }} limits
 * @param {import('koa')} app
 */
function cookieLayout({ key, maxCookieBytes, maxCookies, maxTotalCookieBytes }, app) {
  /** Emits `session:too-large` and throws, for a value of `chars` characters laid out as `cookies` (if at all) in `bytes`. */
  const refuse = (chars, options, ctx, cookies, bytes) => {
    const single = maxCookies === 1;
    const size = single
      ? Buffer.byteLength(key) + 1 + attributeBytes(options) + chars
      : (bytes ?? Buffer.byteLength(key) + 1 + chars);
    // Without a layout, maxCookies cookies of maxCookieBytes were too few: that may be the bound.
    const limit = single
      ? maxCookieBytes
      : cookies
        ? maxTotalCookieBytes
        : Math.min(maxTotalCookieBytes, maxCookies * maxCookieBytes);
    setImmediate(() => app.emit('session:too-large', { ctx, size, limit }));
    throw sessionTooLarge(
      single
        ? `session cookie would be ${size} bytes with its name and attributes, over the ${limit}-byte limit (maxCookieBytes) past which browsers drop it silently`
        : cookies
          ? `session cookies would take ${size} bytes of the Cookie header, over maxTotalCookieBytes (${limit})`
          : `session would need more than maxCookies (${maxCookies}) cookies of maxCookieBytes (${maxCookieBytes}) for its ${chars} characters`,
    );
  };
  return {
    /**
     * The cookies (`[name, value]` pairs) that hold `value` when set with `options`, or throws.
     * @param {string} value
     * @param {Record<string, unknown>} options koa-session's per-request cookie options
     * @param {import('koa').Context} ctx
     * @returns {[string, string][]}
     */
    cookiesFor(value, options, ctx) {
      // What each cookie leaves for its name, `=` and value once its attributes are counted.
      const room = maxCookieBytes - attributeBytes(options);
      const valueRoom = (index) => room - Buffer.byteLength(partName(key, index)) - 1;
      const { cookies, bytes } = layOut(key, value, valueRoom, maxCookies);
      if (cookies && bytes <= maxTotalCookieBytes) return cookies;
      return refuse(value.length, options, ctx, cookies, bytes);
    },
    /**
     * Throws as `cookiesFor` does for a sealed value of `chars` characters, one too long for the
     * keyring to write at all.
     * @param {number} chars
     * @param {Record<string, unknown>} options
     * @param {import('koa').Context} ctx
     */
    refuse: (chars, options, ctx) => refuse(chars, options, ctx),
  };
}

/** The most a partition may hold of a site's partitioned (CHIPS) cookies, names and values, in Chromium. */
const PARTITION_BYTES = 10 * 1024;

/**
 * Refuses cookie options that make browsers drop the session's cookies silently: a cookie name
 * whose prefix browsers enforce, set otherwise (`__Host-` needs `secure: true`, `path: '/'` and no
 * `domain`; `__Secure-` needs `secure: true`; browsers match the prefixes in any case), and, with
 * `partitioned: true`, split sessions allowed more than a partition holds.
 * @param {{ key: string, maxCookies: number, maxTotalCookieBytes: number }} limits
 * @param {Record<string, unknown>} options koa-session's cookie options
 */
function checkCookieOptions({ key, maxCookies, maxTotalCookieBytes }, options) {
  if (options.partitioned && maxCookies > 1 && maxTotalCookieBytes > PARTITION_BYTES) {
    throw codedError(
      TypeError,
      'ERR_OPTION_VALUE',
      `with partitioned: true, maxTotalCookieBytes must be at most ${PARTITION_BYTES} (what Chromium keeps of a site's partitioned cookies), got ${maxTotalCookieBytes}`,
    );
  }
  const lower = key.toLowerCase();
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
    `a cookie named ${key} needs ${wrong.join(', ')}: browsers drop a ${host ? '__Host-' : '__Secure-'} cookie set otherwise`,
  );
}

module.exports = { cookieLayout, checkCookieOptions };
