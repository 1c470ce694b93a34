// useComposer: what the user is writing to one conversation. The text is kept as a draft per
// conversation across reloads (drafts.ts), and the hook says whether it can be sent now and, if
// not, why (a reply in progress, a question waiting, empty, too long, files uploading), so that
// a UI can show the reason next to a disabled Send button.
import { useCallback, useLayoutEffect, useRef, useState } from "react";
import { browserStorage, type DraftStorage, draftKey, readDraft, writeDraft } from "./drafts.ts";
import { trpc } from "./trpc.ts";
import type { AgentContextState, SendMessageOptions, SentMessage } from "./use-agent-context.ts";

/** The server's longest message, in characters (MAX_MESSAGE_LENGTH of @agent-access/agents). */
export const MAX_MESSAGE_LENGTH = 32_000;

/**
 * Why a message cannot be sent now: `uploading` (the files of the last message are still
 * uploading), `waiting_for_approval` or `waiting_for_input` (the agent waits on the user's
 * answer first), `running` (a reply is being written: stop it or wait), `too_long` (over
 * `maxLength`), `empty` (no text and no files).
 */
export type SendBlockedReason =
  | "uploading"
  | "waiting_for_approval"
  | "waiting_for_input"
  | "running"
  | "too_long"
  | "empty";

/** Options of useComposer. */
export interface UseComposerOptions {
  /** The conversation written to, as given to useAgentContext ("" for a new one). */
  contextId: string;
  /** The conversation's state and actions: what useAgentContext returned. */
  chat: Pick<
    AgentContextState,
    | "sendMessage"
    | "executionStatus"
    | "isExecuting"
    | "uploads"
    | "pendingApproval"
    | "pendingInput"
  >;
  /** Files to send with the text (kept by the UI); with files the text may be empty. Default none. */
  files?: readonly File[];
  /** The longest text, in characters, after trimming. Default MAX_MESSAGE_LENGTH (32,000). */
  maxLength?: number;
  /**
   * Where drafts are kept: localStorage by default, `null` to keep none. The key is the
   * session's context group and the conversation.
   */
  storage?: DraftStorage | null;
}

/** What useComposer returns. */
export interface ComposerState {
  /** The text being written (the conversation's draft, after a reload too). */
  text: string;
  /** Changes the text, and the stored draft with it. */
  setText: (text: string) => void;
  /** The text's length after trimming, against `maxLength`. */
  length: number;
  maxLength: number;
  /** Why sending is not possible now, or null when it is. */
  blockedReason: SendBlockedReason | null;
  /** A message with files is being sent (uploads, then the message). */
  sending: boolean;
  /**
   * Sends the text (trimmed) and `files`: the composer is emptied at once and its draft
   * forgotten; if the server refuses, the text comes back (unless the user wrote something
   * new meanwhile). Resolves to what sendMessage resolved to; null when blocked or refused.
   */
  send: (options?: Omit<SendMessageOptions, "files">) => Promise<SentMessage | null>;
}

/** Why a message cannot be sent: the first reason that applies, or null. */
export function sendBlockedReason(input: {
  text: string;
  files: number;
  maxLength: number;
  executionStatus: AgentContextState["executionStatus"];
  isExecuting: boolean;
  uploading: boolean;
}): SendBlockedReason | null {
  if (input.uploading) return "uploading";
  if (input.executionStatus === "waiting_for_approval") return "waiting_for_approval";
  if (input.executionStatus === "waiting_for_input") return "waiting_for_input";
  if (input.isExecuting) return "running";
  const length = input.text.trim().length;
  if (length > input.maxLength) return "too_long";
  if (length === 0 && input.files === 0) return "empty";
  return null;
}

/**
 * The composer of one conversation: its text, kept as a draft per conversation (localStorage,
 * keyed by the session's context group and the conversation), whether it can be sent and why
 * not, and `send`.
 */
export function useComposer(options: UseComposerOptions): ComposerState {
  const { contextId, chat, files = [], maxLength = MAX_MESSAGE_LENGTH } = options;
  const [storage] = useState(() =>
    options.storage === undefined ? browserStorage() : options.storage,
  );
  // The session read by useAgentSession; this hook never fetches it itself.
  const session = trpc.session.current.useQuery(undefined, { enabled: false });
  const group = session.data?.contextGroup ?? null;
  const key = group === null ? null : draftKey(group, contextId);

  const [state, setState] = useState(() => ({ key, text: key ? readDraft(storage, key) : "" }));
  let current = state;
  if (state.key !== key) {
    // Another conversation (or the session became known): its draft; text typed before the
    // session was known stays unless a draft replaces it.
    current = { key, text: key ? readDraft(storage, key) || (state.key ? "" : state.text) : "" };
    setState(current);
  }
  const [sending, setSending] = useState(false);
  // What is on screen, for a send that resolves after the user moved on or wrote anew.
  const latest = useRef(current);
  useLayoutEffect(() => {
    latest.current = current;
  });

  const setText = useCallback(
    (text: string) => {
      setState((before) => ({ ...before, text }));
      if (key) writeDraft(storage, key, text, maxLength);
    },
    [key, maxLength, storage],
  );

  const uploading = sending || chat.uploads.some((upload) => upload.status === "uploading");
  const blockedReason = sendBlockedReason({
    text: current.text,
    files: files.length,
    maxLength,
    // The waiting call shows a moment before the status says so: the user sees it, so it counts.
    executionStatus: chat.pendingApproval
      ? "waiting_for_approval"
      : chat.pendingInput
        ? "waiting_for_input"
        : chat.executionStatus,
    isExecuting: chat.isExecuting,
    uploading,
  });

  const { sendMessage } = chat;
  const send = useCallback(
    async (sendOptions: Omit<SendMessageOptions, "files"> = {}) => {
      if (blockedReason) return null;
      const text = current.text.trim();
      const sentKey = current.key;
      const withFiles = files.length > 0;
      // The message shows at once as pending: the composer is free for the next one.
      setText("");
      if (withFiles) setSending(true);
      try {
        const sent = await sendMessage(text, { ...sendOptions, files });
        // Refused: give the text back, unless the user has moved on or written anew.
        if (!sent && latest.current.key === sentKey && !latest.current.text) setText(text);
        return sent;
      } finally {
        if (withFiles) setSending(false);
      }
    },
    [blockedReason, current, files, sendMessage, setText],
  );

  return {
    text: current.text,
    setText,
    length: current.text.trim().length,
    maxLength,
    blockedReason,
    sending,
    send,
  };
}
