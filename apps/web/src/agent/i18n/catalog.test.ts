// The catalog is complete: every language has every key of the English reference, no more,
// none empty, with the same placeholders (a translation that drops `{title}` shows less).
import { describe, expect, it } from "vitest";
import { en } from "./en.ts";
import { catalogs, languageFor, translate } from "./index.ts";

const placeholders = (message: string) =>
  [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe.each(Object.entries(catalogs))("the %s catalog", (_language, catalog) => {
  it("has exactly the English keys", () => {
    expect(Object.keys(catalog).sort()).toEqual(Object.keys(en).sort());
  });

  it("has no empty message and the same placeholders as English", () => {
    for (const [key, message] of Object.entries(catalog)) {
      expect(message.trim(), key).not.toBe("");
      expect(placeholders(message), key).toEqual(placeholders(en[key as keyof typeof en]));
    }
  });
});

describe("languageFor", () => {
  it("takes the primary subtag when there is a catalog, else English", () => {
    expect(languageFor("de-CH")).toBe("de");
    expect(languageFor("DE")).toBe("de");
    expect(languageFor("en-GB")).toBe("en");
    expect(languageFor("fr")).toBe("en");
  });
});

describe("translate", () => {
  it("fills placeholders and leaves unknown ones as they are", () => {
    expect(translate("de", "sidebar.deleteTitle", { title: "Q3" })).toBe("„Q3“ löschen?");
    expect(translate("en", "approval.title")).toBe("Allow “{tool}”?");
  });
});
