// useTicketPreview: what a ticket from a link offers, beside the session the browser holds,
// before anything is exchanged. A page opened from a link asks the user before a ticket of
// another context group replaces their session: the link may have been planted by someone else
// (session fixation), and what the user then typed would land in that someone's group.

import type { RouterOutputs } from "@agent-access/api";
import { retryUnlessRefused, toError, trpc } from "./trpc.ts";

export type TicketPreview = RouterOutputs["session"]["preview"];

export interface TicketPreviewState {
  /** The preview, once read; null while loading, without a ticket, or when refused. */
  preview: TicketPreview | null;
  loading: boolean;
  /** Why the ticket cannot be previewed (unknown, used, expired, too many failures). */
  error: Error | null;
}

/** Reads what `ticket` offers (session.preview), without using it. */
export function useTicketPreview(ticket: string | null | undefined): TicketPreviewState {
  const query = trpc.session.preview.useQuery(
    { ticket: ticket ?? "" },
    { enabled: Boolean(ticket), retry: retryUnlessRefused, staleTime: Number.POSITIVE_INFINITY },
  );
  return {
    preview: query.data ?? null,
    loading: Boolean(ticket) && query.isPending,
    error: query.error ? toError(query.error) : null,
  };
}
