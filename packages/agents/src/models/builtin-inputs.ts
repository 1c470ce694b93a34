// How the built-in development model fills a tool's input from the user's message, guided by
// the tool's JSON schema (which the AI SDK makes from its zod schema): numbers for number
// fields, ids for id fields, quoted text for text fields, enum values named in the message.
import type { JsonValue } from "../types.ts";
import { isIdField, keywords, type ReadMessage, sameWord } from "./builtin-choice.ts";

type SchemaNode = {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  default?: JsonValue;
  examples?: JsonValue[];
  enum?: JsonValue[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
};

/** What the message offers, taken in order as fields use them up. */
interface Offer {
  message: ReadMessage;
  ids: string[];
  numbers: number[];
  quotes: string[];
}

/** A nullable or union field as its first branch that is not null. */
function resolve(node: SchemaNode): SchemaNode {
  const branches = node.anyOf ?? node.oneOf;
  if (!branches) return node;
  const branch = branches.find((candidate) => candidate.type !== "null") ?? {};
  return { ...resolve(branch), ...(node.default !== undefined ? { default: node.default } : {}) };
}

function typeOf(node: SchemaNode): string | undefined {
  const types = [node.type].flat().filter((type) => type !== "null");
  return types[0];
}

function fits(node: SchemaNode, value: number): boolean {
  if (typeOf(node) === "integer" && !Number.isInteger(value)) return false;
  if (node.minimum !== undefined && value < node.minimum) return false;
  if (node.maximum !== undefined && value > node.maximum) return false;
  if (node.exclusiveMinimum !== undefined && value <= node.exclusiveMinimum) return false;
  if (node.exclusiveMaximum !== undefined && value >= node.exclusiveMaximum) return false;
  return true;
}

function take<T>(pool: T[], accept: (item: T) => boolean = () => true): T | undefined {
  const index = pool.findIndex(accept);
  return index === -1 ? undefined : pool.splice(index, 1)[0];
}

/** The value the message gives for a field, or undefined when it gives none. */
function fromMessage(name: string, node: SchemaNode, offer: Offer): JsonValue | undefined {
  if (node.enum) {
    // The first enum value whose words all appear in the message ("deny", "allow always").
    return node.enum.find((option) => {
      const words = keywords(String(option));
      return (
        words.length > 0 &&
        words.every((word) => offer.message.words.some((said) => sameWord(word, said)))
      );
    });
  }
  switch (typeOf(node)) {
    case "number":
    case "integer":
      return take(offer.numbers, (value) => fits(node, value));
    case "string":
      return isIdField(name, node) ? take(offer.ids) : take(offer.quotes);
    case "array":
      if (isIdField(name, node) && offer.ids.length > 0) return offer.ids.splice(0);
      return undefined;
    default:
      return undefined;
  }
}

// "use echo to say hi" asks for the text "hi": what follows a final "say" (or "saying").
const SAID = /\bsay(?:ing)?\s+(.+?)[.!?]*$/i;

/** The text a message asks to be said: after its last "say", else the whole message. */
function saidText(text: string): string {
  return SAID.exec(text)?.[1]?.trim() || text;
}

/** A value for a required field the message says nothing about. */
function fallback(name: string, node: SchemaNode, offer: Offer): JsonValue {
  if (node.default !== undefined) return node.default;
  if (node.examples?.length) return node.examples[0]!;
  if (node.enum?.length) return node.enum[0]!;
  switch (typeOf(node)) {
    case "number":
    case "integer": {
      const low = node.minimum ?? (node.exclusiveMinimum ?? 0) + 1;
      return Math.min(Math.max(low, 1), node.maximum ?? Math.max(low, 1));
    }
    case "boolean":
      return true;
    case "array":
      return [];
    case "object":
      return fill(node, offer);
    default:
      // An id field with no id in the message stays empty rather than taking the message.
      return isIdField(name, node) ? "" : saidText(offer.message.text);
  }
}

function fill(schema: SchemaNode, offer: Offer): { [key: string]: JsonValue } {
  const input: { [key: string]: JsonValue } = {};
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  // Required fields first, so that an optional one cannot take the only id or number.
  const names = Object.keys(properties).sort(
    (a, b) => Number(required.has(b)) - Number(required.has(a)),
  );
  for (const name of names) {
    const node = resolve(properties[name]!);
    const given = fromMessage(name, node, offer);
    if (given !== undefined) input[name] = given;
    else if (required.has(name)) input[name] = fallback(name, node, offer);
  }
  return input;
}

/**
 * A tool's input from the message. Each field takes what the message offers for its kind, in
 * the order the message offers it: a number that fits the field's bounds, an id for an id field
 * (orderId, orderNumber; all ids for an array of them), quoted text for another string, the
 * enum value whose words the message says. Optional fields the message gives nothing for are
 * left out; required ones get their default, first example or first enum value, else 1, true,
 * [], "" for an id, or for text what follows "say" in the message ("use echo to say hi" gives
 * "hi"), else the whole message.
 */
export function inputFor(schema: unknown, message: ReadMessage): { [key: string]: JsonValue } {
  const offer: Offer = {
    message,
    ids: [...message.ids],
    numbers: [...message.numbers],
    quotes: [...message.quotes],
  };
  return fill(resolve((schema ?? {}) as SchemaNode), offer);
}
