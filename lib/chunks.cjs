'use strict';

// A sealed value too long for one cookie, split across several: the cookie named `key` holds the
// first part behind a header that says how many parts there are, and cookies `key.1`, `key.2`, …
// hold the others, each behind the same tag. The value is sealed once, so the parts only open
// together, in order, and all from one save; the header and tag only let a mismatch be told
// apart (and refused before any cryptography) from tampering. docs/format.md has the layout.

const { refusal } = require('./errors.cjs');
const { MAX_COOKIE_CHARS, MAX_COOKIES } = require('./native.cjs');
const { openPieces } = require('./sealed.cjs');

/** Characters of the tag every part carries: the value's last ones, random in both formats. */
const TAG_CHARS = 8;
/** The first part's header: `c`, the number of parts (two or more), `.`, the tag, `.`. */
const FIRST = /^c([2-9]|[1-9][0-9])\.([^.;,\s]{8})\./;

/**
 * The name of part `index` of the cookie named `key`.
 * @param {string} key
 * @param {number} index
 */
const partName = (key, index) => (index === 0 ? key : `${key}.${index}`);

/** The index in an extra cookie's name, as `partName` writes it. */
const INDEX = /^[1-9][0-9]?$/;

/**
 * The extra cookies (`key.1`, `key.2`, …) of the cookie named `key` that a Cookie header carries:
 * their values by index, each read as `ctx.cookies.get` reads a cookie (the first of the name,
 * after `;` and spaces, its value up to the next `;`, surrounding quotes dropped), all in one pass
 * over the header: one regular expression per name, as the cookies module runs, would scan it
 * once per part.
 * @param {string} cookieHeader
 * @param {string} key
 * @returns {Map<number, string>}
 */
function partsIn(cookieHeader, key) {
  const prefix = `${key}.`;
  const parts = new Map();
  for (const pair of cookieHeader.split(';')) {
    let at = 0;
    while (pair[at] === ' ') at++;
    if (!pair.startsWith(prefix, at)) continue;
    const equals = pair.indexOf('=', at + prefix.length);
    const digits = pair.slice(at + prefix.length, equals);
    if (equals === -1 || !INDEX.test(digits)) continue;
    const index = Number(digits);
    const value = pair.slice(equals + 1);
    if (index < MAX_COOKIES && !parts.has(index)) parts.set(index, value[0] === '"' ? value.slice(1, -1) : value);
  }
  return parts;
}

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
 * Opens the session a split session's parts hold, given the first cookie's value and
 * `read(index)` for the others, with `ring`. Refused before any cryptography (reason `chunks`)
 * when the parts are not all there, not all from one save, or more than `maxParts`, and (reason
 * `oversized`) when they hold more than `maxChars` characters; refused with reason `chunks` too
 * when what they hold does not open. The native core reads the pieces one after the other:
 * joined into one string here, they would be copied once more.
 * @param {import('./sealed.cjs').Keyring} ring
 * @param {string} first
 * @param {(index: number) => string | undefined} read
 * @param {{ maxParts: number, maxChars: number }} limits
 * @returns {import('./sealed.cjs').Opened}
 */
function openParts(ring, first, read, { maxParts, maxChars }) {
  const [head, count, tag] = FIRST.exec(first);
  if (Number(count) > maxParts) {
    throw refusal(
      'ERR_COOKIE_CHUNKS',
      'chunks',
      `session is split across ${count} cookies, more than maxCookies (${maxParts})`,
    );
  }
  const pieces = [first.slice(head.length)];
  let chars = pieces[0].length;
  for (let index = 1; index < Number(count); index++) {
    const part = read(index);
    if (typeof part !== 'string' || part.length <= TAG_CHARS || part[TAG_CHARS] !== '.' || !part.startsWith(tag)) {
      throw refusal(
        'ERR_COOKIE_CHUNKS',
        'chunks',
        `session cookie part ${index} of ${count} is ${typeof part === 'string' ? 'from another save' : 'missing'}`,
      );
    }
    pieces.push(part.slice(TAG_CHARS + 1));
    chars += part.length - TAG_CHARS - 1;
  }
  if (!pieces.at(-1).endsWith(tag)) {
    throw refusal('ERR_COOKIE_CHUNKS', 'chunks', `session cookie parts do not end with their tag`);
  }
  if (chars > maxChars) throw tooLong(chars, maxChars);
  try {
    return openPieces(ring, pieces);
  } catch (err) {
    // What does not open as a genuine value was not one save's parts (or was altered, reordered
    // or cut); any other refusal stands.
    if (err.reason !== 'authentication' && err.reason !== 'malformed') throw err;
    throw refusal('ERR_COOKIE_CHUNKS', 'chunks', `session cookie parts do not open together (${err.message})`);
  }
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

module.exports = { tooLong, partName, partsIn, layOut, partCount, openParts };
