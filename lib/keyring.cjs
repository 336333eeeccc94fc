'use strict';

const native = require('./binding.cjs');
const { codedError } = require('./errors.cjs');
const { toKeyBytes, toSecretBytes, toSaltBytes } = require('./keys.cjs');

/** `value` as a list: itself when it is an array, else a list of one. */
const listOf = (value) => (Array.isArray(value) ? value : [value]);

/** True when `value` is a non-empty array of entries or a single present entry. */
function present(value) {
  return Array.isArray(value) ? value.length > 0 : value !== undefined && value !== null;
}

/**
 * Checks the key options and returns where the keys come from, newest first: `{ keys }` for
 * `secretKey`, `{ secrets, salt }` for passphrases still to derive. `secretKey` wins when both
 * are given, as in koa-encrypted-session. Either may be an array for key rotation.
 * @param {{ secretKey?: unknown, secret?: unknown, salt?: unknown }} opts
 */
function keySource(opts) {
  if (present(opts.secretKey)) return { keys: listOf(opts.secretKey).map(toKeyBytes) };
  if (present(opts.secret)) return { secrets: listOf(opts.secret).map(toSecretBytes), salt: toSaltBytes(opts.salt) };
  throw codedError(Error, 'ERR_KEY_MISSING', 'secretKey or secret must specified');
}

/**
 * What a keyring is for: the cookie named `name` (written compact or legacy), or the values of
 * `encryptedStore`. Each purpose has its own subkeys of every configured key.
 * @typedef {{ cookie: string, compact: boolean } | { store: true }} KeyringUse
 */

/**
 * A native keyring over `keys` for `use`, after which the copies this package made of the keys
 * are zeroed (a Buffer or Uint8Array the caller passed is theirs and left alone).
 * @param {Uint8Array[]} keys
 * @param {KeyringUse} use
 * @param {unknown[]} given the values the caller passed, to tell our copies from theirs
 */
function keyring(keys, use, given = []) {
  const ring = use.store ? native.createStoreKeyring(keys) : native.createCookieKeyring(keys, use.cookie, use.compact);
  for (const key of keys) if (!given.includes(key)) key.fill(0);
  return ring;
}

/**
 * The keyring for a key source: at once for `{ keys }`; for `{ secrets, salt }`, derived on the
 * thread pool (a promise) or, with `sync`, on this thread. The passphrase copies are zeroed after.
 * @param {{ keys?: Uint8Array[], secrets?: Buffer[], salt?: Buffer }} source from `keySource`
 * @param {unknown} secretKey the caller's `secretKey` option, whose Buffers are left alone
 * @param {KeyringUse} use
 * @param {{ sync?: boolean }} [options]
 */
function keyringFor(source, secretKey, use, { sync = false } = {}) {
  if (source.keys) return keyring(source.keys, use, listOf(secretKey));
  const done = (keys) => {
    for (const secret of source.secrets) secret.fill(0);
    return keyring(keys, use);
  };
  if (sync) return done(source.secrets.map((secret) => native.deriveKeySync(secret, source.salt)));
  return Promise.all(source.secrets.map((secret) => native.deriveKey(secret, source.salt))).then(done);
}

module.exports = { keySource, keyringFor };
