// Ending what a credential minted when the credential ends: the unused tickets and the live agent
// sessions of an API key when it is revoked, and those minted for a host user by the host app's
// own door when they sign out everywhere or lose their membership. One transaction each, so a
// ticket cannot be exchanged between the two updates.
import type { Db } from "./connection.ts";
import { run, transaction } from "./sql.ts";

export interface Ended {
  /** Tickets that were still unused and unexpired. */
  tickets: number;
  /** Agent sessions that were still live. */
  sessions: number;
}

/** Ends the tickets matching `ticketWhere` (SQL over agent_ticket) and their sessions. */
function endTickets(db: Db, ticketWhere: string, params: unknown[], now: number): Promise<Ended> {
  return transaction(db, async (tx): Promise<Ended> => {
    const tickets = await run(
      tx,
      `UPDATE agent_ticket SET revoked_at = ?
        WHERE ${ticketWhere} AND consumed_at IS NULL AND revoked_at IS NULL AND expires_at > ?`,
      [now, ...params, now],
    );
    const sessions = await run(
      tx,
      `UPDATE agent_session SET revoked_at = ?
        WHERE revoked_at IS NULL AND expires_at > ?
          AND ticket_id IN (SELECT id FROM agent_ticket WHERE ${ticketWhere})`,
      [now, now, ...params],
    );
    return { tickets, sessions };
  });
}

/** Ends the unused tickets and live agent sessions the API key `apiKeyId` minted. */
export function endTicketsOfApiKey(db: Db, apiKeyId: string, now: number): Promise<Ended> {
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
): Promise<Ended> {
  return workspaceId === undefined
    ? endTickets(db, "host_user_id = ?", [userId], now)
    : endTickets(db, "host_user_id = ? AND host_workspace_id = ?", [userId, workspaceId], now);
}
