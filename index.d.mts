import encryptedSession from './index.cjs';

export type {
  Codec,
  CodecOptions,
  CookieFormat,
  CookieRefusalReason,
  CookieRefusedError,
  EncryptedSessionOptions,
  KeyOptions,
  OptionErrorCode,
  RuntimeErrorCode,
  SecretKey,
  SessionRejectedEvent,
  SessionTooLargeEvent,
} from './index.cjs';
export { createCodec, deriveKey, deriveKeySync, encryptedSession, generateKey } from './index.cjs';
export default encryptedSession;
