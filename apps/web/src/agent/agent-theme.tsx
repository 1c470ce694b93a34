// The agent UI's theme root: the classes, data attributes and CSS variables index.css themes
// from (accent, radius, density, light or dark), and `lang` for the catalog's language. The
// vanity page puts them on <html>, so that the whole page follows; an embedded chat wraps
// itself in AgentThemeRoot.
import { useAgentUi } from "@agent-access/react";
import { type ComponentProps, type CSSProperties, useLayoutEffect } from "react";
import { useStrings } from "./i18n/use-strings.ts";

interface ThemeAttributes {
  className: string;
  lang: string;
  style: CSSProperties;
  "data-accent"?: "";
  "data-radius"?: "";
  "data-density": "comfortable" | "compact";
  "data-color-scheme": "light" | "dark";
}

function useThemeAttributes(): ThemeAttributes {
  const ui = useAgentUi();
  const { language } = useStrings();
  // "system" leaves no class: the dark variant then follows the device's media query.
  const scheme = ui.colorScheme === "system" ? "" : ` ${ui.colorScheme}`;
  return {
    className: `agent-ui${scheme}`,
    lang: language,
    style: ui.style as CSSProperties,
    ...("--aa-accent" in ui.style ? { "data-accent": "" } : {}),
    ...("--aa-radius" in ui.style ? { "data-radius": "" } : {}),
    "data-density": ui.density,
    "data-color-scheme": ui.resolvedColorScheme,
  };
}

/** Applies the theme to <html> while mounted (the vanity page, a page of its own). */
export function DocumentTheme() {
  // As a string, so that the effect runs when the theme changes, not on every render.
  const serialized = JSON.stringify(useThemeAttributes());
  useLayoutEffect(() => {
    const attributes = JSON.parse(serialized) as ThemeAttributes;
    const root = document.documentElement;
    root.className = attributes.className;
    root.lang = attributes.lang;
    root.removeAttribute("style");
    for (const [name, value] of Object.entries(attributes.style)) {
      root.style.setProperty(name, String(value));
    }
    for (const name of ["data-accent", "data-radius", "data-density", "data-color-scheme"]) {
      const value = attributes[name as keyof ThemeAttributes];
      if (typeof value === "string") root.setAttribute(name, value);
      else root.removeAttribute(name);
    }
  }, [serialized]);
  return null;
}

/** A themed box for an agent UI inside another page (the host demo's embedded chat). */
export function AgentThemeRoot({ className = "", ...props }: ComponentProps<"div">) {
  const { className: themeClass, ...attributes } = useThemeAttributes();
  return <div {...props} {...attributes} className={`${themeClass} ${className}`} />;
}
