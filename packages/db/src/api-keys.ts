// Backend API keys: shown once at creation, kept only as a SHA-256 with a short visible prefix.
import type { Db } from "./connection.ts";
import { type Ended, endTicketsOfApiKey } from "./revocation.ts";
import { newId, newSecret, sha256 } from "./secrets.ts";
import { all, get, run, transaction } from "./sql.ts";

/** What a key may do: mint tickets, read conversations and usage, erase them, or all of it. */
export type ApiKeyScope = "tickets" | "read" | "erase" | "all";

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  scope: ApiKeyScope;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface CreatedApiKey {
  id: string;
  name: string;
  /** The secret itself. It exists only in this value: the database keeps its hash. */
  key: string;
  scope: ApiKeyScope;
}

const KEY_PREFIX = "aak_";
const VISIBLE_PREFIX_LENGTH = 12;

export async function createApiKey(
  db: Db,
  name: string,
  now = Date.now(),
  scope: ApiKeyScope = "all",
): Promise<CreatedApiKey> {
  const id = newId("key");
  const key = newSecret(KEY_PREFIX);
  await run(
    db,
    "INSERT INTO api_key (id, name, prefix, secret_hash, created_at, scope) VALUES (?, ?, ?, ?, ?, ?)",
    [id, name, key.slice(0, VISIBLE_PREFIX_LENGTH), sha256(key), now, scope],
  );
  return { id, name, key, scope };
}

export function listApiKeys(db: Db): Promise<ApiKeyRow[]> {
  return all<ApiKeyRow>(
    db,
    "SELECT id, name, prefix, scope, created_at, last_used_at, revoked_at FROM api_key ORDER BY created_at, id",
  );
}

/**
 * Revokes a key and ends what it minted: its unused tickets and the live agent sessions they
 * became. Returns how many of each it ended, or null when no such key exists. Revoking twice
 * keeps the first time.
 */
export function revokeApiKey(db: Db, id: string, now = Date.now()): Promise<Ended | null> {
  return transaction(db, async (tx) => {
    const found = await get(tx, "SELECT 1 AS found FROM api_key WHERE id = ?", [id]);
    if (found === undefined) return null;
    await run(tx, "UPDATE api_key SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", [
      now,
      id,
    ]);
    return endTicketsOfApiKey(tx, id, now);
  });
}

export type ApiKeyCheck =
  | { status: "valid"; key: ApiKeyRow }
  | { status: "revoked"; key: ApiKeyRow }
  | { status: "unknown" };

/** Looks a presented key up by its hash and, when it is valid, records its use. */
export async function checkApiKey(
  db: Db,
  presented: string,
  now = Date.now(),
): Promise<ApiKeyCheck> {
  const key = await get<ApiKeyRow>(
    db,
    "SELECT id, name, prefix, scope, created_at, last_used_at, revoked_at FROM api_key WHERE secret_hash = ?",
    [sha256(presented)],
  );
  if (!key) return { status: "unknown" };
  if (key.revoked_at !== null) return { status: "revoked", key };
  await run(db, "UPDATE api_key SET last_used_at = ? WHERE id = ?", [now, key.id]);
  return { status: "valid", key: { ...key, last_used_at: now } };
}
