// What the built-in development model makes of attached files. The runtime marks the parts of
// a file (conversation.ts: a label line, then its content) with provider options; from those the
// model can list what was attached and count a text file's lines and words. It reads nothing
// else of a file, and an image or PDF is only a name, type and size to it.
import type { LanguageModelV3Prompt } from "@ai-sdk/provider";

export interface SeenFile {
  id: string;
  name: string;
  mediaType: string;
  size: number;
  /** The content of a text-like file. */
  text?: string;
}

interface Mark {
  id: string;
  name: string;
  mediaType: string;
  size: number;
  role: "label" | "content";
}

/** The attachment mark of a prompt part, if the runtime put one there. */
export function attachmentMark(part: { providerOptions?: unknown }): Mark | null {
  const options = part.providerOptions as
    | { agentAccess?: { attachment?: Partial<Mark> } }
    | undefined;
  const mark = options?.agentAccess?.attachment;
  if (!mark || typeof mark.id !== "string" || typeof mark.name !== "string") return null;
  return {
    id: mark.id,
    name: mark.name,
    mediaType: String(mark.mediaType),
    size: Number(mark.size),
    role: mark.role === "content" ? "content" : "label",
  };
}

/** The files of the latest user message that carries any (none: an empty list). */
export function latestFiles(prompt: LanguageModelV3Prompt): SeenFile[] {
  for (let i = prompt.length - 1; i >= 0; i--) {
    const message = prompt[i]!;
    if (message.role !== "user") continue;
    const files = new Map<string, SeenFile>();
    for (const part of message.content) {
      const mark = attachmentMark(part);
      if (!mark) continue;
      const file = files.get(mark.id) ?? {
        id: mark.id,
        name: mark.name,
        mediaType: mark.mediaType,
        size: mark.size,
      };
      if (mark.role === "content" && part.type === "text") file.text = part.text;
      files.set(mark.id, file);
    }
    if (files.size > 0) return [...files.values()];
  }
  return [];
}

const ABOUT_FILES =
  /\b(attach(ed|ment|ments)?|files?|upload(ed)?|documents?|images?|pictures?|photos?)\b/i;
const COUNT = /\bhow\s+many\s+(lines|rows|words)\b/i;

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function lineCount(text: string): number {
  if (text === "") return 0;
  const lines = text.split(/\r\n|\r|\n/);
  return lines.at(-1) === "" ? lines.length - 1 : lines.length;
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/**
 * The answer to a question about the attached files, or null when `userText` asks nothing
 * about files or none is attached. "How many lines/rows/words" counts them in each text file;
 * anything else about files lists each one's name, type and size.
 */
export function answerAboutFiles(userText: string, files: readonly SeenFile[]): string | null {
  if (files.length === 0 || !ABOUT_FILES.test(userText)) return null;
  const count = COUNT.exec(userText);
  if (count) {
    const unit = count[1]!.toLowerCase() === "words" ? "word" : "line";
    const texts = files.filter((file) => file.text !== undefined);
    if (texts.length === 0) {
      return `None of the attached files is text, so I cannot count its ${unit}s: I only see their names, types and sizes.`;
    }
    return texts
      .map((file) => {
        const n = unit === "word" ? wordCount(file.text!) : lineCount(file.text!);
        return `${file.name} has ${plural(n, unit)}.`;
      })
      .join(" ");
  }
  const list = files
    .map((file) => `${file.name} (${file.mediaType}, ${plural(file.size, "byte")})`)
    .join("; ");
  return `You attached ${plural(files.length, "file")}: ${list}.`;
}
