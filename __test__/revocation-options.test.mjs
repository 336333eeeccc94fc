// The revocation factories check their options before connecting to anything, with coded errors
// that say what was expected and what arrived; the middleware can tell their objects by a brand.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { memoryRevocations, redisRevocations } from '../index.mjs';
import { isolatedLib } from './helpers.mjs';

const { isRevocations, extendHorizon } = createRequire(import.meta.url)('../lib/revocations/revocations.cjs');
const URL = 'redis://127.0.0.1:1';

describe('revocation options', () => {
  it('memoryRevocations checks its options', () => {
    assert.throws(() => memoryRevocations('1h'), {
      code: 'ERR_OPTION_VALUE',
      message: 'memoryRevocations(options): options must be an object, got string of 2 characters',
    });
    for (const horizon of [0, -1, '1h', Number.NaN, 20 * 365 * 864e5]) {
      assert.throws(() => memoryRevocations({ horizon }), {
        code: 'ERR_OPTION_VALUE',
        message: /^horizon must be a duration in ms \(a positive number under ten years\), got /,
      });
    }
  });

  it('redisRevocations needs exactly one of url and client', () => {
    assert.throws(() => redisRevocations(), { code: 'ERR_OPTION_VALUE', message: /needs \{ url \} or \{ client \}/ });
    assert.throws(() => redisRevocations({}), { code: 'ERR_OPTION_VALUE', message: /got neither$/ });
    assert.throws(() => redisRevocations({ client: null }), { code: 'ERR_OPTION_VALUE', message: /got neither$/ });
    assert.throws(() => redisRevocations({ url: URL, client: {} }), { code: 'ERR_OPTION_VALUE', message: /got both$/ });
    assert.throws(() => redisRevocations({ url: 6379 }), {
      code: 'ERR_OPTION_VALUE',
      message: 'url must be a Redis URL string, got number',
    });
  });

  it('redisRevocations checks its other options before connecting', () => {
    assert.throws(() => redisRevocations({ url: URL, prefix: 7 }), {
      code: 'ERR_OPTION_VALUE',
      message: 'prefix must be a string, got number',
    });
    assert.throws(() => redisRevocations({ url: URL, onError: 'log' }), {
      code: 'ERR_OPTION_VALUE',
      message: 'onError must be a function, got string of 3 characters',
    });
    assert.throws(() => redisRevocations({ url: URL, horizon: -1 }), { code: 'ERR_OPTION_VALUE', message: /^horizon/ });
    assert.throws(() => redisRevocations({ url: URL, closeTimeout: '2s' }), {
      code: 'ERR_OPTION_VALUE',
      message: /^closeTimeout must be a duration in ms/,
    });
  });

  it('redisRevocations refuses a client it cannot drive, saying what it needs', () => {
    for (const client of [{}, { get() {}, set() {} }, 'redis://x', new Map()]) {
      assert.throws(() => redisRevocations({ client }), {
        code: 'ERR_REDIS_CLIENT',
        message:
          /^client must be an ioredis client or a node-redis client, single or cluster \(with call or sendCommand, and duplicate\), got /,
      });
    }
  });

  it('redisRevocations({ url }) says to install a client library when neither is installed', (t) => {
    const lib = isolatedLib([]);
    t.after(lib.remove);
    const { redisRevocations: isolated } = createRequire(import.meta.url)(lib.module);
    assert.throws(() => isolated({ url: URL }), {
      code: 'ERR_REDIS_CLIENT',
      message:
        'redisRevocations({ url }) needs a Redis client library: install ioredis or redis (npm install ioredis), found neither',
    });
  });

  it('leaves the options object as it was', async () => {
    const options = Object.freeze({ url: URL, prefix: 'p:', horizon: 1000, onError() {} });
    const revocations = redisRevocations(options);
    await revocations.close();
    assert.deepEqual(Object.keys(options), ['url', 'prefix', 'horizon', 'onError']);
  });

  it('isRevocations tells its objects from look-alikes; extendHorizon takes only those', () => {
    const revocations = memoryRevocations();
    assert.equal(isRevocations(revocations), true);
    assert.equal(isRevocations({ ...revocations }), false);
    for (const other of [undefined, null, {}, 'x']) assert.equal(isRevocations(other), false);
    assert.throws(() => extendHorizon({}, 1000), {
      code: 'ERR_OPTION_VALUE',
      message: 'revocations must come from memoryRevocations() or redisRevocations(), got Object',
    });
    assert.throws(() => extendHorizon(revocations), { code: 'ERR_OPTION_VALUE', message: /got undefined$/ });
  });
});
