"use client";

import { useSyncExternalStore } from "react";

export const THEME_KEY = "clawlink.theme";
type Theme = "system" | "light" | "dark";
const NEXT: Record<Theme, Theme> = { system: "light", light: "dark", dark: "system" };
const LABEL: Record<Theme, string> = { system: "Theme: system", light: "Theme: light", dark: "Theme: dark" };
const ICON: Record<Theme, string> = { system: "◐", light: "☀", dark: "☾" };

/**
 * Runs before the page paints (inlined in <head>): the saved choice, else the system's, sets the
 * `dark` class, and a system change is followed while the choice is "system".
 */
export const THEME_SCRIPT = `(() => {
  const key = ${JSON.stringify(THEME_KEY)};
  const media = matchMedia("(prefers-color-scheme: dark)");
  const apply = () => {
    const saved = localStorage.getItem(key);
    const dark = saved === "dark" || (saved !== "light" && media.matches);
    if (document.documentElement.classList.contains("dark") !== dark) document.documentElement.classList.toggle("dark", dark);
  };
  apply();
  // React replaces <html>'s attributes when it re-renders the document after a hydration error: put the class back.
  new MutationObserver(apply).observe(document.documentElement, { attributes: true, attributeFilter: ["class"] });
  media.addEventListener("change", apply);
  window.addEventListener("clawlink:theme", apply);
  window.addEventListener("storage", (e) => { if (e.key === key) apply(); });
})();`;

const listeners = new Set<() => void>();
const read = (): Theme => {
  const saved = localStorage.getItem(THEME_KEY);
  return saved === "light" || saved === "dark" ? saved : "system";
};

/** System → light → dark; the choice is kept in this browser. */
export function ThemeToggle() {
  const theme = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    read,
    () => "system" as Theme,
  );
  return (
    <button
      type="button"
      onClick={() => {
        const next = NEXT[theme];
        if (next === "system") localStorage.removeItem(THEME_KEY);
        else localStorage.setItem(THEME_KEY, next);
        window.dispatchEvent(new Event("clawlink:theme"));
        listeners.forEach((l) => l());
      }}
      className="flex h-9 w-9 items-center justify-center rounded-md text-lg text-slate-700 hover:bg-slate-100"
      aria-label={`${LABEL[theme]} (change)`}
      title={LABEL[theme]}
      data-testid="theme-toggle"
      data-theme={theme}
    >
      <span aria-hidden>{ICON[theme]}</span>
    </button>
  );
}
