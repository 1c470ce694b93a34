// A tRPC link in front of the transport that keeps requests in step with the agent session:
// it holds them while an exchange is in flight, and sends a query or mutation that the server
// refused for want of a session once more after the session was re-issued.
import type { AppRouter } from "@agent-access/api";
import type { TRPCLink } from "@trpc/client";
import { observable, type Unsubscribable } from "@trpc/server/observable";
import type { SessionController } from "./session-controller.ts";
import { isUnauthorized } from "./trpc.ts";

/**
 * The link in front of the transport: waits for exchanges in flight, and after a refusal for want
 * of a session re-issues it (when the app gave getTicket) and sends the call once more.
 */
export function sessionLink(controller: SessionController): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        // session.* procedures are the exchange itself and public reads: never held or retried.
        const sessionCall = op.path.startsWith("session.");
        // What proves that the server honours the session: an answer of a procedure that needs
        // it (a stream's connection-state notices come from the link, not the server), or a
        // non-null session.current.
        const honours = (result: { type?: string; data?: unknown }) =>
          sessionCall
            ? op.path === "session.current" && result.data != null
            : result.type !== "state";
        let subscription: Unsubscribable | undefined;
        let closed = false;

        const send = async (isRetry: boolean) => {
          if (!sessionCall) await controller.settled();
          if (closed) return;
          const sentEpoch = controller.epoch;
          subscription = next(op).subscribe({
            next(envelope) {
              if (honours(envelope.result)) controller.noteHonoured();
              observer.next(envelope);
            },
            error(error) {
              // UNAUTHORIZED comes from the procedure's middleware, before the procedure runs,
              // so sending a mutation again cannot do it twice. Subscriptions resume by their
              // own path (useAgentContext), from the last event they applied.
              if (isRetry || sessionCall || op.type === "subscription" || !isUnauthorized(error)) {
                observer.error(error);
                return;
              }
              void controller.recover(sentEpoch).then((again) => {
                if (closed) return;
                if (again) void send(true);
                else observer.error(error);
              });
            },
            complete() {
              observer.complete();
            },
          });
        };

        void send(false);
        return () => {
          closed = true;
          subscription?.unsubscribe();
        };
      });
}
