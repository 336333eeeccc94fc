'use strict';

// A compact set of revoked session ids, each held until an expiry. A Map<string, number> costs
// about 70 bytes an entry (BENCHMARKS.md) and a million objects for the garbage collector to
// trace; this table 50 to 100 bytes (52 at a million) in a few typed arrays it never traces, and
// allocates nothing per lookup. Open addressing with linear probing over typed arrays: per slot,
// the id's 22 base64url characters packed 6 bits each into five 32-bit words (five characters a
// word, two in the last), its expiry in whole seconds (0 marks an empty slot), and one byte that
// says whether it was added since `unmark()`: 25 bytes a slot. The capacity is a power of two, at
// most half full. Entries are never removed one by one: pruning rebuilds the table without the
// expired ones (smaller when it can), and so does growth. Ids come from this package's own random
// session ids, never chosen by a client, so a cheap mix of the words spreads them well enough.

/** A session id: 16 random bytes as unpadded base64url. */
const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
const ID_LENGTH = 22;
const WORDS = 5;
/** Words a slot takes: the id's five, then its expiry. */
const STRIDE = WORDS + 1;
const CHARS_PER_WORD = 5;
const MIN_CAPACITY = 16;
/** Seconds fit a Uint32 until 2106. */
const MAX_SECONDS = 0xffffffff;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/**
 * Each base64url character's 6-bit value by char code, -1 for any other UTF-16 code unit. A -1
 * shifted into a word sets its sign bit, which no valid word (30 bits at most) has.
 */
const SEXTETS = new Int8Array(65536).fill(-1);
for (const [value, char] of [...ALPHABET].entries()) SEXTETS[char.charCodeAt(0)] = value;

/**
 * True when `value` is a session id: exactly 22 base64url characters.
 * @param {unknown} value
 * @returns {value is string}
 */
function isSessionId(value) {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/**
 * Word `w` of a 22-character `id`: characters 5w to 5w+4 (20 and 21 in the last), 6 bits each,
 * the first highest; negative when one of them is not base64url. Straight-line, allocates nothing.
 */
function packWord(id, w) {
  const i = w * CHARS_PER_WORD;
  if (w === WORDS - 1) return (SEXTETS[id.charCodeAt(i)] << 6) | SEXTETS[id.charCodeAt(i + 1)];
  return (
    (SEXTETS[id.charCodeAt(i)] << 24) |
    (SEXTETS[id.charCodeAt(i + 1)] << 18) |
    (SEXTETS[id.charCodeAt(i + 2)] << 12) |
    (SEXTETS[id.charCodeAt(i + 3)] << 6) |
    SEXTETS[id.charCodeAt(i + 4)]
  );
}

/** The id whose packed words start at `keys[k]`. */
function unpackId(keys, k) {
  let id = '';
  for (let w = 0; w < WORDS; w++) {
    const chars = Math.min(CHARS_PER_WORD, ID_LENGTH - w * CHARS_PER_WORD);
    for (let shift = 6 * (chars - 1); shift >= 0; shift -= 6) id += ALPHABET[(keys[k + w] >>> shift) & 63];
  }
  return id;
}

/** The first slot to probe for the five words of an id, in a table of `mask + 1` slots. */
function firstSlot(w0, w1, w2, w3, w4, mask) {
  let h = w0 ^ Math.imul(w1, 0x85ebca6b) ^ Math.imul(w2, 0xc2b2ae35) ^ Math.imul(w3, 0x27d4eb2f);
  h = Math.imul(h ^ Math.imul(w4, 0x165667b1), 0x9e3779b1);
  return (h ^ (h >>> 15)) & mask;
}

/** Whole seconds at or after `ms`, so an entry lasts at least until then. */
const toSeconds = (ms) => Math.ceil(ms / 1000);

/** Revoked session ids with their expiry: `add`, `has`, `prune`, and `unmark`/`unmarked`. */
class RevocationSet {
  /** Per slot, STRIDE words: the id's five, then its expiry in seconds (0: empty), in one cache line or two. */
  #slots;
  #marks;
  #mask;
  #count;

  constructor() {
    this.#allocate(MIN_CAPACITY);
  }

  #allocate(capacity) {
    this.#slots = new Uint32Array(capacity * STRIDE);
    this.#marks = new Uint8Array(capacity);
    this.#mask = capacity - 1;
    this.#count = 0;
  }

  /** Entries held, expired ones included until the next prune or rebuild. */
  get size() {
    return this.#count;
  }

  /** Slots in the table (a power of two). */
  get capacity() {
    return this.#mask + 1;
  }

  /** Bytes the table's typed arrays hold. */
  get byteLength() {
    return this.#slots.byteLength + this.#marks.byteLength;
  }

  /**
   * Holds `id` until `until` (ms; rounded up to a whole second), and marks it. An id already held
   * keeps the later of its two expiries.
   * @param {string} id a session id (see `isSessionId`)
   * @param {number} until ms timestamp, before 2106
   */
  add(id, until) {
    if (!isSessionId(id)) throw new TypeError('RevocationSet.add needs a session id: 22 base64url characters');
    const seconds = toSeconds(until);
    if (!(seconds >= 1 && seconds <= MAX_SECONDS)) throw new RangeError(`RevocationSet.add: bad expiry ${until}`);
    if (this.#update(id, seconds)) return;
    // Full: dropping the expired entries is enough when it frees a quarter of the table, so the
    // next rebuild is that far away; otherwise the table doubles.
    const now = Date.now();
    const capacity = this.#mask + 1;
    this.#rebuild(this.#live(now) + 1 <= capacity / 4 ? capacity : capacity * 2, now);
    this.#update(id, seconds);
  }

  /**
   * Sets `id`'s expiry to at least `seconds` and marks it, inserting it when absent and there is
   * room (at most half full after). Returns false when it is absent and the table has no room.
   */
  #update(id, seconds) {
    const w0 = packWord(id, 0);
    const w1 = packWord(id, 1);
    const w2 = packWord(id, 2);
    const w3 = packWord(id, 3);
    const w4 = packWord(id, 4);
    const slots = this.#slots;
    const mask = this.#mask;
    let slot = firstSlot(w0, w1, w2, w3, w4, mask);
    for (let k = slot * STRIDE; slots[k + 5] !== 0; slot = (slot + 1) & mask, k = slot * STRIDE) {
      if (slots[k] === w0 && slots[k + 1] === w1 && slots[k + 2] === w2 && slots[k + 3] === w3 && slots[k + 4] === w4) {
        if (slots[k + 5] < seconds) slots[k + 5] = seconds;
        this.#marks[slot] = 1;
        return true;
      }
    }
    if (this.#count + 1 > (mask + 1) / 2) return false;
    const k = slot * STRIDE;
    slots[k] = w0;
    slots[k + 1] = w1;
    slots[k + 2] = w2;
    slots[k + 3] = w3;
    slots[k + 4] = w4;
    slots[k + 5] = seconds;
    this.#marks[slot] = 1;
    this.#count++;
    return true;
  }

  /**
   * True when `id` is held and its expiry is after `now`. Anything but a session id is never held.
   * Allocates nothing: it runs on every request.
   * @param {string} id
   * @param {number} [now] ms timestamp
   */
  has(id, now = Date.now()) {
    if (typeof id !== 'string' || id.length !== ID_LENGTH) return false;
    const w0 = packWord(id, 0);
    const w1 = packWord(id, 1);
    const w2 = packWord(id, 2);
    const w3 = packWord(id, 3);
    const w4 = packWord(id, 4);
    if ((w0 | w1 | w2 | w3 | w4) < 0) return false;
    const slots = this.#slots;
    const mask = this.#mask;
    for (let slot = firstSlot(w0, w1, w2, w3, w4, mask), k = slot * STRIDE; slots[k + 5] !== 0; ) {
      if (slots[k] === w0 && slots[k + 1] === w1 && slots[k + 2] === w2 && slots[k + 3] === w3 && slots[k + 4] === w4) {
        return now < slots[k + 5] * 1000;
      }
      slot = (slot + 1) & mask;
      k = slot * STRIDE;
    }
    return false;
  }

  /**
   * Drops the entries expired at `now` once they are a quarter of those held (a rebuild stalls
   * the event loop, about 0.15 s for a million entries: not worth it for a few), shrinking the
   * table while it would be at most an eighth full (a quarter after halving, so growth does not
   * follow at once). Expired entries left in place are already answered as not held.
   * @param {number} [now] ms timestamp
   */
  prune(now = Date.now()) {
    const live = this.#live(now);
    let capacity = this.#mask + 1;
    while (capacity > MIN_CAPACITY && live * 8 <= capacity) capacity /= 2;
    if ((this.#count - live) * 4 >= this.#count || capacity <= this.#mask) this.#rebuild(capacity, now);
  }

  /** Clears every entry's mark: from now on, only entries added again are marked. */
  unmark() {
    this.#marks.fill(0);
  }

  /**
   * The entries live at `now` and not added since `unmark()`, as `{ id, until }` (ms). It walks the
   * table as it was when the walk began.
   * @param {number} now ms timestamp
   * @returns {Generator<{ id: string, until: number }>}
   */
  *unmarked(now) {
    const slots = this.#slots;
    const marks = this.#marks;
    for (let slot = 0; slot < marks.length; slot++) {
      const k = slot * STRIDE;
      if (marks[slot] === 0 && now < slots[k + 5] * 1000) yield { id: unpackId(slots, k), until: slots[k + 5] * 1000 };
    }
  }

  /** Entries whose expiry is after `now`. */
  #live(now) {
    const slots = this.#slots;
    let live = 0;
    for (let k = 5; k < slots.length; k += STRIDE) if (now < slots[k] * 1000) live++;
    return live;
  }

  /** Copies the entries live at `now`, with their marks, into a fresh table of `capacity` slots. */
  #rebuild(capacity, now) {
    const from = this.#slots;
    const fromMarks = this.#marks;
    this.#allocate(capacity);
    const slots = this.#slots;
    const marks = this.#marks;
    const mask = this.#mask;
    let count = 0;
    for (let k = 0; k < from.length; k += STRIDE) {
      if (!(now < from[k + 5] * 1000)) continue;
      let to = firstSlot(from[k], from[k + 1], from[k + 2], from[k + 3], from[k + 4], mask);
      while (slots[to * STRIDE + 5] !== 0) to = (to + 1) & mask;
      for (let w = 0; w < STRIDE; w++) slots[to * STRIDE + w] = from[k + w];
      marks[to] = fromMarks[k / STRIDE];
      count++;
    }
    this.#count = count;
  }
}

module.exports = { RevocationSet, isSessionId };
