// FRAME_ANCESTORS: the origins that may show the vanity page in a frame. Parsed strictly, since
// each one lands in the Content-Security-Policy and turns the agent session cookie into a
// partitioned `SameSite=None` one: exact origins only (no paths, wildcards or CSP keywords),
// https, or http for localhost while developing.
import { z } from "zod";

/** The most origins FRAME_ANCESTORS may list. */
export const FRAME_ANCESTORS_MAX = 32;

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Why `entry` is not an origin a frame may come from, or null when it is one. */
function originProblem(entry: string): string | null {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return `"${entry}" is not an origin such as https://app.example.com`;
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOCAL_HOSTS.has(url.hostname))) {
    return `"${entry}" must use https (http only for localhost)`;
  }
  const plainHost = /^([a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/.test(url.hostname);
  if (!plainHost || entry.replace(/\/$/, "") !== url.origin) {
    return `"${entry}" must be an origin alone (scheme, host and port; no path, query or wildcard)`;
  }
  return null;
}

/** The variable's schema: origins separated by commas or spaces; unset or empty for none. */
export const frameAncestorsSchema = z
  .string()
  .transform((value, ctx) => {
    const entries = [...new Set(value.split(/[\s,]+/).filter(Boolean))];
    if (entries.length > FRAME_ANCESTORS_MAX) {
      ctx.addIssue({ code: "custom", message: `lists more than ${FRAME_ANCESTORS_MAX} origins` });
      return z.NEVER;
    }
    const problems = entries.map(originProblem).filter((problem) => problem !== null);
    if (problems.length > 0) {
      ctx.addIssue({ code: "custom", message: problems.join("; ") });
      return z.NEVER;
    }
    return entries.map((entry) => new URL(entry).origin);
  })
  .default([]);
