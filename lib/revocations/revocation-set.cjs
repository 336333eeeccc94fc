'use strict';

// A compact set of revoked session ids, each held until an expiry. A Map<string, number> costs
// more per entry (BENCHMARKS.md) and a million objects for the garbage collector to trace; this
// table keeps its entries in typed arrays it never traces, and allocates nothing per lookup.
//
// Open addressing with linear probing over typed arrays: per slot, the id's 22 base64url
// characters packed 6 bits each into five 32-bit words (five characters a word, two in the last),
// its expiry in whole seconds (0 marks an empty slot), and one byte that says whether it was added
// since `unmark()`: 25 bytes a slot. The table is split by hash into SEGMENTS segments, each a
// power of two slots at most 5/8 full, that grow, prune and rebuild on their own: no rebuild ever
// touches more than one segment's entries, so none stalls the event loop for long, however many
// entries the set holds. Entries are never removed one by one: pruning rebuilds a segment without
// the expired ones (smaller when it can), and so does growth. Ids come from this package's own
// random session ids, never chosen by a client, so a cheap mix of the words spreads them well.

/** A session id: 16 random bytes as unpadded base64url. */
const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
const ID_LENGTH = 22;
const WORDS = 5;
/** Words a slot takes: the id's five, then its expiry. */
const STRIDE = WORDS + 1;
const CHARS_PER_WORD = 5;
/** Segments, chosen by the hash's top bits. */
const SEGMENT_BITS = 9;
const SEGMENTS = 1 << SEGMENT_BITS;
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

/** True when a segment of `capacity` slots holding `count` entries has room for none more. */
const full = (count, capacity) => count * 8 >= capacity * 5;

/**
 * True when `value` is a session id: exactly 22 base64url characters.
 * @param {unknown} value
 * @returns {value is string}
 */
function isSessionId(value) {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/**
 * Word `w` of the 22-character id that starts at `text[at]`: characters 5w to 5w+4 (20 and 21 in
 * the last), 6 bits each, the first highest; negative when one of them is not base64url.
 * Straight-line, allocates nothing.
 */
function packWord(text, at, w) {
  const i = at + w * CHARS_PER_WORD;
  if (w === WORDS - 1) return (SEXTETS[text.charCodeAt(i)] << 6) | SEXTETS[text.charCodeAt(i + 1)];
  return (
    (SEXTETS[text.charCodeAt(i)] << 24) |
    (SEXTETS[text.charCodeAt(i + 1)] << 18) |
    (SEXTETS[text.charCodeAt(i + 2)] << 12) |
    (SEXTETS[text.charCodeAt(i + 3)] << 6) |
    SEXTETS[text.charCodeAt(i + 4)]
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

/** A hash of the five words of an id: its top SEGMENT_BITS pick the segment, the rest the slot. */
function hashWords(w0, w1, w2, w3, w4) {
  const h = w0 ^ Math.imul(w1, 0x85ebca6b) ^ Math.imul(w2, 0xc2b2ae35) ^ Math.imul(w3, 0x27d4eb2f);
  return Math.imul(h ^ Math.imul(w4, 0x165667b1), 0x9e3779b1);
}

/** The first slot to probe for hash `h` in a segment whose slot mask is `mask`. */
const firstSlot = (h, mask) => (h ^ (h >>> 15)) & mask;

/** Whole seconds at or after `ms`, so an entry lasts at least until then. */
const toSeconds = (ms) => Math.ceil(ms / 1000);

/** Revoked session ids with their expiry: `add`, `has`, `prune`, and `unmark`/`unmarked`. */
class RevocationSet {
  /** Per segment: STRIDE words a slot, the id's five then its expiry in seconds (0: empty). */
  #slots = new Array(SEGMENTS);
  /** Per segment: one byte a slot, 1 when added since `unmark()`. */
  #marks = new Array(SEGMENTS);
  /** Per segment: its slot count less one (a power of two less one). */
  #masks = new Int32Array(SEGMENTS);
  #counts = new Int32Array(SEGMENTS);
  #count = 0;

  constructor() {
    for (let s = 0; s < SEGMENTS; s++) this.#allocate(s, MIN_CAPACITY);
  }

  #allocate(s, capacity) {
    this.#slots[s] = new Uint32Array(capacity * STRIDE);
    this.#marks[s] = new Uint8Array(capacity);
    this.#masks[s] = capacity - 1;
    this.#count -= this.#counts[s];
    this.#counts[s] = 0;
  }

  /** Entries held, expired ones included until their segment is next pruned or rebuilt. */
  get size() {
    return this.#count;
  }

  /** Slots in all segments. */
  get capacity() {
    let slots = 0;
    for (const marks of this.#marks) slots += marks.length;
    return slots;
  }

  /** Bytes the table's typed arrays hold. */
  get byteLength() {
    let bytes = 0;
    for (let s = 0; s < SEGMENTS; s++) bytes += this.#slots[s].byteLength + this.#marks[s].byteLength;
    return bytes;
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
    this.addAt(id, 0, seconds);
  }

  /**
   * As `add`, for the id at `text[at]` (22 characters) until `seconds` (a whole second, 1 to
   * 2^32-1), without slicing it out: how entries are loaded in bulk. Returns false, holding
   * nothing, when those characters are not an id.
   * @param {string} text
   * @param {number} at
   * @param {number} seconds
   */
  addAt(text, at, seconds) {
    const w0 = packWord(text, at, 0);
    const w1 = packWord(text, at, 1);
    const w2 = packWord(text, at, 2);
    const w3 = packWord(text, at, 3);
    const w4 = packWord(text, at, 4);
    if ((w0 | w1 | w2 | w3 | w4) < 0 || text.length < at + ID_LENGTH) return false;
    const h = hashWords(w0, w1, w2, w3, w4);
    const s = h >>> (32 - SEGMENT_BITS);
    if (this.#update(s, h, w0, w1, w2, w3, w4, seconds)) return true;
    // Full: dropping the expired entries is enough when it frees a quarter of the segment, so the
    // next rebuild is that far away; otherwise the segment doubles.
    const now = Date.now();
    const capacity = this.#marks[s].length;
    this.#rebuild(s, full((this.#live(s, now) + 1) * 2, capacity) ? capacity * 2 : capacity, now);
    this.#update(s, h, w0, w1, w2, w3, w4, seconds);
    return true;
  }

  /**
   * Sets the expiry of the id of words `w0`…`w4` (hash `h`) in segment `s` to at least `seconds`
   * and marks it, inserting it when absent and there is room. Returns false when it is absent and
   * the segment is full.
   */
  #update(s, h, w0, w1, w2, w3, w4, seconds) {
    const slots = this.#slots[s];
    const marks = this.#marks[s];
    const mask = this.#masks[s];
    let slot = firstSlot(h, mask);
    for (let k = slot * STRIDE; slots[k + 5] !== 0; slot = (slot + 1) & mask, k = slot * STRIDE) {
      if (slots[k] === w0 && slots[k + 1] === w1 && slots[k + 2] === w2 && slots[k + 3] === w3 && slots[k + 4] === w4) {
        if (slots[k + 5] < seconds) slots[k + 5] = seconds;
        marks[slot] = 1;
        return true;
      }
    }
    if (full(this.#counts[s] + 1, mask + 1)) return false;
    const k = slot * STRIDE;
    slots[k] = w0;
    slots[k + 1] = w1;
    slots[k + 2] = w2;
    slots[k + 3] = w3;
    slots[k + 4] = w4;
    slots[k + 5] = seconds;
    marks[slot] = 1;
    this.#counts[s]++;
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
    const w0 = packWord(id, 0, 0);
    const w1 = packWord(id, 0, 1);
    const w2 = packWord(id, 0, 2);
    const w3 = packWord(id, 0, 3);
    const w4 = packWord(id, 0, 4);
    if ((w0 | w1 | w2 | w3 | w4) < 0) return false;
    const h = hashWords(w0, w1, w2, w3, w4);
    const s = h >>> (32 - SEGMENT_BITS);
    const slots = this.#slots[s];
    const mask = this.#masks[s];
    for (let slot = firstSlot(h, mask), k = slot * STRIDE; slots[k + 5] !== 0; ) {
      if (slots[k] === w0 && slots[k + 1] === w1 && slots[k + 2] === w2 && slots[k + 3] === w3 && slots[k + 4] === w4) {
        return now < slots[k + 5] * 1000;
      }
      slot = (slot + 1) & mask;
      k = slot * STRIDE;
    }
    return false;
  }

  /**
   * Prunes every segment (see `pruneSegment`).
   * @param {number} [now] ms timestamp
   */
  prune(now = Date.now()) {
    for (let s = 0; s < SEGMENTS; s++) this.pruneSegment(s, now);
  }

  /**
   * Drops segment `s`'s entries expired at `now` once they are a quarter of those it holds (fewer
   * are not worth a rebuild: expired entries left in place are already answered as not held),
   * shrinking it while it would be at most a sixth full (a third after halving, so growth does
   * not follow at once). Pruning a segment at a time lets the caller spread the work.
   * @param {number} s segment index, from 0 to `RevocationSet.SEGMENTS - 1`
   * @param {number} [now] ms timestamp
   */
  pruneSegment(s, now = Date.now()) {
    const live = this.#live(s, now);
    const count = this.#counts[s];
    let capacity = this.#marks[s].length;
    while (capacity > MIN_CAPACITY && live * 6 <= capacity) capacity /= 2;
    if ((count - live) * 4 >= count || capacity < this.#marks[s].length) this.#rebuild(s, capacity, now);
  }

  /** Clears every entry's mark: from now on, only entries added again are marked. */
  unmark() {
    for (const marks of this.#marks) marks.fill(0);
  }

  /**
   * The entries live at `now` and not added since `unmark()`, as `{ id, until }` (ms): those of
   * segment `segment`, or of all. Each segment is walked as it was when the walk reached it.
   * @param {number} now ms timestamp
   * @param {number} [segment] from 0 to `RevocationSet.SEGMENTS - 1`
   * @returns {Generator<{ id: string, until: number }>}
   */
  *unmarked(now, segment) {
    for (let s = segment ?? 0; s < (segment ?? SEGMENTS - 1) + 1; s++) {
      const slots = this.#slots[s];
      const marks = this.#marks[s];
      for (let slot = 0; slot < marks.length; slot++) {
        const k = slot * STRIDE;
        if (marks[slot] === 0 && now < slots[k + 5] * 1000) {
          yield { id: unpackId(slots, k), until: slots[k + 5] * 1000 };
        }
      }
    }
  }

  /** Entries of segment `s` whose expiry is after `now`. */
  #live(s, now) {
    const slots = this.#slots[s];
    let live = 0;
    for (let k = 5; k < slots.length; k += STRIDE) if (now < slots[k] * 1000) live++;
    return live;
  }

  /** Copies segment `s`'s entries live at `now`, with their marks, into a fresh one of `capacity` slots. */
  #rebuild(s, capacity, now) {
    const from = this.#slots[s];
    const fromMarks = this.#marks[s];
    this.#allocate(s, capacity);
    const slots = this.#slots[s];
    const marks = this.#marks[s];
    const mask = capacity - 1;
    let count = 0;
    for (let k = 0; k < from.length; k += STRIDE) {
      if (!(now < from[k + 5] * 1000)) continue;
      let to = firstSlot(hashWords(from[k], from[k + 1], from[k + 2], from[k + 3], from[k + 4]), mask);
      while (slots[to * STRIDE + 5] !== 0) to = (to + 1) & mask;
      for (let w = 0; w < STRIDE; w++) slots[to * STRIDE + w] = from[k + w];
      marks[to] = fromMarks[k / STRIDE];
      count++;
    }
    this.#counts[s] = count;
    this.#count += count;
  }
}

RevocationSet.SEGMENTS = SEGMENTS;

module.exports = { RevocationSet, isSessionId };
