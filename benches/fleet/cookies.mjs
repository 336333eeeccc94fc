// What the fleet proof's driver reads in a session cookie, independently of the processes that
// answered: which key sealed it, and whether it carries this package's metadata.
import sodium from 'sodium-native';
import { createCodec } from '../../index.mjs';
import { COOKIE } from './phases.mjs';

/**
 * @param {Record<string, string>} keys base64 keys by name
 */
export function cookieInspector(keys) {
  const codecs = Object.entries(keys).map(([name, key]) => ({
    name,
    key: Buffer.from(key, 'base64'),
    codec: createCodec({ secretKey: key, key: COOKIE }),
  }));
  const opener = (cookie) =>
    codecs.find(({ codec }) => {
      try {
        codec.decode(cookie);
        return true;
      } catch {
        return false;
      }
    });

  return {
    /** The name of the key that sealed `cookie` (either format), or undefined when none opens it. */
    sealedWith: (cookie) => opener(cookie)?.name,

    /**
     * False for a legacy cookie that koa-encrypted-session sealed from a session that never went
     * through this package (no `$kss` member), true for any other cookie that opens.
     */
    hasMetadata(cookie) {
      const found = opener(cookie);
      if (!found || cookie.includes('.')) return Boolean(found); // compact: `v2.…`; legacy has no '.'
      // Opened as koa-encrypted-session opens it: box;nonce, standard base64, percent-escaped.
      const [box, nonce] = decodeURIComponent(cookie)
        .split(';')
        .map((part) => Buffer.from(part, 'base64'));
      const plain = Buffer.alloc(box.length - sodium.crypto_secretbox_MACBYTES);
      sodium.crypto_secretbox_open_easy(plain, box, nonce, found.key);
      return Object.hasOwn(JSON.parse(plain), '$kss');
    },
  };
}
