'use strict';

// Secret keys as users give them (`secretKey`, or `secret` passphrases with a `salt`), checked at
// the boundary with messages that say what arrived, and turned into native keyrings. The lengths
// are the native core's (it owns them); it also refuses any other length, should one get past.

const native = require('./native.cjs');
const { codedError, describe } = require('./errors.cjs');

const { KEY_BYTES, SALT_BYTES, MIN_SECRET_BYTES } = native;
const BASE64 = /^(?:[A-Za-z0-9+/]*|[A-Za-z0-9_-]*)={0,2}$/;

/**
 * `value` as a list (itself when it is an array, else a list of one), refusing arrays with holes
 * or missing entries, which would otherwise reach the native layer as `undefined`.
 * @param {string} name the option, for the message
 * @param {unknown} value
 * @returns {unknown[]}
 */
function listOf(name, value) {
  if (!Array.isArray(value)) return [value];
  for (let i = 0; i < value.length; i++) {
    if (!(i in value) || value[i] === undefined || value[i] === null) {
      throw codedError(
        TypeError,
        name === 'secretKey' ? 'ERR_KEY_TYPE' : 'ERR_SECRET_TYPE',
        `${name}[${i}] is missing: every entry of the ${name} array must be a key, newest first, got ${i in value ? describe(value[i]) : 'a hole'}`,
      );
    }
  }
  return value;
}

/** True when `value` is a non-empty array or a single present entry. */
const present = (value) => (Array.isArray(value) ? value.length > 0 : value !== undefined && value !== null);

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
 * Checks a passphrase (string as UTF-8, or bytes) and returns a copy of its bytes.
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
 * Checks a salt (string as its ASCII bytes, or bytes) and returns a copy of its 16 bytes, or
 * undefined for the default salt koa-encrypted-session uses.
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
 * Where the keys come from, newest first, each checked: `{ keys, given }` for `secretKey` (`given`
 * the caller's own values, left alone), `{ secrets, salt }` for passphrases still to derive.
 * `secretKey` wins when both are given, as in koa-encrypted-session. Either may be an array for
 * key rotation.
 * @param {{ secretKey?: unknown, secret?: unknown, salt?: unknown }} opts
 */
function keySource({ secretKey, secret, salt }) {
  if (present(secretKey)) {
    const given = listOf('secretKey', secretKey);
    return { keys: given.map(toKeyBytes), given };
  }
  if (present(secret)) return { secrets: listOf('secret', secret).map(toSecretBytes), salt: toSaltBytes(salt) };
  // koa-encrypted-session's words first; then what arrived, most often an unset environment variable.
  throw codedError(
    Error,
    'ERR_KEY_MISSING',
    `secretKey or secret must specified: got secretKey ${describe(secretKey)} and secret ${describe(secret)} (is the variable that holds the key set? \`npx gen-key\` makes a key)`,
  );
}

/**
 * The keyring `make(keys)` builds over a key source: at once for `{ keys }`; for `{ secrets,
 * salt }`, derived on the thread pool (a promise) or, with `sync`, on this thread. The copies of
 * keys and passphrases this package made are zeroed after; a Buffer the caller passed is theirs.
 * @template Ring
 * @param {ReturnType<typeof keySource>} source
 * @param {(keys: Uint8Array[]) => Ring} make
 * @param {{ sync?: boolean }} [options]
 * @returns {Ring | Promise<Ring>}
 */
function keyringFor(source, make, { sync = false } = {}) {
  const build = (keys, ours) => {
    try {
      return make(keys);
    } finally {
      for (const key of keys) if (ours(key)) key.fill(0);
    }
  };
  if (source.keys) return build(source.keys, (key) => !source.given.includes(key));
  const forget = () => {
    for (const secret of source.secrets) secret.fill(0);
  };
  if (sync) {
    try {
      return build(
        source.secrets.map((secret) => native.deriveKeySync(secret, source.salt)),
        () => true,
      );
    } finally {
      forget();
    }
  }
  return Promise.all(source.secrets.map((secret) => native.deriveKey(secret, source.salt)))
    .finally(forget)
    .then((keys) => build(keys, () => true));
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

module.exports = { keySource, keyringFor, generateKey, deriveKey, deriveKeySync };
