// A browser's cookie jar for tests, by name: what Set-Cookie sets is sent back, what it clears is
// forgotten. Used over HTTP (the harness, the hooks' test browser) and by the api package's
// router tests, whose callers carry cookies in their request context.

/** Adds the jar's cookies to a request's headers, as a browser would. */
export function sendCookies(cookies: Map<string, string>, headers: Headers): void {
  if (cookies.size === 0) return;
  headers.set("cookie", [...cookies].map(([name, value]) => `${name}=${value}`).join("; "));
}

/** Keeps what a response's Set-Cookie lines set, and forgets what they clear. */
export function keepCookies(cookies: Map<string, string>, response: { headers: Headers }): void {
  for (const line of response.headers.getSetCookie()) {
    const [pair = ""] = line.split(";");
    const index = pair.indexOf("=");
    const name = pair.slice(0, index).trim();
    const value = pair.slice(index + 1).trim();
    if (value === "" || /max-age=0\b/i.test(line)) cookies.delete(name);
    else cookies.set(name, value);
  }
}
