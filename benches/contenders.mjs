// The codecs benchmarked against ours, each as `{ encode, decode }` over the same key, taken from
// the packages themselves rather than re-typed.
import { createRequire } from 'node:module';
import Iron from '@hapi/iron';
import Koa from 'koa';
import legacyEncryptedSession from 'koa-encrypted-session';
import sodium from 'sodium-native';
import { createCodec } from '../index.mjs';

const require = createRequire(import.meta.url);

/** koa-encrypted-session 3.0.7's own hooks: it writes them onto the options object it is given. */
function koaEncryptedSession(key) {
  const opts = { secretKey: key };
  legacyEncryptedSession(opts, new Koa());
  return { encode: opts.encode, decode: opts.decode };
}

/** The same algorithm as koa-encrypted-session, on sodium-native 5 (no koa-session in between). */
function sodiumNative(key) {
  return {
    encode(session) {
      const nonce = Buffer.allocUnsafe(sodium.crypto_secretbox_NONCEBYTES);
      sodium.randombytes_buf(nonce);
      const msg = Buffer.from(JSON.stringify(session));
      const boxed = Buffer.allocUnsafe(msg.length + sodium.crypto_secretbox_MACBYTES);
      sodium.crypto_secretbox_easy(boxed, msg, nonce, key);
      return encodeURIComponent(`${boxed.toString('base64')};${nonce.toString('base64')}`);
    },
    decode(cookie) {
      const [boxed, nonce] = decodeURIComponent(cookie).split(';');
      const cipher = Buffer.from(boxed, 'base64');
      const msg = Buffer.allocUnsafe(cipher.length - sodium.crypto_secretbox_MACBYTES);
      if (!sodium.crypto_secretbox_open_easy(msg, cipher, Buffer.from(nonce, 'base64'), key)) {
        throw new SyntaxError('unable to decrypt');
      }
      return JSON.parse(msg);
    },
  };
}

/** koa-session's default: unencrypted base64 JSON (the lower bound; it protects nothing). */
function koaSessionPlain() {
  const util = require('koa-session/lib/util');
  return { encode: util.encode, decode: util.decode };
}

/** @hapi/iron, what iron-session users pay (AES-256-CBC + HMAC-SHA-256, asynchronous). */
function iron(key) {
  const password = key.toString('hex');
  return {
    async: true,
    encode: (session) => Iron.seal(session, password, Iron.defaults),
    decode: (sealed) => Iron.unseal(sealed, password, Iron.defaults),
  };
}

/** Every contender by name, over `key`. */
export function contenders(key) {
  return {
    'koa-sodium-session (compact)': createCodec({ secretKey: key, format: 'compact' }),
    'koa-sodium-session (legacy)': createCodec({ secretKey: key }),
    'koa-encrypted-session 3.0.7': koaEncryptedSession(key),
    'sodium-native 5, same algorithm': sodiumNative(key),
    'koa-session base64 JSON (no crypto)': koaSessionPlain(),
    '@hapi/iron': iron(key),
  };
}
