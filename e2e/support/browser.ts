import { existsSync } from "node:fs";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];

/** The system Chromium Playwright drives; we never download a browser. */
export function findChromium(): string | null {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null;
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

export const NO_BROWSER_HELP = [
  "No Chromium found for the browser tests.",
  "Install one of:",
  "  Debian/Ubuntu:  sudo apt-get install -y chromium",
  "  or Playwright's: npx playwright install chromium   (then set CHROMIUM_PATH to its chrome binary)",
  "or point CHROMIUM_PATH at an existing Chrome/Chromium executable.",
].join("\n");
