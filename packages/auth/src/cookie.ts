// The sign-in cookie's name and flags, and a forgiving reader for Cookie headers.

/** HttpOnly, SameSite=Lax, Path=/, Secure unless the app runs on this machine. */
export const SESSION_COOKIE_NAME = "auth_session";

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Whether the cookie gets the Secure flag: always, except when PUBLIC_URL's host is localhost,
 * 127.0.0.1 or [::1], where development runs over plain http.
 */
export function secureCookies(publicUrl: string): boolean {
  let secure = secureByUrl.get(publicUrl);
  if (secure === undefined) {
    secure = !LOCAL_HOSTS.has(new URL(publicUrl).hostname);
    // A server has one PUBLIC_URL (tests a few): the answer is kept rather than parsed again
    // for every cookie set (each ticket exchange), within a small bound.
    if (secureByUrl.size < 64) secureByUrl.set(publicUrl, secure);
  }
  return secure;
}

const secureByUrl = new Map<string, boolean>();

/**
 * The value of cookie `name` in a Cookie header, or null. Malformed pairs and bad percent
 * escapes are skipped rather than thrown: a mangled cookie means "not signed in", never a 500.
 */
export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const pair of header.split(";")) {
    const index = pair.indexOf("=");
    if (index === -1 || pair.slice(0, index).trim() !== name) continue;
    try {
      const value = decodeURIComponent(pair.slice(index + 1).trim());
      if (value !== "") return value;
    } catch {
      // A bad escape: this pair is not a usable session id; look at the next one.
    }
  }
  return null;
}
