// Random identifiers and secrets. Secrets are stored only as their SHA-256, never as given.
import { createHash, randomBytes } from "node:crypto";

/** Hex SHA-256 of a secret: the only form in which a secret reaches the database. */
export function sha256(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** A new secret: `prefix` then 32 random bytes (256 bits) in base64url. */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString("base64url")}`;
}

/** A new row id such as `ctx_3kq9…`: a prefix and 16 random bytes, not secret, just unique. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString("base64url")}`;
}
