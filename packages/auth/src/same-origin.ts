// The same-origin (CSRF) check for every request that may change state. Pure: it reads the
// request's method, URL and headers and decides; the server applies it before any route runs.
//
// The rule, for every method other than GET, HEAD and OPTIONS (which never change state here):
// 1. With an Origin header, the origin must be PUBLIC_URL's or the request's own. Anything else,
//    "null" included, is refused.
// 2. Without Origin, Sec-Fetch-Site must be "same-origin".
// 3. With neither, the request passes only if it carries no cookies. Browsers send Origin on
//    every cross-origin POST, PUT, PATCH and DELETE, so a request that names no origin is not a
//    browser's cross-site request; it is a server-to-server call (a backend with its API key, in
//    `Authorization: Bearer`). Such a call carries no ambient credentials, which are what a
//    forged request would abuse. A cookie-bearing request that hides its origin is refused.

export interface SameOriginRequest {
  method: string;
  url: string;
  headers: Headers;
}

export type SameOriginVerdict = { allowed: true } | { allowed: false; reason: string };

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

// PUBLIC_URL's origin, kept rather than parsed again for every request (a server has one
// PUBLIC_URL, tests a few; the bound keeps it small whatever a caller passes).
const origins = new Map<string, string>();
function originOf(publicUrl: string): string {
  let origin = origins.get(publicUrl);
  if (origin === undefined) {
    origin = new URL(publicUrl).origin;
    if (origins.size < 64) origins.set(publicUrl, origin);
  }
  return origin;
}

/** Decides whether `request` may go on; `publicUrl` is the app's public origin (PUBLIC_URL). */
export function checkSameOrigin(request: SameOriginRequest, publicUrl: string): SameOriginVerdict {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return { allowed: true };
  const publicOrigin = originOf(publicUrl);
  const origin = request.headers.get("origin");
  if (origin !== null) {
    if (origin === publicOrigin || origin === new URL(request.url).origin) return { allowed: true };
    return {
      allowed: false,
      reason: `cross-origin request refused: this app accepts changes only from ${publicOrigin}, not from ${origin}`,
    };
  }
  const site = request.headers.get("sec-fetch-site");
  if (site !== null) {
    if (site === "same-origin") return { allowed: true };
    return {
      allowed: false,
      reason: `cross-origin request refused: Sec-Fetch-Site is ${site}; changes must come from ${publicOrigin}`,
    };
  }
  if (request.headers.has("cookie")) {
    return {
      allowed: false,
      reason:
        "request refused: it carries cookies but no Origin or Sec-Fetch-Site header; send it from the app's own pages",
    };
  }
  return { allowed: true };
}
