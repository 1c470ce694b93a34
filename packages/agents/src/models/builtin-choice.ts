// How the built-in development model reads a user message (its words, and the ids, numbers and
// quoted text in it) and picks the one tool the message points at best, if any. The rules are
// documented in packages/agents/README.md, "The builtin model".
import type { LanguageModelV3FunctionTool } from "@ai-sdk/provider";

/** A user message taken apart. */
export interface ReadMessage {
  /** The whole message, trimmed. */
  text: string;
  /** Meaningful words outside quotes, ids and numbers, roughly stemmed. */
  words: string[];
  /** Ids such as SD-1001 or ws_abc: letters and digits joined by - or _, with a digit or an _. */
  ids: string[];
  /** Numbers such as 6 or 2.5 (not those inside an id or a word like p95). */
  numbers: number[];
  /** Text in double quotes, or in single quotes that are not apostrophes. */
  quotes: string[];
}

// Words that say nothing about which tool is meant.
const STOP_WORDS = new Set(
  (
    "a about after all also am an and another any are as at be been before but by can could " +
    "did do does each every for from get give had has have hello hi how i if in into is it " +
    "its just let like me more most my need no not now of on one only or other our please " +
    "set show so some tell than that the their them then there these they this those to up " +
    "us use very was we were what when where which who why will with would yes you your"
  ).split(" "),
);

/**
 * Verbs that change something or interrupt the user. A tool whose name starts with one is
 * called only when the message says it: "Has SD-1001 shipped?" must not refund an order whose
 * description mentions shipping.
 */
const ACTION_VERBS = new Set(
  (
    "add approve archive ask assign ban block book buy cancel change charge close create delete " +
    "deny disable edit email enable grant invite mark merge move notify open pay post publish " +
    "refund reject remove rename reset restart restore retry revoke run schedule send start " +
    "stop submit transfer unblock update upload"
  ).split(" "),
);

/** The last word of an identifier that makes its string an id (orderId, orderNumber, sku). */
const ID_WORDS = new Set(["id", "ids", "number", "code", "ref", "reference", "key", "slug", "sku"]);

const QUOTED = /"([^"]+)"|“([^”]+)”|(?<!\w)'([^']+)'(?!\w)/g;
const ID = /(?<![\w-])(?=[\w-]*[A-Za-z])(?=[\w-]*[\d_])[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)+(?![\w-])/g;
const NUMBER = /(?<![\w.])\d+(?:\.\d+)?(?![\w])/g;

/** Crude stemming, enough that "deliveries" meets "delivery" and "failing" meets "failed". */
function stem(word: string): string {
  if (word.endsWith("ies") && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith("ing") && word.length > 5) return word.slice(0, -3);
  if (word.endsWith("ed") && word.length > 4) return word.slice(0, -2);
  if (word.endsWith("s") && !word.endsWith("ss") && word.length > 3) return word.slice(0, -1);
  return word;
}

/** "retryFailedDeliveries" as people say it: "retry failed deliveries". */
export function spoken(identifier: string): string {
  return identifier
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .toLowerCase();
}

/** Meaningful words of a text or an identifier ("getWebhookHealth" gives webhook, health). */
export function keywords(text: string): string[] {
  const words = spoken(text)
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 1 && !STOP_WORDS.has(word) && !/^\d+$/.test(word))
    .map(stem);
  return [...new Set(words)];
}

export function sameWord(a: string, b: string): boolean {
  if (a === b) return true;
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return short.length >= 4 && long.startsWith(short);
}

export function readMessage(text: string): ReadMessage {
  const quotes: string[] = [];
  let rest = text.trim().replace(QUOTED, (_match, double, curly, single) => {
    const quoted = (double ?? curly ?? single ?? "").trim();
    if (quoted) quotes.push(quoted);
    return " ";
  });
  const ids = rest.match(ID) ?? [];
  rest = rest.replace(ID, " ");
  const numbers = (rest.match(NUMBER) ?? []).map(Number);
  rest = rest.replace(NUMBER, " ");
  return { text: text.trim(), words: keywords(rest), ids, numbers, quotes };
}

type Schema = { properties?: Record<string, { type?: unknown; items?: { type?: unknown } }> };

/** Whether a property holds an id: a string (or strings) named like orderId or orderNumber. */
export function isIdField(name: string, node: { type?: unknown; items?: { type?: unknown } }) {
  const last = spoken(name).split(" ").at(-1) ?? "";
  const types = [node.type, node.items?.type].flat();
  return ID_WORDS.has(last) && types.includes("string");
}

function hasIdField(schema: unknown): boolean {
  const properties = (schema as Schema | undefined)?.properties ?? {};
  return Object.entries(properties).some(([name, node]) => isIdField(name, node ?? {}));
}

/**
 * The action verb a tool's name starts with, if any; for an MCP tool, after its server's prefix
 * (`notes_create_entities` starts with "create").
 */
function actionVerbOf(name: string): string | undefined {
  const words = spoken(name).split(" ");
  const candidates = name.includes("_")
    ? [words[0], spoken(name.slice(name.indexOf("_") + 1)).split(" ")[0]]
    : [words[0]];
  return candidates.map((word) => stem(word ?? "")).find((verb) => ACTION_VERBS.has(verb));
}

function count(words: readonly string[], among: readonly string[]): number {
  return words.filter((word) => among.some((other) => sameWord(word, other))).length;
}

/**
 * The one tool the message points at, or none. Each word of the message found in a tool's
 * name scores 3, each other word found in its description 1, and an id in the message 2 for a
 * tool that takes an id; a tool needs 2 to be called (one description word alone is not
 * enough). A tool named after an action verb (retry, refund, ask...; for an MCP tool, the verb
 * after its server's prefix) is left out unless the message says that verb. The highest score wins; a tie goes to more name words, then to the
 * tool listed first.
 */
export function chooseTool(
  message: ReadMessage,
  tools: readonly LanguageModelV3FunctionTool[],
): LanguageModelV3FunctionTool | undefined {
  let best: { tool: LanguageModelV3FunctionTool; score: number; name: number } | undefined;
  for (const tool of tools) {
    const verb = actionVerbOf(tool.name);
    if (verb && !message.words.some((word) => sameWord(word, verb))) continue;
    const nameWords = keywords(tool.name);
    const name = count(message.words, nameWords);
    const others = message.words.filter((word) => !nameWords.some((n) => sameWord(word, n)));
    const description = count(others, keywords(tool.description ?? ""));
    const id = message.ids.length > 0 && hasIdField(tool.inputSchema) ? 2 : 0;
    const score = 3 * name + description + id;
    if (score < 2) continue;
    if (!best || score > best.score || (score === best.score && name > best.name)) {
      best = { tool, score, name };
    }
  }
  return best?.tool;
}
