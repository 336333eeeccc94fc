'use strict';

// Every option the package's factories take is checked here, from one table per factory: what
// kind of value it is, its default, and its range. A factory calls `readOptions` once and gets
// back a new object with each option checked and defaulted; the caller's object is only read.

const { codedError, describe } = require('./errors.cjs');

/** koa-session's maxAge when none is set, and so the default lifetime of a revocation: one day. */
const ONE_DAY = 24 * 3600 * 1000;
/** Longest duration any option takes: nothing here needs more, and more is usually a unit mistake. */
const TEN_YEARS = 10 * 365 * ONE_DAY;
/** koa-session's cookie name when `key` is not given. */
const DEFAULT_COOKIE_NAME = 'koa.sess';

/** A number or Date as itself (a unit mistake shows), anything else described. */
const asNumber = (value) => (typeof value === 'number' || value instanceof Date ? String(value) : describe(value));
/** A string quoted (a typo shows), anything else described. */
const asText = (value) => (typeof value === 'string' ? `'${value}'` : describe(value));

/**
 * A value for a message: a short string quoted (a unit mistake such as '1d' shows), a longer one,
 * which may be a secret or a URL with a password passed to the wrong option, only described.
 */
const shown = (value) => (typeof value === 'string' && value.length <= 16 ? asText(value) : asNumber(value));

/** The error for option `name`, which should have been `expected`, and was `got`. */
const wrong = (name, expected, got, code = 'ERR_OPTION_VALUE') =>
  codedError(TypeError, code, `${name} must be ${expected}, got ${got}`);

/**
 * The kinds of option. Each returns a check `(value, name) => value to use`, called only for a
 * value that is present (not undefined or null); an absent one takes the entry's `default`.
 */
const kinds = {
  /** A duration in ms: a positive number under ten years. */
  duration: (fallback) => ({
    default: fallback,
    check(value, name) {
      if (typeof value !== 'number' || !(value > 0 && value < TEN_YEARS)) {
        throw wrong(name, 'a duration in ms (a positive number under ten years)', asNumber(value));
      }
      return value;
    },
  }),
  /** A whole number from `min` to `max`. */
  integer: (fallback, { min = 1, max = Number.MAX_SAFE_INTEGER } = {}) => ({
    default: fallback,
    check(value, name) {
      if (!Number.isInteger(value) || value < min || value > max) {
        const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
        throw wrong(name, `a whole number ${range}`, asNumber(value));
      }
      return value;
    },
  }),
  boolean: (fallback) => ({
    default: fallback,
    check(value, name) {
      if (typeof value !== 'boolean') throw wrong(name, 'true or false', describe(value));
      return value;
    },
  }),
  /** A string, matching `pattern` when given; `what` says what it names, for the message. */
  string: (fallback, { what = 'a string', empty = false, pattern } = {}) => ({
    default: fallback,
    check(value, name) {
      if (typeof value !== 'string' || (!empty && value === '')) throw wrong(name, what, describe(value));
      if (pattern && !pattern.test(value)) throw wrong(name, what, shown(value));
      return value;
    },
  }),
  /** One of `values`. */
  oneOf: (values, fallback, code) => ({
    default: fallback,
    check(value, name) {
      if (!values.includes(value)) throw wrong(name, values.map((v) => `'${v}'`).join(' or '), asText(value), code);
      return value;
    },
  }),
  /** An instant, as a Date or ms since the epoch, that is not in the future (beyond `skew` ms). */
  pastInstant: (skew) => ({
    default: 0,
    check(value, name) {
      const ms = value instanceof Date ? value.getTime() : value;
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || ms > Date.now() + skew) {
        throw wrong(name, 'a Date or a time in ms since the epoch, not in the future', asNumber(value));
      }
      return ms;
    },
  }),
  function: () => ({
    default: undefined,
    check(value, name) {
      if (typeof value !== 'function') throw wrong(name, 'a function', describe(value));
      return value;
    },
  }),
  /** Anything `accepts` says yes to; `what` describes it for the message (see `shown`). */
  custom: (accepts, what) => ({
    default: undefined,
    check(value, name) {
      if (!accepts(value)) throw wrong(name, what, shown(value));
      return value;
    },
  }),
  /** Taken as it is (checked elsewhere, such as koa-session's own options and the keys). */
  any: (fallback) => ({ default: fallback, check: (value) => value }),
};

/**
 * Checks `options` (an object, or undefined for none) against `table` (option name → kind) and
 * returns `{ values, rest }`: every option of the table, checked or defaulted, and the options the
 * table does not name (koa-session's, which pass through), both new objects.
 * @param {string} factory the factory's call, for the message when `options` is not an object
 * @param {unknown} options
 * @param {Record<string, { default: unknown, check: (value: unknown, name: string) => unknown }>} table
 * @param {{ required?: string }} [settings] `required`: the code to throw when `options` is absent
 */
function readOptions(factory, options, table, { required } = {}) {
  if (options === undefined && !required) options = {};
  if (options === null || typeof options !== 'object') {
    if (required) throw codedError(TypeError, required, `opts required: \`${factory}\``);
    throw codedError(TypeError, 'ERR_OPTION_VALUE', `${factory}: options must be an object, got ${describe(options)}`);
  }
  const values = {};
  for (const [name, kind] of Object.entries(table)) {
    const value = options[name];
    values[name] = value === undefined || value === null ? kind.default : kind.check(value, name);
  }
  const rest = {};
  for (const name of Object.keys(options)) if (!Object.hasOwn(table, name)) rest[name] = options[name];
  return { values, rest };
}

module.exports = { kinds, readOptions, ONE_DAY, DEFAULT_COOKIE_NAME };
