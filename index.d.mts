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
  RuntimeErrorCode,
  SecretKey,
  SessionRejectedEvent,
  SessionStore,
  SessionTooLargeEvent,
} from './index.cjs';
export { createCodec, deriveKey, deriveKeySync, encryptedSession, encryptedStore, generateKey } from './index.cjs';
export default encryptedSession;
