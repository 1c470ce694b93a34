export { AccountLock, type AccountLockOptions } from "./account-lock.ts";
export {
  type AttemptSource,
  type Auth,
  type AuthLimits,
  type AuthOptions,
  type CurrentSignIn,
  createAuth,
  normalizeEmail,
  type SignedInResult,
  type SignedInUser,
  type SignIn,
} from "./auth.ts";
export { readCookie, SESSION_COOKIE_NAME, secureCookies } from "./cookie.ts";
export { AuthError, type AuthErrorCode } from "./errors.ts";
export {
  hashPassword,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  verifyPassword,
} from "./password.ts";
export { MIN_PASSWORD_SCORE, passwordWeakness } from "./password-strength.ts";
export {
  ipRateLimitKey,
  type RateLimitResult,
  retryAfterSeconds,
  TokenBucket,
  type TokenBucketOptions,
} from "./rate-limit.ts";
export {
  checkSameOrigin,
  type SameOriginRequest,
  type SameOriginVerdict,
} from "./same-origin.ts";
export {
  SESSION_ABSOLUTE_LIFETIME_DAYS,
  SESSION_LIFETIME_DAYS,
  signInEndsAt,
} from "./sessions.ts";
export {
  type AccountLimiter,
  createAccountLimiter,
  createRateLimiter,
  DatabaseAccountLimiter,
  DatabaseRateLimiter,
  MemoryAccountLimiter,
  MemoryRateLimiter,
  type RateLimiter,
  takeEach,
} from "./shared-limits.ts";
