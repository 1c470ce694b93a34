// What may be attached, and how a file's type is decided: by its bytes, never by its name or
// the browser's claim. Binary types carry a signature that `file-type` reads; text-like types
// have none, so a file without a signature is text if it is valid UTF-8 without NUL bytes, and
// which text type it is follows from its extension (.json must also parse as JSON).
import { fileTypeFromBuffer } from "file-type";

/** Files one message may carry. */
export const MAX_FILES_PER_MESSAGE = 10;
/** Default largest file, in bytes (10 MB): ATTACHMENT_MAX_BYTES changes it. */
export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;
/** Default bytes of attachments one context group may hold (500 MB). */
export const DEFAULT_GROUP_QUOTA_BYTES = 500 * 1024 * 1024;
/** An upload not sent with a message within this time is deleted (1 hour). */
export const DEFAULT_UNSENT_GRACE_MS = 60 * 60 * 1000;
/** Longest file name kept, in characters; longer names are cut. */
export const MAX_FILE_NAME_LENGTH = 200;

export const IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif"] as const;
export const TEXT_TYPES = ["text/plain", "text/markdown", "text/csv", "application/json"] as const;
/** Every type a file may have, as decided from its bytes. */
export const ATTACHMENT_TYPES = [...IMAGE_TYPES, "application/pdf", ...TEXT_TYPES] as const;
export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];

const BY_EXTENSION: Record<string, AttachmentType> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  pdf: "application/pdf",
  txt: "text/plain",
  text: "text/plain",
  md: "text/markdown",
  markdown: "text/markdown",
  csv: "text/csv",
  json: "application/json",
};

export function isImageType(type: string): boolean {
  return (IMAGE_TYPES as readonly string[]).includes(type);
}

export function isTextType(type: string): boolean {
  return (TEXT_TYPES as readonly string[]).includes(type);
}

/** Types that are the same kind of file for the mismatch rule: all text-like types are one. */
function kindOf(type: string): string {
  return isTextType(type) ? "text" : type;
}

/**
 * A file name fit to store and show: its last path segment, without control characters,
 * trimmed and cut to MAX_FILE_NAME_LENGTH; "file" when nothing is left.
 */
export function cleanFileName(name: string): string {
  const last = name.split(/[\\/]/).at(-1) ?? "";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const clean = last.replace(/[\u0000-\u001f\u007f]/g, "").trim();
  return Array.from(clean).slice(0, MAX_FILE_NAME_LENGTH).join("") || "file";
}

function extensionOf(name: string): string | null {
  const match = /\.([A-Za-z0-9]+)$/.exec(name);
  return match ? match[1]!.toLowerCase() : null;
}

export type FileVerdict =
  | { ok: true; mediaType: AttachmentType }
  | { ok: false; rule: "empty" | "too-large" | "type" | "mismatch"; message: string };

const ALLOWED_WORDS = "PNG, JPEG, WebP or GIF images, PDF, plain text, Markdown, CSV or JSON";
const utf8 = new TextDecoder("utf-8", { fatal: true });

function refuse(rule: Exclude<FileVerdict, { ok: true }>["rule"], message: string): FileVerdict {
  return { ok: false, rule, message };
}

/**
 * Decides a file's type from its bytes and checks it against the rules: not empty, at most
 * `maxBytes`, an allowed type, and neither its extension nor the browser's `claimedType` (when
 * either names an allowed type) saying it is another kind of file. Every refusal names the file.
 */
export async function judgeFile(
  file: { name: string; claimedType?: string; bytes: Uint8Array },
  maxBytes: number,
): Promise<FileVerdict> {
  const name = file.name;
  const quoted = JSON.stringify(name);
  if (file.bytes.byteLength === 0) return refuse("empty", `${quoted} is empty.`);
  if (file.bytes.byteLength > maxBytes) {
    return refuse(
      "too-large",
      `${quoted} is ${file.bytes.byteLength} bytes; a file may have at most ${maxBytes} bytes.`,
    );
  }
  const extension = extensionOf(name);
  const byName = extension ? BY_EXTENSION[extension] : undefined;
  let mediaType: AttachmentType;
  const sniffed = await fileTypeFromBuffer(file.bytes);
  if (sniffed) {
    if (!(ATTACHMENT_TYPES as readonly string[]).includes(sniffed.mime)) {
      return refuse(
        "type",
        `${quoted} is ${sniffed.mime}, which cannot be attached: only ${ALLOWED_WORDS}.`,
      );
    }
    mediaType = sniffed.mime as AttachmentType;
  } else {
    let text: string;
    try {
      text = utf8.decode(file.bytes);
    } catch {
      return refuse(
        "type",
        `${quoted} is neither a known file type nor UTF-8 text: only ${ALLOWED_WORDS}.`,
      );
    }
    if (text.includes("\u0000")) {
      return refuse("type", `${quoted} holds NUL bytes, so it is not text: only ${ALLOWED_WORDS}.`);
    }
    if (extension !== null && byName === undefined) {
      return refuse(
        "type",
        `${quoted} is text with the extension .${extension}: text files must be .txt, .md, .csv or .json.`,
      );
    }
    mediaType = byName && isTextType(byName) ? byName : "text/plain";
    if (mediaType === "application/json") {
      try {
        JSON.parse(text);
      } catch {
        return refuse("mismatch", `${quoted} is named .json but is not valid JSON.`);
      }
    }
  }
  if (byName && kindOf(byName) !== kindOf(mediaType)) {
    return refuse(
      "mismatch",
      `${quoted} is named .${extension} but its content is ${mediaType}: rename it or attach the right file.`,
    );
  }
  const claimed = file.claimedType?.split(";")[0]?.trim().toLowerCase();
  if (
    claimed &&
    (ATTACHMENT_TYPES as readonly string[]).includes(claimed) &&
    kindOf(claimed) !== kindOf(mediaType)
  ) {
    return refuse("mismatch", `${quoted} was sent as ${claimed} but its content is ${mediaType}.`);
  }
  return { ok: true, mediaType };
}
