import encryptedSession from './index.cjs';

export type {
  Codec,
  CodecOptions,
  CookieFormat,
  CookieRefusalReason,
  CookieRefusedError,
  EncryptedSessionOptions,
  EncryptedStoreOptions,
  KeyOptions,
  OptionErrorCode,
  RedisClientLike,
  RedisRevocationOptions,
  RevocationErrorCode,
  RevocationOptions,
  Revocations,
  RuntimeErrorCode,
  SecretKey,
  SessionRejectedEvent,
  SessionStore,
  SessionTooLargeEvent,
} from './index.cjs';
export {
  createCodec,
  deriveKey,
  deriveKeySync,
  encryptedSession,
  encryptedStore,
  generateKey,
  memoryRevocations,
  redisRevocations,
} from './index.cjs';
export default encryptedSession;
