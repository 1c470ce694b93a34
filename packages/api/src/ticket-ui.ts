// The presentation a ticket asks for (`ui`) and where its "Return to the app" leads
// (`return_url`). Both are set by the app's backend at mint, checked here once for every door
// that mints tickets, stored with the ticket and its session, and read by the browser, never
// written by it.
import { TRPCError } from "@trpc/server";
import { z } from "zod";

/** The longest `locale` tag accepted (BCP 47 tags in practice stay far below). */
export const LOCALE_MAX_LENGTH = 35;
/** The largest corner radius, in CSS pixels. */
export const RADIUS_MAX = 24;
/** The longest `return_url`, in characters. */
export const RETURN_URL_MAX_LENGTH = 2048;

function canonicalLocale(tag: string): string | null {
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? null;
  } catch {
    return null;
  }
}

/**
 * `ui` as a ticket request carries it (snake_case like the rest of the request). Strict: an
 * unknown key is refused rather than ignored, so that a typo (`accent_colour`) is noticed.
 * Every field is optional; a field left out takes the UI's own default (or the provider's).
 */
export const ticketUiSchema = z.strictObject({
  /** The accent colour of buttons, links and focus rings: `#rrggbb`. */
  accent_color: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, "must be a hex colour such as #0f766e")
    .optional(),
  /** Corner radius of cards, buttons and bubbles, in CSS pixels: 0 to 24. */
  radius: z.number().int().min(0).max(RADIUS_MAX).optional(),
  /** Spacing: `comfortable` (the default) or `compact`. */
  density: z.enum(["comfortable", "compact"]).optional(),
  /** `light`, `dark`, or `system` (the default: follows the device). */
  color_scheme: z.enum(["light", "dark", "system"]).optional(),
  /** The UI's language and formats, a BCP 47 tag such as `de` or `fr-CH`. */
  locale: z
    .string()
    .max(LOCALE_MAX_LENGTH)
    .refine((tag) => canonicalLocale(tag) !== null, "must be a BCP 47 language tag such as de-CH")
    .optional(),
});

export type TicketUiRequest = z.infer<typeof ticketUiSchema>;

/** The UI settings as the browser reads them (`session.current().ui`): `{}` when none. */
export interface AgentUi {
  accentColor?: string;
  radius?: number;
  density?: "comfortable" | "compact";
  colorScheme?: "light" | "dark" | "system";
  /** Canonical BCP 47 (`de-CH`). */
  locale?: string;
}

/** The settings as stored (JSON), or null for none. */
export function serializeTicketUi(ui: TicketUiRequest | null | undefined): string | null {
  if (ui == null) return null;
  const settings: AgentUi = {
    accentColor: ui.accent_color?.toLowerCase(),
    radius: ui.radius,
    density: ui.density,
    colorScheme: ui.color_scheme,
    locale: ui.locale === undefined ? undefined : (canonicalLocale(ui.locale) ?? undefined),
  };
  const json = JSON.stringify(settings);
  return json === "{}" ? null : json;
}

/** The stored settings, read back; `{}` for none. */
export function parseTicketUi(json: string | null): AgentUi {
  return json ? (JSON.parse(json) as AgentUi) : {};
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

function unprocessable(message: string): TRPCError {
  return new TRPCError({ code: "UNPROCESSABLE_CONTENT", message });
}

/**
 * Checks `return_url` against the host apps this server knows: it must be an absolute URL whose
 * origin is PUBLIC_URL's or one of FRAME_ANCESTORS' (`allowedOrigins`), over https, or http
 * for localhost only. Anything else would turn the vanity page into an open redirect (a
 * ticket's link leading a user to a look-alike site). Returns the URL as stored, or null.
 */
export function checkReturnUrl(
  returnUrl: string | null | undefined,
  allowedOrigins: readonly string[],
): string | null {
  if (returnUrl == null) return null;
  let url: URL;
  try {
    url = new URL(returnUrl);
  } catch {
    throw unprocessable("return_url must be an absolute URL such as https://app.example.com/home");
  }
  const local = LOCAL_HOSTS.has(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && local)) {
    throw unprocessable("return_url must use https (http only for localhost in development)");
  }
  if (url.username || url.password) {
    throw unprocessable("return_url must not carry a user name or password");
  }
  if (!allowedOrigins.includes(url.origin)) {
    throw unprocessable(
      `return_url must lead to the host app (${allowedOrigins.join(" or ")}), not ${url.origin}: add the app's origin to FRAME_ANCESTORS or use PUBLIC_URL's`,
    );
  }
  return url.href;
}
