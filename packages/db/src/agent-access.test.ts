// Tickets and agent sessions at the SQL level. The in-process races of the security suite never
// reach the consuming UPDATE at the same instant (better-sqlite3 is synchronous), so the
// conditions that make a ticket single-use and a session dead are checked here directly.
import { beforeEach, describe, expect, it } from "vitest";
import {
  consumeTicket,
  createApiKey,
  type Db,
  findLiveAgentSession,
  findTicket,
  insertAgentSession,
  insertTicket,
  migrate,
  type NewTicket,
  openDatabase,
  revokeAgentSession,
  revokeApiKey,
} from "./index.ts";

const NOW = 1_000_000;

let db: Db;
beforeEach(() => {
  db = openDatabase(":memory:");
  migrate(db);
});

function ticket(token: string, overrides: Partial<NewTicket> = {}): NewTicket {
  return {
    token,
    agentIds: ["workspace-assistant"],
    sessionType: "static",
    contextGroup: "workspace:1:user:1",
    issuer: "key_test",
    expiresAt: NOW + 60_000,
    ...overrides,
  };
}

describe("consumeTicket", () => {
  it("returns the ticket once, marking it used at that instant", () => {
    const id = insertTicket(db, ticket("aat_once"), NOW);
    expect(consumeTicket(db, "aat_once", NOW + 5)).toMatchObject({
      id,
      consumed_at: NOW + 5,
      context_group: "workspace:1:user:1",
    });
    expect(consumeTicket(db, "aat_once", NOW + 6)).toBeUndefined();
    expect(findTicket(db, "aat_once")?.consumed_at).toBe(NOW + 5);
  });

  it("refuses an expired ticket, from the instant it expires, and leaves it unused", () => {
    insertTicket(db, ticket("aat_late", { expiresAt: NOW + 100 }), NOW);
    expect(consumeTicket(db, "aat_late", NOW + 100)).toBeUndefined();
    expect(consumeTicket(db, "aat_late", NOW + 101)).toBeUndefined();
    expect(findTicket(db, "aat_late")?.consumed_at).toBeNull();

    insertTicket(db, ticket("aat_just", { expiresAt: NOW + 100 }), NOW);
    expect(consumeTicket(db, "aat_just", NOW + 99)).toMatchObject({ consumed_at: NOW + 99 });
  });

  it("refuses a token it never issued, and another ticket's token only finds that one", () => {
    insertTicket(db, ticket("aat_a"), NOW);
    const b = insertTicket(db, ticket("aat_b", { contextGroup: "workspace:2:user:2" }), NOW);
    expect(consumeTicket(db, "aat_unknown", NOW)).toBeUndefined();
    expect(consumeTicket(db, "aat_b", NOW)).toMatchObject({
      id: b,
      context_group: "workspace:2:user:2",
    });
    expect(findTicket(db, "aat_a")?.consumed_at).toBeNull();
  });

  it("refuses an unused ticket once the key that minted it is revoked, not another key's", () => {
    const revoked = createApiKey(db, "revoked", NOW);
    const kept = createApiKey(db, "kept", NOW);
    insertTicket(db, ticket("aat_of_revoked", { apiKeyId: revoked.id }), NOW);
    insertTicket(db, ticket("aat_of_kept", { apiKeyId: kept.id }), NOW);
    expect(revokeApiKey(db, revoked.id, NOW + 10)).toEqual({ tickets: 1, sessions: 0 });
    expect(consumeTicket(db, "aat_of_revoked", NOW + 11)).toBeUndefined();
    expect(findTicket(db, "aat_of_revoked")).toMatchObject({
      consumed_at: null,
      revoked_at: NOW + 10,
    });
    expect(consumeTicket(db, "aat_of_kept", NOW + 11)).toMatchObject({ consumed_at: NOW + 11 });
  });
});

describe("findLiveAgentSession", () => {
  function session(token: string, expiresAt = NOW + 60_000, apiKeyId: string | null = null) {
    insertTicket(db, ticket(`aat_for_${token}`, { expiresAt, apiKeyId }), NOW);
    const consumed = consumeTicket(db, `aat_for_${token}`, NOW)!;
    return insertAgentSession(db, { token, ticket: consumed, userId: null, signInId: null }, NOW);
  }

  it("finds a live session by its token, with the ticket's group, agents and expiry", () => {
    const created = session("ags_token_live");
    expect(findLiveAgentSession(db, "ags_token_live", NOW + 1)).toEqual(created);
    expect(created).toMatchObject({
      context_group: "workspace:1:user:1",
      agent_ids: '["workspace-assistant"]',
      expires_at: NOW + 60_000,
      revoked_at: null,
    });
    expect(findLiveAgentSession(db, "ags_token_other", NOW + 1)).toBeUndefined();
  });

  it("finds no session once it expired, from the instant it expires", () => {
    session("ags_token_expiring", NOW + 100);
    expect(findLiveAgentSession(db, "ags_token_expiring", NOW + 99)).toBeDefined();
    expect(findLiveAgentSession(db, "ags_token_expiring", NOW + 100)).toBeUndefined();
  });

  it("finds no session once revoked, and a second revocation keeps the first instant", () => {
    const created = session("ags_token_revoked");
    session("ags_token_kept");
    revokeAgentSession(db, "ags_token_revoked", NOW + 10);
    expect(findLiveAgentSession(db, "ags_token_revoked", NOW + 11)).toBeUndefined();
    expect(findLiveAgentSession(db, "ags_token_kept", NOW + 11)).toBeDefined();
    revokeAgentSession(db, "ags_token_revoked", NOW + 20);
    expect(
      db.prepare("SELECT revoked_at FROM agent_session WHERE id = ?").pluck().get(created.id),
    ).toBe(NOW + 10);
  });

  it("finds no session once the key that minted its ticket is revoked, another key's stays", () => {
    const revoked = createApiKey(db, "revoked", NOW);
    const kept = createApiKey(db, "kept", NOW);
    session("ags_token_of_revoked", NOW + 60_000, revoked.id);
    session("ags_token_of_kept", NOW + 60_000, kept.id);
    expect(revokeApiKey(db, revoked.id, NOW + 10)).toEqual({ tickets: 0, sessions: 1 });
    expect(findLiveAgentSession(db, "ags_token_of_revoked", NOW + 11)).toBeUndefined();
    expect(findLiveAgentSession(db, "ags_token_of_kept", NOW + 11)).toBeDefined();
  });
});
