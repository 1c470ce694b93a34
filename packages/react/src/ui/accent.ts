// An accent colour made safe to use: the colour a ticket or the provider asks for, darkened
// until white text on it (and it as text on white) meets WCAG AA's 4.5:1, and a brighter twin
// for dark backgrounds and dark text. A host can pick any colour without making buttons
// unreadable.

type Rgb = [number, number, number];

/** The text colours the accent must stand beside: white, and near-black for dark themes. */
const WHITE: Rgb = [255, 255, 255];
const NEAR_BLACK: Rgb = [10, 10, 10];
/** WCAG AA for normal text. */
export const MIN_CONTRAST = 4.5;

function parseHex(hex: string): Rgb | null {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) return null;
  return [
    Number.parseInt(match[1]!, 16),
    Number.parseInt(match[2]!, 16),
    Number.parseInt(match[3]!, 16),
  ];
}

function toHex(rgb: Rgb): string {
  return `#${rgb.map((channel) => Math.round(channel).toString(16).padStart(2, "0")).join("")}`;
}

function luminance([r, g, b]: Rgb): number {
  const linear = (channel: number) => {
    const c = channel / 255;
    return c <= 0.039_28 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/** The WCAG contrast ratio of two colours, 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const first = parseHex(a);
  const second = parseHex(b);
  if (!first || !second) return 1;
  const [light, dark] = [luminance(first), luminance(second)].sort((x, y) => y - x) as [
    number,
    number,
  ];
  return (light + 0.05) / (dark + 0.05);
}

function mix(color: Rgb, toward: Rgb, amount: number): Rgb {
  return color.map((channel, index) => channel + (toward[index]! - channel) * amount) as Rgb;
}

/** `color` moved toward `toward` in small steps until it contrasts enough with `against`. */
function adjust(color: Rgb, toward: Rgb, against: Rgb): Rgb {
  for (let step = 0; step <= 20; step++) {
    const candidate = mix(color, toward, step / 20);
    if (contrastRatio(toHex(candidate), toHex(against)) >= MIN_CONTRAST) return candidate;
  }
  return toward;
}

export interface AccentPair {
  /** For light themes: fills under white text, and text on white. */
  strong: string;
  /** For dark themes: fills under near-black text, and text on near-black. */
  bright: string;
}

/** The accent's two readable forms, or null for a value that is not `#rrggbb`. */
export function accentPair(accent: string): AccentPair | null {
  const rgb = parseHex(accent);
  if (!rgb) return null;
  return {
    strong: toHex(adjust(rgb, [0, 0, 0], WHITE)),
    bright: toHex(adjust(rgb, [255, 255, 255], NEAR_BLACK)),
  };
}
