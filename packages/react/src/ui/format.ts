// Dates and numbers in the UI's locale, through Intl. Formatters are costly to build and a chat
// formats many times per render, so each (locale, options) pair is built once.
const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat>();

function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat>(
  kind: string,
  locale: string,
  options: object | undefined,
  make: () => T,
): T {
  const key = `${kind}\n${locale}\n${JSON.stringify(options ?? {})}`;
  let formatter = cache.get(key) as T | undefined;
  if (!formatter) {
    formatter = make();
    cache.set(key, formatter);
  }
  return formatter;
}

/** Formatting helpers bound to one locale. */
export interface AgentFormat {
  /** A date and/or time; default `{ dateStyle: "medium", timeStyle: "short" }`. */
  formatDate: (value: number | Date, options?: Intl.DateTimeFormatOptions) => string;
  formatNumber: (value: number, options?: Intl.NumberFormatOptions) => string;
  /** "3 minutes ago", "gestern": `value` units from now (negative: in the past). */
  formatRelativeTime: (value: number, unit: Intl.RelativeTimeFormatUnit) => string;
}

export function createFormat(locale: string): AgentFormat {
  return {
    formatDate: (value, options = { dateStyle: "medium", timeStyle: "short" }) =>
      cached("date", locale, options, () => new Intl.DateTimeFormat(locale, options)).format(value),
    formatNumber: (value, options) =>
      cached("number", locale, options, () => new Intl.NumberFormat(locale, options)).format(value),
    formatRelativeTime: (value, unit) =>
      cached(
        "relative",
        locale,
        undefined,
        () => new Intl.RelativeTimeFormat(locale, { numeric: "auto" }),
      ).format(value, unit),
  };
}
