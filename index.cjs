'use strict';

const { encryptedSession } = require('./lib/middleware.cjs');
const { createCodec } = require('./lib/codec.cjs');
const { generateKey, deriveKey, deriveKeySync } = require('./lib/keys.cjs');
const { encryptedStore } = require('./lib/store.cjs');
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
