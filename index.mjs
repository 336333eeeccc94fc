import cjs from './index.cjs';

/** koa-session middleware with libsodium-sealed cookies; see README for options. */
export const {
  encryptedSession,
  createCodec,
  encryptedStore,
  generateKey,
  deriveKey,
  deriveKeySync,
  memoryRevocations,
  redisRevocations,
} = cjs;
export default encryptedSession;
