// Set-Cookie headers for the cookies this API owns (reading them: readCookie in packages/auth).

export interface CookieOptions {
  /** When the cookie ends, in epoch ms; 0 deletes it. Default: a browser-session cookie. */
  expiresAt?: number;
  /** The server's clock, in epoch ms, to derive Max-Age from. Default Date.now(). */
  now?: number;
  /** Send only over HTTPS. Default true; off only for http://localhost development. */
  secure?: boolean;
}

/** A Set-Cookie value: HttpOnly, SameSite=Lax, Path=/, as every cookie of this API is. */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, "Path=/", "HttpOnly", "SameSite=Lax"];
  if (options.expiresAt !== undefined) {
    const maxAge = Math.max(
      0,
      Math.floor((options.expiresAt - (options.now ?? Date.now())) / 1000),
    );
    parts.push(`Max-Age=${maxAge}`);
    parts.push(`Expires=${new Date(options.expiresAt).toUTCString()}`);
  }
  if (options.secure ?? true) parts.push("Secure");
  return parts.join("; ");
}
