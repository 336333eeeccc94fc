'use strict';

const native = require('./binding.cjs');
const { codedError, describe } = require('./errors.cjs');

const KEY_BYTES = 32;
const SALT_BYTES = 16;
const MIN_SECRET_BYTES = 32;
const BASE64 = /^(?:[A-Za-z0-9+/]*|[A-Za-z0-9_-]*)={0,2}$/;

/**
 * Checks a `secretKey` option and returns its 32 bytes: a Buffer or Uint8Array as is, a string as
 * base64 (standard or url-safe, padding optional).
 * @param {unknown} secretKey
 * @returns {Uint8Array}
 */
function toKeyBytes(secretKey) {
  let bytes = secretKey;
  if (typeof secretKey === 'string') {
    const text = secretKey.trim();
    if (!BASE64.test(text)) {
      throw codedError(
        TypeError,
        'ERR_KEY_ENCODING',
        `secretKey string must be base64 of ${KEY_BYTES} bytes (as \`gen-key\` prints), got ${describe(secretKey)} that is not base64`,
      );
    }
    bytes = Buffer.from(text, 'base64');
  } else if (!(secretKey instanceof Uint8Array)) {
    throw codedError(
      TypeError,
      'ERR_KEY_TYPE',
      `secretKey must be a string or a Buffer (base64 text or ${KEY_BYTES} bytes), got ${describe(secretKey)}`,
    );
  }
  if (bytes.length !== KEY_BYTES) {
    const hexHint =
      typeof secretKey === 'string' && /^[0-9a-f]{64}$/i.test(secretKey.trim())
        ? "; this looks like hex: pass Buffer.from(key, 'hex')"
        : '';
    throw codedError(
      RangeError,
      'ERR_KEY_LENGTH',
      `secretKey must be ${KEY_BYTES} bytes, got ${bytes.length}${hexHint}`,
    );
  }
  return bytes;
}

/**
 * Checks a passphrase (string as UTF-8, or bytes) and returns its bytes.
 * @param {unknown} secret
 * @returns {Buffer}
 */
function toSecretBytes(secret) {
  if (typeof secret !== 'string' && !(secret instanceof Uint8Array)) {
    throw codedError(TypeError, 'ERR_SECRET_TYPE', `secret must be a string or a Buffer, got ${describe(secret)}`);
  }
  const bytes = Buffer.from(secret);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw codedError(
      RangeError,
      'ERR_SECRET_LENGTH',
      `Invalid key length: opts.secret must be at least ${MIN_SECRET_BYTES} bytes, got ${bytes.length}`,
    );
  }
  return bytes;
}

/**
 * Checks a salt (string as its ASCII bytes, or bytes) and returns its 16 bytes, or undefined for
 * the default salt koa-encrypted-session uses.
 * @param {unknown} salt
 * @returns {Buffer | undefined}
 */
function toSaltBytes(salt) {
  if (salt === undefined || salt === null) return undefined;
  if (typeof salt !== 'string' && !(salt instanceof Uint8Array)) {
    throw codedError(TypeError, 'ERR_SALT_TYPE', `salt must be a string or a Buffer, got ${describe(salt)}`);
  }
  const bytes = typeof salt === 'string' ? Buffer.from(salt, 'ascii') : Buffer.from(salt);
  if (bytes.length !== SALT_BYTES) {
    throw codedError(RangeError, 'ERR_SALT_LENGTH', `salt must be length ${SALT_BYTES}, got ${bytes.length}`);
  }
  return bytes;
}

/**
 * A fresh random 32-byte secret key from libsodium's CSPRNG.
 * @returns {Buffer}
 */
function generateKey() {
  return native.generateKey();
}

/**
 * Derives the 32-byte key koa-encrypted-session derives from `secret` and `salt` (Argon2id,
 * MODERATE limits), on the libuv thread pool so the event loop keeps running.
 * @param {string | Uint8Array} secret at least 32 bytes
 * @param {string | Uint8Array} [salt] 16 bytes; default koa-encrypted-session's
 * @returns {Promise<Buffer>}
 */
async function deriveKey(secret, salt) {
  return native.deriveKey(toSecretBytes(secret), toSaltBytes(salt));
}

/**
 * Like `deriveKey`, but blocks the calling thread (about a second) and returns the key.
 * @param {string | Uint8Array} secret
 * @param {string | Uint8Array} [salt]
 * @returns {Buffer}
 */
function deriveKeySync(secret, salt) {
  return native.deriveKeySync(toSecretBytes(secret), toSaltBytes(salt));
}

module.exports = { toKeyBytes, toSecretBytes, toSaltBytes, generateKey, deriveKey, deriveKeySync };
