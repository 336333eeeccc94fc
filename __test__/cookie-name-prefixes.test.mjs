// Cookie names with a prefix browsers enforce are checked at construction: a __Host- or __Secure-
// cookie set without what its prefix demands is dropped by the browser without a word.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Koa from 'koa';
import encryptedSession from '../index.mjs';
import { KEY } from './helpers.mjs';

const make = (opts) => encryptedSession({ secretKey: KEY, ...opts }, new Koa());

describe('cookie name prefixes', () => {
  it('__Host- misuse is refused: it needs secure, path / and no domain', () => {
    for (const [opts, says] of [
      [{ key: '__Host-sid' }, /needs secure: true \(got undefined\)/],
      [{ key: '__Host-sid', secure: true, path: '/app' }, /needs path: '\/' \(got '\/app'\)/],
      [{ key: '__host-sid', secure: true, domain: 'example.com' }, /needs no domain \(got 'example.com'\)/],
      [{ key: '__Host-sid', secure: false, path: '/a', domain: 'x.org' }, /secure: true .*, path: '\/' .*, no domain/],
    ]) {
      assert.throws(() => make(opts), { code: 'ERR_OPTION_VALUE', message: says });
    }
    assert.doesNotThrow(() => make({ key: '__Host-sid', secure: true }));
    assert.doesNotThrow(() => make({ key: '__Host-sid', secure: true, path: '/' }));
  });

  it('__Secure- misuse is refused: it needs secure', () => {
    assert.throws(() => make({ key: '__Secure-sid' }), {
      code: 'ERR_OPTION_VALUE',
      message: /a cookie named __Secure-sid needs secure: true .*browsers drop a __Secure- cookie/,
    });
    assert.doesNotThrow(() => make({ key: '__Secure-sid', secure: true, path: '/app', domain: 'example.com' }));
  });

  it('other names are left alone', () => {
    assert.doesNotThrow(() => make({ key: '_Host-sid' }));
    assert.doesNotThrow(() => make({ key: 'Host-sid', path: '/app' }));
  });
});
