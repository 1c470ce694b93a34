// Set-Cookie headers for the cookies this API owns (reading them: readCookie in packages/auth).

export interface CookieOptions {
  /** When the cookie ends, in epoch ms; 0 deletes it. Default: a browser-session cookie. */
  expiresAt?: number;
  /** The server's clock, in epoch ms, to derive Max-Age from. Default Date.now(). */
  now?: number;
  /** Send only over HTTPS. Default true; off only for http://localhost development. */
  secure?: boolean;
  /**
   * For a page framed by another site: `SameSite=None; Secure; Partitioned` (CHIPS), so that
   * the browser keeps the cookie per top-level site and sends it inside that site's frame only.
   * Default false: `SameSite=Lax`.
   */
  partitioned?: boolean;
}

/**
 * A Set-Cookie value: HttpOnly, Path=/, and SameSite=Lax, or for a framed page
 * `SameSite=None; Secure; Partitioned`.
 */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  const partitioned = options.partitioned ?? false;
  const parts = [
    `${name}=${encodeURIComponent(value)}`,
    "Path=/",
    "HttpOnly",
    partitioned ? "SameSite=None" : "SameSite=Lax",
  ];
  if (options.expiresAt !== undefined) {
    const maxAge = Math.max(
      0,
      Math.floor((options.expiresAt - (options.now ?? Date.now())) / 1000),
    );
    parts.push(`Max-Age=${maxAge}`);
    parts.push(`Expires=${new Date(options.expiresAt).toUTCString()}`);
  }
  // SameSite=None and Partitioned are honoured only with Secure (browsers accept it on
  // http://localhost too).
  if (partitioned || (options.secure ?? true)) parts.push("Secure");
  if (partitioned) parts.push("Partitioned");
  return parts.join("; ");
}
