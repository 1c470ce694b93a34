// Reading request cookies and writing Set-Cookie headers for the cookies this API owns.

/** The cookies a request carries, by name (the first of duplicates wins, as browsers order them). */
export function parseCookies(header: string | null): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const pair of header?.split(";") ?? []) {
    const index = pair.indexOf("=");
    if (index < 0) continue;
    const name = pair.slice(0, index).trim();
    if (name && !cookies.has(name))
      cookies.set(name, decodeURIComponent(pair.slice(index + 1).trim()));
  }
  return cookies;
}

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

/** Cookies are Secure everywhere except on a localhost origin used in development. */
export function secureCookies(publicUrl: string): boolean {
  const { protocol, hostname } = new URL(publicUrl);
  return protocol === "https:" || !["localhost", "127.0.0.1", "[::1]"].includes(hostname);
}
