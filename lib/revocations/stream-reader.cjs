'use strict';

// The reader of the revocations stream: one loop, on a connection of its own, that loads the
// stream into the mirror in pages, then follows it with XREAD BLOCK from the last entry it saw.
// When its connection fails (or stops answering) it opens a new one and goes on from that entry,
// for as long as it is open. It checks that the history it follows is still the one in Redis: each
// entry it follows must name, as the one before it, the last entry it saw; and every
// `checkInterval` the stream's newest entry must be that one or a later one. When either fails
// (Redis restarted empty or from an older snapshot, a FLUSHALL, an eviction, a failover to a
// replica that missed writes), it loads the whole stream again; `onLoaded` then tells what was
// found (see redis.cjs).

const { codedError } = require('../errors.cjs');
const { backoff, pauses } = require('./retry.cjs');
const { slicer } = require('./slices.cjs');
const { readFields, applyEntry, compareIds } = require('./stream-entry.cjs');

/** Entries one read asks for, at most; fewer when entries are large (packed). */
const MAX_COUNT = 200;
/** Characters of revocations one read should bring, roughly: the client parses a reply in one go. */
const READ_CHARS = 128 * 1024;

/** How many entries to ask for next, after asking for `count` brought `chars` characters. */
const nextCount = (count, chars) =>
  Math.max(1, Math.min(MAX_COUNT, Math.floor((count * READ_CHARS) / Math.max(chars, 1))));
/** How long XREAD blocks at most, so the periodic check runs even when nothing is written. */
const MAX_BLOCK = 2000;
/** How long past its block a command may go unanswered before the connection is taken for dead. */
const GRACE = 5000;

/** The entries of a stream reply: RESP2 `[[key, entries]]`, or RESP3's map by key. */
function streamEntries(reply, key) {
  if (!reply) return [];
  if (Array.isArray(reply)) return reply[0]?.[1] ?? [];
  if (reply instanceof Map) return reply.get(key) ?? [];
  return reply[key] ?? [];
}

/**
 * @param {{ connection: import('./redis-client.cjs').Connection, key: string,
 *   mirror: import('./mirror.cjs').Mirror, checkInterval: number, onError: (err: Error) => void,
 *   onLoaded: (generation: number) => void }} settings `onLoaded` runs after each complete load,
 *   with that load's number
 */
function streamReader({ connection, key, mirror, checkInterval, onError, onLoaded }) {
  const waits = pauses();
  const block = Math.min(MAX_BLOCK, checkInterval);
  /** The last entry read, and the tag of the last of ours ('' before the first of a history). */
  let lastId;
  let lastTag = '';
  /** A load is needed (at start, and once the history is in doubt); `loading`: one is under way. */
  let needsLoad = true;
  let loading = false;
  let generation = 0;
  /** Entries the next read asks for. */
  let count = 8;
  /** Per user, the latest `at` read since the last load began. */
  let seenUsers = new Map();
  let stopped = false;
  let current;
  /** Who waits for the reader to reach an entry: `[id, resolve]`. */
  let waiting = [];

  /**
   * Applies `entries`; with `chained`, doubts the history when one does not follow the last.
   * Returns how many characters of revocations they held.
   */
  async function apply(entries, chained) {
    const now = Date.now();
    const slice = slicer();
    let chars = 0;
    for (const [id, fields] of entries) {
      lastId = id;
      const entry = readFields(fields);
      chars += (entry?.s?.length ?? 0) + (entry?.u?.length ?? 0);
      if (entry === undefined) {
        onError(codedError(Error, 'ERR_REVOCATION_ENTRY', `ignored entry ${id} of ${key}: not a revocation`));
        continue;
      }
      if (chained && entry.p !== lastTag) needsLoad = true;
      lastTag = entry.t;
      if (!(await applyEntry(mirror, entry, now, slice, seenUsers))) {
        onError(codedError(Error, 'ERR_REVOCATION_ENTRY', `ignored what is malformed in entry ${id} of ${key}`));
      }
      const pause = slice();
      if (pause) await pause;
    }
    if (lastId !== undefined) {
      const reached = waiting.filter(([id]) => compareIds(lastId, id) >= 0);
      waiting = waiting.filter((wait) => !reached.includes(wait));
      for (const [, resolve] of reached) resolve();
    }
    return chars;
  }

  /** Reads the whole stream into the mirror (going on from where a load cut short stopped). */
  async function load(reader) {
    if (!loading) {
      loading = true;
      generation++;
      mirror.sessions.unmark();
      seenUsers = new Map();
      lastId = undefined;
      lastTag = '';
    }
    for (;;) {
      const from = lastId === undefined ? '-' : `(${lastId}`;
      const page = await reader.command(['XRANGE', key, from, '+', 'COUNT', String(count)], key, GRACE);
      const asked = count;
      count = nextCount(count, await apply(page, false));
      if (page.length < asked) break;
    }
    loading = false;
    needsLoad = false;
    onLoaded(generation);
  }

  /** Waits up to `block` ms for entries after the last one read, and applies them. */
  async function follow(reader) {
    const args = ['XREAD', 'COUNT', String(count), 'BLOCK', String(block), 'STREAMS', key, lastId ?? '0-0'];
    const entries = streamEntries(await reader.command(args, key, block + GRACE), key);
    if (entries.length > 0) count = nextCount(count, await apply(entries, true));
  }

  /** Doubts the history when the stream's newest entry is gone, older than, or other than the last read. */
  async function check(reader) {
    const [newest] = await reader.command(['XREVRANGE', key, '+', '-', 'COUNT', '1'], key, GRACE);
    if (newest === undefined) {
      if (lastId !== undefined) needsLoad = true;
      return;
    }
    const order = lastId === undefined ? 1 : compareIds(newest[0], lastId);
    const tag = readFields(newest[1])?.t;
    if (order < 0 || (order === 0 && tag !== undefined && tag !== lastTag)) needsLoad = true;
  }

  async function run() {
    let nextCheck = Date.now() + checkInterval;
    for (let attempt = 0; !stopped; ) {
      try {
        current = await connection.openReader();
        if (stopped) break;
        for (;;) {
          if (needsLoad) await load(current);
          await follow(current);
          attempt = 0;
          if (Date.now() >= nextCheck) {
            await check(current);
            nextCheck = Date.now() + checkInterval;
          }
        }
      } catch (err) {
        if (stopped) break;
        onError(err);
        current?.close();
        current = undefined;
        await waits.pause(backoff(attempt++));
      }
    }
    current?.close();
  }

  run();

  return {
    /** The number of the last load begun. */
    get generation() {
      return generation;
    },
    /** Per user, the latest `at` read since the last load began. */
    get seenUsers() {
      return seenUsers;
    },
    /** Resolves once the reader has read entry `id` or a later one (or is closed). */
    caughtUp(id) {
      if (stopped || (lastId !== undefined && compareIds(lastId, id) >= 0)) return Promise.resolve();
      return new Promise((resolve) => waiting.push([id, resolve]));
    },
    close() {
      stopped = true;
      current?.close();
      waits.wakeAll();
      for (const [, resolve] of waiting.splice(0)) resolve();
    },
  };
}

module.exports = { streamReader };
