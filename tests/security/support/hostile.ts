// Generators of hostile values for the fuzzer: wrong types, strings too long for any field,
// unicode of every kind (lone surrogates, NUL, right-to-left marks), awkward numbers, deep
// nesting, prototype-polluting keys. Values stay JSON so they travel as a client would send them.
import fc from "fast-check";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** `depth` levels of arrays or objects around a string. */
export function nested(kind: "array" | "object", depth: number): Json {
  let value: Json = "deep";
  for (let level = 0; level < depth; level++) value = kind === "array" ? [value] : { a: value };
  return value;
}

/**
 * A hostile JSON value. `room` bounds the size of strings and nesting: a query string must stay
 * under the HTTP parser's 16 KiB limit to reach the procedure at all, a body need not.
 */
export function hostileValue(room: "url" | "body"): fc.Arbitrary<Json> {
  const long = room === "url" ? 3_000 : 300_000;
  const deep = room === "url" ? 400 : 2_000;
  return fc.oneof(
    fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
    fc.string({ unit: "binary", maxLength: 200 }),
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc
      .array(fc.integer({ min: 0xd800, max: 0xdfff }), { minLength: 1, maxLength: 6 })
      .map((codes) => String.fromCharCode(...codes)),
    fc.integer({ min: 101, max: long }).map((length) => "é".repeat(length)),
    fc.constantFrom<Json>(
      0,
      -1,
      1.5,
      2 ** 53 + 2,
      1e308,
      -1e308,
      true,
      false,
      null,
      "",
      " ",
      "\u0000",
      "\u202eevil",
      "NaN",
      "__proto__",
      "constructor",
      [],
      {},
    ),
    fc
      .tuple(fc.constantFrom("array", "object" as const), fc.integer({ min: 20, max: deep }))
      .map(([kind, depth]) => nested(kind as "array" | "object", depth)),
    fc.dictionary(
      fc.string({ maxLength: 20 }),
      fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
      {
        maxKeys: 5,
      },
    ),
  );
}

/**
 * Variations of a valid input: one field replaced by a hostile value or removed, a field added
 * beside a removed one, the whole input replaced, wrapped or stringified. The caller keeps only
 * the ones the procedure's schema refuses.
 */
export function mutatedInput(
  example: Record<string, Json>,
  room: "url" | "body",
): fc.Arbitrary<Json> {
  const keys = Object.keys(example);
  const value = hostileValue(room);
  const variations: fc.Arbitrary<Json>[] = [
    value,
    fc.constant<Json>([example]),
    fc.constant<Json>({ json: example }),
    fc.constant<Json>(JSON.stringify(example)),
  ];
  if (keys.length > 0) {
    variations.push(
      fc
        .tuple(fc.constantFrom(...keys), value)
        .map(([key, replacement]) => ({ ...example, [key]: replacement })),
      fc.constantFrom(...keys).map((key) => {
        const { [key]: _removed, ...rest } = example;
        return rest;
      }),
      fc
        .tuple(fc.constantFrom(...keys), fc.string({ maxLength: 12 }), value)
        .map(([key, extra, replacement]) => {
          const { [key]: _removed, ...rest } = example;
          return { ...rest, [extra]: replacement };
        }),
    );
  }
  return fc.oneof(...variations);
}

/** Bodies that are not JSON at all, or are JSON of a kind no procedure takes. */
export function rawBody(): fc.Arbitrary<string> {
  const notJson = fc.string({ unit: "binary", maxLength: 300 }).filter((text) => {
    try {
      JSON.parse(text);
      return false;
    } catch {
      return true;
    }
  });
  return fc.oneof(
    notJson,
    fc.constantFrom(
      "",
      "{",
      "{}}",
      "[1,2",
      "{'single': 'quotes'}",
      '{"contextId": undefined}',
      "\uFEFF{}",
      "NaN",
      "\u0000",
      '{"__proto__": {"polluted": true}}',
      '{"constructor": {"prototype": {"polluted": true}}}',
      '{"0": {"__proto__": {"polluted": true}}}',
    ),
    // Nesting far deeper than any value above, as text (JSON.stringify would recurse).
    fc
      .integer({ min: 10_000, max: 100_000 })
      .map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`),
    fc
      .integer({ min: 10_000, max: 50_000 })
      .map((depth) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`),
  );
}

/**
 * Content types that are not JSON (tRPC also reads form data and octet streams; and it takes
 * anything that starts with "application/json" as JSON, so none of those is "wrong").
 */
export const wrongContentType = fc.oneof(
  fc.constantFrom(
    "text/plain",
    "application/xml",
    "application/x-www-form-urlencoded",
    "text/html; charset=utf-8",
    "json",
  ),
  // Printable ASCII only: anything else cannot be put in a header by fetch at all.
  fc
    .string({ unit: "grapheme-ascii", maxLength: 30 })
    .filter((type) => !/json|form-data|octet-stream/i.test(type)),
);

/** Methods no route of this server answers for the path at hand. */
export const WRONG_METHODS = ["PUT", "PATCH", "DELETE", "OPTIONS"] as const;
