// Ending what a credential minted when the credential ends: the unused tickets and the live agent
// sessions of an API key when it is revoked, and those minted for a host user by the host app's
// own door when they sign out everywhere or lose their membership. One transaction each, so a
// ticket cannot be exchanged between the two updates.
import type { Db } from "./connection.ts";
import { statement } from "./statements.ts";

export interface Ended {
  /** Tickets that were still unused and unexpired. */
  tickets: number;
  /** Agent sessions that were still live. */
  sessions: number;
}

/** Ends the tickets matching `ticketWhere` (SQL over agent_ticket) and their sessions. */
function endTickets(db: Db, ticketWhere: string, params: unknown[], now: number): Ended {
  return db.transaction((): Ended => {
    const tickets = statement(
      db,
      `UPDATE agent_ticket SET revoked_at = ?
        WHERE ${ticketWhere} AND consumed_at IS NULL AND revoked_at IS NULL AND expires_at > ?`,
    ).run(now, ...params, now).changes;
    const sessions = statement(
      db,
      `UPDATE agent_session SET revoked_at = ?
        WHERE revoked_at IS NULL AND expires_at > ?
          AND ticket_id IN (SELECT id FROM agent_ticket WHERE ${ticketWhere})`,
    ).run(now, now, ...params).changes;
    return { tickets, sessions };
  })();
}

/** Ends the unused tickets and live agent sessions the API key `apiKeyId` minted. */
export function endTicketsOfApiKey(db: Db, apiKeyId: string, now: number): Ended {
  return endTickets(db, "api_key_id = ?", [apiKeyId], now);
}

/**
 * Ends the unused tickets and live agent sessions minted for the host user `userId` (all of
 * them, or only those for `workspaceId`).
 */
export function endTicketsOfHostUser(
  db: Db,
  userId: string,
  now: number,
  workspaceId?: string,
): Ended {
  return workspaceId === undefined
    ? endTickets(db, "host_user_id = ?", [userId], now)
    : endTickets(db, "host_user_id = ? AND host_workspace_id = ?", [userId, workspaceId], now);
}
