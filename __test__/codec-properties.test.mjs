// Properties over arbitrary sessions: decode(encode(x)) gives back JSON's view of x, in both
// formats, and changing any single byte of the cookie makes decode refuse it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createCodec } from '../index.mjs';
import { KEY } from './helpers.mjs';

const codecs = { legacy: createCodec({ secretKey: KEY }), compact: createCodec({ secretKey: KEY, format: 'compact' }) };
const session = fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 8 });

describe('codec properties', () => {
  for (const [name, codec] of Object.entries(codecs)) {
    it(`${name}: round-trips arbitrary JSON sessions`, () => {
      fc.assert(
        fc.property(session, (value) => {
          assert.deepEqual(codec.decode(codec.encode(value)), JSON.parse(JSON.stringify(value)));
        }),
        { numRuns: 500 },
      );
    });

    it(`${name}: refuses any single changed byte`, () => {
      fc.assert(
        fc.property(session, fc.nat(), fc.integer({ min: 1, max: 255 }), (value, at, delta) => {
          const cookie = codec.encode(value);
          const raw = name === 'compact' ? Buffer.from(cookie.slice(3), 'base64url') : null;
          let forged;
          if (raw) {
            raw[at % raw.length] ^= delta;
            forged = `v1.${raw.toString('base64url')}`;
          } else {
            const [box, nonce] = decodeURIComponent(cookie).split(';');
            const bytes = Buffer.concat([Buffer.from(box, 'base64'), Buffer.from(nonce, 'base64')]);
            const boxLength = Buffer.from(box, 'base64').length;
            bytes[at % bytes.length] ^= delta;
            forged = encodeURIComponent(
              `${bytes.subarray(0, boxLength).toString('base64')};${bytes.subarray(boxLength).toString('base64')}`,
            );
          }
          assert.throws(() => codec.decode(forged), SyntaxError);
        }),
        { numRuns: 1000 },
      );
    });
  }
});
