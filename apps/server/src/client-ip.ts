// The client's IP address, which rate limits count by.

/**
 * The socket's peer address; with `trustProxy`, the last X-Forwarded-For entry instead: the
 * address that the one reverse proxy in front of us saw. Entries before it are whatever the
 * client wrote, so they are never trusted. Without a proxy, X-Forwarded-For is ignored
 * altogether: anyone can send it.
 */
export function clientIp(
  remoteAddress: string | undefined,
  forwardedFor: string | null,
  trustProxy: boolean,
): string {
  if (trustProxy && forwardedFor) {
    const last = forwardedFor.split(",").at(-1)?.trim();
    if (last) return last;
  }
  return remoteAddress ?? "unknown";
}
