'use strict';

// What one entry of the revocations stream holds, and how it is read back into a mirror. Each
// entry is a write: `t`, its tag (8 random base64url characters); `p`, the tag of the entry it was
// appended after ('' for the first of a history), set by the write script; then `s`, the sessions,
// each its 22-character id and its expiry in whole seconds as 8 hex digits, one after another; and
// `u`, the users, as JSON `[[until, at, userId], …]` (ms). Tags chain the entries: a reader that
// finds an entry whose `p` is not the tag it saw last knows the history it followed is gone.

const { randomBytes } = require('node:crypto');

const ID_LENGTH = 22;
/** Characters a session takes in `s`: its id, then its expiry. */
const SESSION_WIDTH = ID_LENGTH + 8;
/** Sessions applied between two looks at the clock while loading. */
const CLOCK_EVERY = 128;

/** A fresh tag. */
const newTag = () => randomBytes(6).toString('base64url');

/** `s` for `sessions` (`{ id, until }`, ms). */
function encodeSessions(sessions) {
  let text = '';
  for (const { id, until } of sessions)
    text +=
      id +
      Math.ceil(until / 1000)
        .toString(16)
        .padStart(8, '0');
  return text;
}

/** `u` for `users` (`{ userId, at, until }`, ms). */
const encodeUsers = (users) => JSON.stringify(users.map(({ userId, at, until }) => [until, at, userId]));

/**
 * The fields after `t` and `p` of an entry holding `sessions` and `users`.
 * @returns {string[]}
 */
function payload(sessions, users) {
  const fields = [];
  if (sessions.length > 0) fields.push('s', encodeSessions(sessions));
  if (users.length > 0) fields.push('u', encodeUsers(users));
  return fields;
}

/**
 * An entry's fields by name, or undefined when it is not one of ours (no tag first).
 * @param {unknown} fields the flat `[name, value, …]` array Redis returns
 * @returns {{ t: string, p: string, s?: string, u?: string } | undefined}
 */
function readFields(fields) {
  if (!Array.isArray(fields) || fields[0] !== 't' || typeof fields[1] !== 'string') return undefined;
  const entry = { t: fields[1], p: undefined, s: undefined, u: undefined };
  for (let i = 2; i + 1 < fields.length; i += 2) {
    const name = fields[i];
    if (name === 'p' || name === 's' || name === 'u') entry[name] = String(fields[i + 1]);
  }
  return entry.p === undefined ? undefined : entry;
}

/**
 * Adds an entry's revocations to `mirror`, skipping anything malformed or expired at `now`; each
 * user also goes into `seenUsers` (latest `at` per user). Awaits `slice` every so many sessions
 * (see slices.cjs). Returns false when a part could not be read.
 * @param {import('./mirror.cjs').Mirror} mirror
 * @param {{ s?: string, u?: string }} entry
 * @param {number} now
 * @param {() => Promise<void> | undefined} slice
 * @param {Map<string, number>} seenUsers
 */
async function applyEntry(mirror, entry, now, slice, seenUsers) {
  let wellFormed = true;
  const { s, u } = entry;
  if (s !== undefined) {
    if (s.length % SESSION_WIDTH !== 0) wellFormed = false;
    const nowSeconds = now / 1000;
    for (let at = 0, n = 0; at + SESSION_WIDTH <= s.length; at += SESSION_WIDTH, n++) {
      const seconds = Number.parseInt(s.slice(at + ID_LENGTH, at + SESSION_WIDTH), 16);
      if (seconds > nowSeconds) {
        if (!mirror.sessions.addAt(s, at, seconds)) wellFormed = false;
      } else if (!(seconds >= 0)) {
        wellFormed = false;
      }
      const pause = n % CLOCK_EVERY === CLOCK_EVERY - 1 && slice();
      if (pause) await pause;
    }
  }
  if (u !== undefined) {
    let users;
    try {
      users = JSON.parse(u);
    } catch {
      return false;
    }
    if (!Array.isArray(users)) return false;
    for (const user of users) {
      const [until, at, userId] = Array.isArray(user) ? user : [];
      if (typeof userId !== 'string' || userId === '' || !Number.isFinite(at) || typeof until !== 'number') {
        wellFormed = false;
        continue;
      }
      mirror.addUser(userId, at, until, now);
      if (until > now && !(seenUsers.get(userId) >= at)) seenUsers.set(userId, at);
    }
  }
  return wellFormed;
}

/**
 * Compares two stream ids (`<ms>-<seq>`): negative, 0 or positive as `a` is before, equal to or
 * after `b`.
 * @param {string} a
 * @param {string} b
 */
function compareIds(a, b) {
  const [aMs, aSeq] = a.split('-').map(Number);
  const [bMs, bSeq] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}

module.exports = { newTag, payload, readFields, applyEntry, compareIds };
