// Tickets and agent sessions at the SQL level. The in-process races of the security suite never
// reach the consuming UPDATE at the same instant (better-sqlite3 is synchronous), so the
// conditions that make a ticket single-use and a session dead are checked here directly.

import { value } from "@agent-access/db";
import { beforeEach, describe, expect, it } from "vitest";
import { describeEachDialect } from "../test/dialects.ts";
import {
  agentSessionStates,
  consumeTicket,
  createApiKey,
  createUser,
  type Db,
  deleteAuthSession,
  findLiveAgentSession,
  findTicket,
  insertAgentSession,
  insertAuthSession,
  insertTicket,
  type NewTicket,
  observeQueries,
  revokeAgentSession,
  revokeApiKey,
  SESSION_STATES_PER_STATEMENT,
  sha256,
} from "./index.ts";

const NOW = 1_000_000;

let db: Db;
describeEachDialect("agent-access", (suite) => {
  beforeEach(async () => {
    db = await suite.open();
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
    it("returns the ticket once, marking it used at that instant", async () => {
      const id = await insertTicket(db, ticket("aat_once"), NOW);
      expect(await consumeTicket(db, "aat_once", NOW + 5)).toMatchObject({
        id,
        consumed_at: NOW + 5,
        context_group: "workspace:1:user:1",
      });
      expect(await consumeTicket(db, "aat_once", NOW + 6)).toBeUndefined();
      expect((await findTicket(db, "aat_once"))?.consumed_at).toBe(NOW + 5);
    });

    it("refuses an expired ticket, from the instant it expires, and leaves it unused", async () => {
      await insertTicket(db, ticket("aat_late", { expiresAt: NOW + 100 }), NOW);
      expect(await consumeTicket(db, "aat_late", NOW + 100)).toBeUndefined();
      expect(await consumeTicket(db, "aat_late", NOW + 101)).toBeUndefined();
      expect((await findTicket(db, "aat_late"))?.consumed_at).toBeNull();

      await insertTicket(db, ticket("aat_just", { expiresAt: NOW + 100 }), NOW);
      expect(await consumeTicket(db, "aat_just", NOW + 99)).toMatchObject({
        consumed_at: NOW + 99,
      });
    });

    it("refuses a token it never issued, and another ticket's token only finds that one", async () => {
      await insertTicket(db, ticket("aat_a"), NOW);
      const b = await insertTicket(
        db,
        ticket("aat_b", { contextGroup: "workspace:2:user:2" }),
        NOW,
      );
      expect(await consumeTicket(db, "aat_unknown", NOW)).toBeUndefined();
      expect(await consumeTicket(db, "aat_b", NOW)).toMatchObject({
        id: b,
        context_group: "workspace:2:user:2",
      });
      expect((await findTicket(db, "aat_a"))?.consumed_at).toBeNull();
    });

    it("refuses an unused ticket once the key that minted it is revoked, not another key's", async () => {
      const revoked = await createApiKey(db, "revoked", NOW);
      const kept = await createApiKey(db, "kept", NOW);
      await insertTicket(db, ticket("aat_of_revoked", { apiKeyId: revoked.id }), NOW);
      await insertTicket(db, ticket("aat_of_kept", { apiKeyId: kept.id }), NOW);
      expect(await revokeApiKey(db, revoked.id, NOW + 10)).toEqual({ tickets: 1, sessions: 0 });
      expect(await consumeTicket(db, "aat_of_revoked", NOW + 11)).toBeUndefined();
      expect(await findTicket(db, "aat_of_revoked")).toMatchObject({
        consumed_at: null,
        revoked_at: NOW + 10,
      });
      expect(await consumeTicket(db, "aat_of_kept", NOW + 11)).toMatchObject({
        consumed_at: NOW + 11,
      });
    });
  });

  describe("findLiveAgentSession", () => {
    async function session(
      token: string,
      expiresAt = NOW + 60_000,
      apiKeyId: string | null = null,
    ) {
      await insertTicket(db, ticket(`aat_for_${token}`, { expiresAt, apiKeyId }), NOW);
      const consumed = (await consumeTicket(db, `aat_for_${token}`, NOW))!;
      return await insertAgentSession(
        db,
        { token, ticket: consumed, userId: null, signInId: null },
        NOW,
      );
    }

    it("finds a live session by its token, with the ticket's group, agents and expiry", async () => {
      const created = await session("ags_token_live");
      expect(await findLiveAgentSession(db, "ags_token_live", NOW + 1)).toEqual(created);
      expect(created).toMatchObject({
        context_group: "workspace:1:user:1",
        agent_ids: '["workspace-assistant"]',
        expires_at: NOW + 60_000,
        revoked_at: null,
      });
      expect(await findLiveAgentSession(db, "ags_token_other", NOW + 1)).toBeUndefined();
    });

    it("finds no session once it expired, from the instant it expires", async () => {
      await session("ags_token_expiring", NOW + 100);
      expect(await findLiveAgentSession(db, "ags_token_expiring", NOW + 99)).toBeDefined();
      expect(await findLiveAgentSession(db, "ags_token_expiring", NOW + 100)).toBeUndefined();
    });

    it("finds no session once revoked, and a second revocation keeps the first instant", async () => {
      const created = await session("ags_token_revoked");
      await session("ags_token_kept");
      await revokeAgentSession(db, "ags_token_revoked", NOW + 10);
      expect(await findLiveAgentSession(db, "ags_token_revoked", NOW + 11)).toBeUndefined();
      expect(await findLiveAgentSession(db, "ags_token_kept", NOW + 11)).toBeDefined();
      await revokeAgentSession(db, "ags_token_revoked", NOW + 20);
      expect(
        await value(db, "SELECT revoked_at FROM agent_session WHERE id = ?", [created.id]),
      ).toBe(NOW + 10);
    });

    it("finds no session once the key that minted its ticket is revoked, another key's stays", async () => {
      const revoked = await createApiKey(db, "revoked", NOW);
      const kept = await createApiKey(db, "kept", NOW);
      await session("ags_token_of_revoked", NOW + 60_000, revoked.id);
      await session("ags_token_of_kept", NOW + 60_000, kept.id);
      expect(await revokeApiKey(db, revoked.id, NOW + 10)).toEqual({ tickets: 0, sessions: 1 });
      expect(await findLiveAgentSession(db, "ags_token_of_revoked", NOW + 11)).toBeUndefined();
      expect(await findLiveAgentSession(db, "ags_token_of_kept", NOW + 11)).toBeDefined();
    });
  });

  describe("agentSessionStates", () => {
    it("reads each named session with its sign-in, in statements of bounded size", async () => {
      const user = (await createUser(db, {
        email: "ada@example.com",
        name: "Ada",
        passwordHash: "h",
      }))!;
      await insertAuthSession(
        db,
        { sessionId: "raw-sign-in", userId: user.id, expiresAt: NOW + 500 },
        NOW,
      );
      async function session(token: string, signin = false) {
        await insertTicket(
          db,
          ticket(`aat_for_${token}`, signin ? { sessionType: "signin", contextGroup: null } : {}),
          NOW,
        );
        const consumed = (await consumeTicket(db, `aat_for_${token}`, NOW))!;
        return await insertAgentSession(
          db,
          {
            token,
            ticket: consumed,
            userId: signin ? user.id : null,
            signInId: signin ? sha256("raw-sign-in") : null,
          },
          NOW,
        );
      }
      const live = await session("ags_token_state_live");
      const revoked = await session("ags_token_state_revoked");
      await revokeAgentSession(db, "ags_token_state_revoked", NOW + 10);
      const signedIn = await session("ags_token_state_signin", true);
      const signedOut = await session("ags_token_state_signed_out", true);

      // The known ones among many unknown ones, past several statements' worth.
      const unknown = Array.from(
        { length: 2 * SESSION_STATES_PER_STATEMENT + 1 },
        (_, i) => `ags_${i}`,
      );
      const ids = [live.id, ...unknown, revoked.id, signedIn.id, signedOut.id];
      const statements: unknown[][] = [];
      const stop = observeQueries(db, (query) => statements.push([...query.parameters]));
      const before = await agentSessionStates(db, ids);
      await deleteAuthSession(db, "raw-sign-in");
      statements.length = 0;
      const after = await agentSessionStates(db, ids);
      stop();

      const byId = (states: typeof before) =>
        Object.fromEntries(states.map((state) => [state.id, state]));
      expect(byId(before)).toEqual({
        [live.id]: {
          id: live.id,
          session_type: "static",
          user_id: null,
          expires_at: NOW + 60_000,
          revoked_at: null,
          sign_in_user_id: null,
          sign_in_expires_at: null,
          sign_in_created_at: null,
        },
        [revoked.id]: expect.objectContaining({ revoked_at: NOW + 10 }),
        [signedIn.id]: expect.objectContaining({
          session_type: "signin",
          user_id: user.id,
          sign_in_user_id: user.id,
          sign_in_expires_at: NOW + 500,
          sign_in_created_at: NOW,
        }),
        [signedOut.id]: expect.objectContaining({ sign_in_user_id: user.id }),
      });
      // The sign-in gone: both signin sessions say so.
      expect(byId(after)[signedIn.id]).toMatchObject({ user_id: user.id, sign_in_user_id: null });
      expect(byId(after)[signedOut.id]).toMatchObject({ sign_in_user_id: null });
      // One parameter per statement, never more than SESSION_STATES_PER_STATEMENT ids in it.
      expect(statements).toHaveLength(Math.ceil(ids.length / SESSION_STATES_PER_STATEMENT));
      for (const parameters of statements) {
        expect(parameters).toHaveLength(1);
        expect((JSON.parse(String(parameters[0])) as string[]).length).toBeLessThanOrEqual(
          SESSION_STATES_PER_STATEMENT,
        );
      }
    });
  });
});
