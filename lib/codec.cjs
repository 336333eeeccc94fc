'use strict';

const native = require('./binding.cjs');
const { codedError, describe } = require('./errors.cjs');
const { toKeyBytes, toSecretBytes, toSaltBytes } = require('./keys.cjs');

const FORMATS = ['legacy', 'compact'];

/** Why the native core refused a cookie, by its error code. */
const REASONS = {
  ERR_COOKIE_MALFORMED: 'malformed',
  ERR_COOKIE_TOO_LARGE: 'oversized',
  ERR_COOKIE_AUTHENTICATION: 'authentication',
  ERR_COOKIE_NOT_TEXT: 'not-json',
};

/**
 * Checks the key options and returns where the key comes from: `{ key }` for a `secretKey`,
 * `{ secret, salt }` for a passphrase still to derive. `secretKey` wins when both are given,
 * as in koa-encrypted-session.
 * @param {{ secretKey?: unknown, secret?: unknown, salt?: unknown }} opts
 */
function keySource(opts) {
  if (opts.secretKey !== undefined && opts.secretKey !== null) {
    return { key: toKeyBytes(opts.secretKey) };
  }
  if (opts.secret !== undefined && opts.secret !== null) {
    return { secret: toSecretBytes(opts.secret), salt: toSaltBytes(opts.salt) };
  }
  throw codedError(Error, 'ERR_KEY_MISSING', 'secretKey or secret must specified');
}

/**
 * Checks the `format` option; true for the compact format.
 * @param {unknown} format
 */
function isCompact(format) {
  if (format === undefined || format === null) return false;
  if (!FORMATS.includes(format)) {
    throw codedError(
      TypeError,
      'ERR_FORMAT',
      `format must be 'legacy' or 'compact', got ${typeof format === 'string' ? `'${format}'` : describe(format)}`,
    );
  }
  return format === 'compact';
}

/**
 * The SyntaxError a refused cookie raises: koa-session answers it with a fresh session.
 * @param {string} code
 * @param {string} reason
 * @param {string} message
 */
function refusal(code, reason, message) {
  const err = codedError(SyntaxError, code, message);
  err.reason = reason;
  return err;
}

/**
 * The encode/decode hooks over `holder.native`, a NativeCodec that may arrive later.
 * @param {{ native: import('../native/binding.cjs').NativeCodec | null }} holder
 * @param {boolean} compact
 */
function makeHooks(holder, compact) {
  return {
    encode(session) {
      return holder.native.seal(JSON.stringify(session), compact);
    },
    decode(cookie) {
      if (typeof cookie !== 'string') {
        throw refusal('ERR_COOKIE_MALFORMED', 'malformed', `cookie must be a string, got ${describe(cookie)}`);
      }
      let opened;
      try {
        opened = holder.native.open(cookie);
      } catch (err) {
        throw refusal(err.code, REASONS[err.code] ?? 'malformed', err.message);
      }
      let value;
      try {
        value = JSON.parse(opened.json);
      } catch {
        throw refusal('ERR_COOKIE_NOT_JSON', 'not-json', 'cookie plaintext is not JSON');
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw refusal(
          'ERR_COOKIE_NOT_OBJECT',
          'not-object',
          `cookie plaintext is JSON ${describe(value)}, not an object`,
        );
      }
      return value;
    },
  };
}

/**
 * The encode/decode pair the middleware gives koa-session, for use without Koa. A `secret` is
 * derived synchronously here (about a second); derive it once with `deriveKey` and pass the
 * result as `secretKey` to avoid blocking.
 * @param {{ secretKey?: string | Uint8Array, secret?: string | Uint8Array, salt?: string | Uint8Array, format?: 'legacy' | 'compact' }} opts
 */
function createCodec(opts) {
  if (!opts || typeof opts !== 'object') {
    throw codedError(TypeError, 'ERR_OPTIONS_REQUIRED', 'opts required: `createCodec(opts)`');
  }
  const compact = isCompact(opts.format);
  const source = keySource(opts);
  const key = source.key ?? native.deriveKeySync(source.secret, source.salt);
  return makeHooks({ native: new native.NativeCodec([key]) }, compact);
}

module.exports = { createCodec, keySource, isCompact, makeHooks };
