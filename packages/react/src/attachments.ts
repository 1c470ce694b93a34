// Attached files from the browser: uploads to POST /attachments (one request per file, so each
// has its own progress and its own error), and the URL of a file's private download. Both go
// with the agent session's cookie and the page's session binding, like every other request.
import type { MessagePart } from "./types.ts";

/** A file part of a message: what was attached (id, name, type decided by the server, size). */
export type FilePart = Extract<MessagePart, { type: "file" }>;

/** One file of a message being sent, as sendMessage reports it. */
export interface FileUpload {
  /** The file as the user chose it. */
  file: File;
  /** Bytes sent so far, and of how many. */
  loaded: number;
  total: number;
  status: "uploading" | "done" | "failed";
  /** The server's answer once stored. */
  part: FilePart | null;
  /** Why the server (or the network) refused it, naming the file and the rule. */
  error: string | null;
}

export interface AttachmentTarget {
  /** The server's base URL; "" for this origin. */
  baseUrl: string;
  /** The page's agent session (its public id), sent as the binding. */
  sessionId: string | null;
}

/**
 * The download URL of an attached file: images show inline (an <img> of it works), other
 * files download. The session binding rides in the query, since an <img> sends no headers.
 */
export function attachmentUrl(fileId: string, target: Partial<AttachmentTarget> = {}): string {
  const base = (target.baseUrl ?? "").replace(/\/+$/, "");
  const query = target.sessionId ? `?session=${encodeURIComponent(target.sessionId)}` : "";
  return `${base}/attachments/${encodeURIComponent(fileId)}${query}`;
}

/** A refused upload: `message` names the file and the rule. */
export class AttachmentError extends Error {
  override name = "AttachmentError";
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

function messageOf(status: number, body: string, file: File): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: string } };
    if (parsed.error?.message) return parsed.error.message;
  } catch {}
  return `"${file.name}" could not be uploaded (HTTP ${status}).`;
}

function formOf(contextId: string, file: File): FormData {
  const form = new FormData();
  form.set("contextId", contextId);
  form.append("file", file, file.name);
  return form;
}

/**
 * Uploads one file into a conversation for its next message; resolves its file part. Uses
 * XMLHttpRequest for upload progress, or `fetch` when given (progress then jumps to the end).
 */
export async function uploadAttachment(options: {
  target: AttachmentTarget;
  contextId: string;
  file: File;
  onProgress?: (loaded: number, total: number) => void;
  fetch?: typeof globalThis.fetch | null;
  signal?: AbortSignal;
}): Promise<FilePart> {
  const { target, contextId, file, onProgress } = options;
  const url = `${target.baseUrl.replace(/\/+$/, "")}/attachments`;
  const headers: Record<string, string> = target.sessionId
    ? { "x-agent-session": target.sessionId }
    : {};
  const accept = (status: number, body: string): FilePart => {
    if (status !== 201) throw new AttachmentError(messageOf(status, body, file), status);
    onProgress?.(file.size, file.size);
    return (JSON.parse(body) as { files: FilePart[] }).files[0]!;
  };
  if (options.fetch || typeof XMLHttpRequest === "undefined") {
    const fetchImpl = options.fetch ?? globalThis.fetch;
    const response = await fetchImpl(url, {
      method: "POST",
      body: formOf(contextId, file),
      headers,
      credentials: "include",
      signal: options.signal,
    });
    return accept(response.status, await response.text());
  }
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.withCredentials = true;
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onProgress?.(event.loaded, event.total || file.size);
    xhr.onload = () => {
      try {
        resolve(accept(xhr.status, xhr.responseText));
      } catch (error) {
        reject(error);
      }
    };
    xhr.onerror = () =>
      reject(new AttachmentError(`"${file.name}" could not be uploaded: the network failed.`, 0));
    xhr.onabort = () => reject(new AttachmentError(`"${file.name}": the upload was stopped.`, 0));
    options.signal?.addEventListener("abort", () => xhr.abort());
    xhr.send(formOf(contextId, file));
  });
}
