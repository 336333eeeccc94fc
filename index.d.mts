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
  SecretKey,
} from './index.cjs';
export { createCodec, deriveKey, deriveKeySync, encryptedSession, generateKey } from './index.cjs';
export default encryptedSession;
