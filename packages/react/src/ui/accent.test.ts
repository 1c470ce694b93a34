import { describe, expect, it } from "vitest";
import { accentPair, contrastRatio, MIN_CONTRAST } from "./accent.ts";

describe("accentPair", () => {
  it.each(["#0f766e", "#ffeb3b", "#ffffff", "#000000", "#1d4ed8", "#ff00ff"])(
    "makes %s readable beside white and near-black text",
    (accent) => {
      const pair = accentPair(accent)!;
      expect(contrastRatio(pair.strong, "#ffffff")).toBeGreaterThanOrEqual(MIN_CONTRAST);
      expect(contrastRatio(pair.bright, "#0a0a0a")).toBeGreaterThanOrEqual(MIN_CONTRAST);
    },
  );

  it("keeps an accent that is readable already", () => {
    expect(accentPair("#1d4ed8")?.strong).toBe("#1d4ed8");
    expect(accentPair("#60a5fa")?.bright).toBe("#60a5fa");
  });

  it("refuses what is not #rrggbb", () => {
    expect(accentPair("red")).toBeNull();
    expect(accentPair("#fff")).toBeNull();
  });
});

describe("contrastRatio", () => {
  it("is 21 for black on white and 1 for a colour on itself", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21);
    expect(contrastRatio("#123456", "#123456")).toBe(1);
  });
});
