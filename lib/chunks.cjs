'use strict';

// A sealed value too long for one cookie, split across several: the cookie named `key` holds the
// first part behind a header that says how many parts there are, and cookies `key.1`, `key.2`, …
// hold the others, each behind the same tag. The value is sealed once, so the parts only open
// together, in order, and all from one save; the header and tag only let a mismatch be told
// apart (and refused before any cryptography) from tampering. docs/format.md has the layout.

const { refusal } = require('./errors.cjs');
const { MAX_COOKIE_CHARS } = require('./native.cjs');

/** Characters of the tag every part carries: the value's last ones, random in both formats. */
const TAG_CHARS = 8;
/** The most cookies a session may be split across (`maxCookies`). */
const MAX_PARTS = 16;
/** The first part's header: `c`, the number of parts (two or more), `.`, the tag, `.`. */
const FIRST = /^c([2-9]|[1-9][0-9])\.([^.;,\s]{8})\./;

/**
 * The name of part `index` of the cookie named `key`.
 * @param {string} key
 * @param {number} index
 */
const partName = (key, index) => (index === 0 ? key : `${key}.${index}`);

/**
 * A pattern finding, in a Cookie header, the extra cookies (`key.1`, `key.2`, …) of the cookie
 * named `key`, with their index.
 * @param {string} key
 */
const partsPattern = (key) =>
  new RegExp(`(?:^|;) *${key.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')}\\.([0-9]{1,3})=`, 'g');

/** The header part `index` of `count` parts with `tag` carries. */
const header = (index, count, tag) => (index === 0 ? `c${count}.${tag}.` : `${tag}.`);

/**
 * `value` split into cookie values of at most `room(index)` characters each (the header
 * included), as few as fit; undefined when that takes more than `maxParts`.
 * @param {string} value
 * @param {(index: number) => number} room characters the value of part `index` may have
 * @param {number} maxParts
 * @returns {string[] | undefined}
 */
function split(value, room, maxParts) {
  const tag = value.slice(-TAG_CHARS);
  for (let count = 2; count <= maxParts; count++) {
    const parts = [];
    let at = 0;
    for (let index = 0; index < count && at < value.length; index++) {
      const prefix = header(index, count, tag);
      const take = room(index) - prefix.length;
      if (take <= 0) break;
      parts.push(prefix + value.slice(at, at + take));
      at += take;
    }
    if (at >= value.length && parts.length === count) return parts;
  }
  return undefined;
}

/**
 * The bytes `cookies` (`[name, value]` pairs) take in the Cookie header a browser sends back.
 * @param {[string, string][]} cookies
 */
const headerBytes = (cookies) =>
  cookies.reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + 1 + value.length, 2 * (cookies.length - 1));

/**
 * The cookies (`[name, value]` pairs) that hold `value` for the cookie named `key`: the value
 * whole when it fits in `room(0)` characters, else split into at most `maxParts` parts of at most
 * `room(index)` characters each; `cookies` is undefined when it takes more, and `bytes` is what
 * they take in the Cookie header (that of the whole value alone when they do not fit).
 * @param {string} key
 * @param {string} value
 * @param {(index: number) => number} room
 * @param {number} maxParts
 */
function layOut(key, value, room, maxParts) {
  const whole = [[key, value]];
  if (value.length <= room(0)) return { cookies: whole, bytes: headerBytes(whole) };
  const parts = maxParts > 1 ? split(value, room, maxParts) : undefined;
  const cookies = parts?.map((part, index) => [partName(key, index), part]);
  return { cookies, bytes: headerBytes(cookies ?? whole) };
}

/**
 * How many parts the cookie `first` (the value of the cookie named `key`) says there are, or 0
 * when it is a whole value.
 * @param {string} first
 */
function partCount(first) {
  const match = FIRST.exec(first);
  return match ? Number(match[1]) : 0;
}

/**
 * The value the parts hold, given the first cookie's value and `read(index)` for the others;
 * throws a refusal (reason `chunks`) when the parts are not all there, not all from one save, or
 * more than `maxParts`.
 * @param {string} first
 * @param {(index: number) => string | undefined} read
 * @param {number} maxParts
 */
function join(first, read, maxParts) {
  const [head, count, tag] = FIRST.exec(first);
  // Concatenated, not joined from an array: the native layer copies the string once anyway.
  let value = first.slice(head.length);
  let last = value;
  if (Number(count) > maxParts) {
    throw refusal(
      'ERR_COOKIE_CHUNKS',
      'chunks',
      `session is split across ${count} cookies, more than maxCookies (${maxParts})`,
    );
  }
  for (let index = 1; index < Number(count); index++) {
    const part = read(index);
    if (typeof part !== 'string' || part.length <= TAG_CHARS || part[TAG_CHARS] !== '.' || !part.startsWith(tag)) {
      throw refusal(
        'ERR_COOKIE_CHUNKS',
        'chunks',
        `session cookie part ${index} of ${count} is ${typeof part === 'string' ? 'from another save' : 'missing'}`,
      );
    }
    last = part.slice(TAG_CHARS + 1);
    value += last;
  }
  if (!last.endsWith(tag)) {
    throw refusal('ERR_COOKIE_CHUNKS', 'chunks', `session cookie parts do not end with their tag`);
  }
  return value;
}

/**
 * The refusal to report when the value a split session's parts joined into does not open: one
 * that is not a genuine value says its parts did not come from one save (or were altered,
 * reordered or left out); any other refusal stands.
 * @param {Error & { reason?: string }} err
 */
function partsRefused(err) {
  if (err.reason !== 'authentication' && err.reason !== 'malformed') return err;
  return refusal('ERR_COOKIE_CHUNKS', 'chunks', `session cookie parts do not open together (${err.message})`);
}

/**
 * The refusal of session cookies holding `chars` characters, more than `limit` (by default, what
 * one cookie may hold): made before any cryptography.
 * @param {number} chars
 * @param {number} [limit]
 */
function tooLong(chars, limit) {
  const message =
    limit === undefined
      ? `cookie is ${chars} bytes, more than the ${MAX_COOKIE_CHARS} this codec reads`
      : `session cookies hold ${chars} characters, more than maxTotalCookieBytes (${limit})`;
  return refusal('ERR_COOKIE_TOO_LARGE', 'oversized', message);
}

module.exports = { MAX_PARTS, partsRefused, tooLong, partName, partsPattern, layOut, partCount, join };
