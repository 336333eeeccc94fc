// The package's side of interop/python/check.py: reads a request (JSON) on stdin, opens the values
// the Python reader sealed, seals sessions for it to open, and writes the results (JSON) to stdout.
// Cookies go through createCodec, as an app without Koa would use it; tokens, flags and store values
// through the native keyrings the middleware uses.
import { createRequire } from 'node:module';
import { text } from 'node:stream/consumers';
import { createCodec } from '../../index.mjs';

const require = createRequire(import.meta.url);
const native = require('../../lib/native.cjs');
const { openValue, sealValue } = require('../../lib/sealed.cjs');

const MAX_COOKIES = 5;
const ROOM = 2000;

const request = JSON.parse(await text(process.stdin));
const keys = request.keys.map((key) => Buffer.from(key, 'base64'));
const { name } = request;
const codecs = Object.fromEntries(
  ['compact', 'legacy'].map((format) => [
    format,
    createCodec({ secretKey: keys, key: name, format, maxCookies: MAX_COOKIES, maxTotalCookieBytes: 64 * 1024 }),
  ]),
);
const cookieRing = native.createCookieKeyring(keys, name, true, MAX_COOKIES * native.MAX_COOKIE_CHARS, 0);
const storeRing = native.createStoreKeyring(keys, 1024 * 1024);

/** What a value opened to, as check.py compares it, or the refusal. */
function outcome(open) {
  try {
    const { session, token, stale, adopted } = open();
    return { session, token, stale, adopted };
  } catch (err) {
    return { error: { code: err.code, reason: err.reason, message: err.message } };
  }
}

/** Opens one case: the session through createCodec, the token and flags through the keyring. */
function openCase(entry) {
  if (entry.kind === 'store') {
    return outcome(() => {
      const storeKeys = storeRing.storeKeys(name, entry.store_id);
      if (JSON.stringify(storeKeys) !== JSON.stringify(entry.store_keys)) throw new Error(`store keys ${storeKeys}`);
      const opened = openValue(storeRing, entry.value);
      const { k, n, s } = opened.session;
      if (k !== entry.store_id || n !== name) throw new Error(`sealed for ${k} of ${n}`);
      return { ...opened, session: s };
    });
  }
  const cookies = new Map(entry.kind === 'cookies' ? entry.cookies : [[name, entry.cookie]]);
  return outcome(() => {
    const session = codecs.compact.decodeCookies((cookie) => cookies.get(cookie));
    const value = entry.kind === 'cookies' ? entry.cookies.map(([, part]) => part) : [entry.cookie];
    const joined = entry.kind === 'cookies' ? joinParts(value) : value[0];
    return { ...openValue(cookieRing, joined), session };
  });
}

/** The value split parts hold (their headers taken off), for the keyring. */
function joinParts(parts) {
  return parts.map((part, index) => (index === 0 ? part.replace(/^c[0-9]+\.[^.]{8}\./, '') : part.slice(9))).join('');
}

const opened = request.open.map(openCase);
const sealed = request.seal.flatMap((session) => {
  const cookies = ['compact', 'legacy'].map((format) => ({
    format,
    session,
    cookies: codecs[format].encodeCookies(structuredClone(session), ROOM).map((c) => [c.name, c.value]),
  }));
  const storeId = native.newToken().slice(0, native.SESSION_ID_CHARS);
  const { token, value } = sealValue(storeRing, undefined, { k: storeId, n: name, s: session });
  return [...cookies, { format: 'store', session, store_id: storeId, token, value }];
});
process.stdout.write(JSON.stringify({ opened, sealed }));
