'use strict';

const { encryptedSession } = require('./lib/koa/middleware.cjs');
const { encryptedStore } = require('./lib/koa/store.cjs');
const { createCodec } = require('./lib/codec.cjs');
const { generateKey, deriveKey, deriveKeySync } = require('./lib/keys.cjs');
const { memoryRevocations } = require('./lib/revocations/revocations.cjs');
const { redisRevocations } = require('./lib/revocations/redis.cjs');

// `require('koa-sodium-session')` is the middleware factory itself, with the rest as properties.
module.exports = encryptedSession;
Object.assign(module.exports, {
  default: encryptedSession,
  encryptedSession,
  createCodec,
  encryptedStore,
  generateKey,
  deriveKey,
  deriveKeySync,
  memoryRevocations,
  redisRevocations,
});
