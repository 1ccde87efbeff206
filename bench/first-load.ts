import { gzipSync } from "node:zlib";

/**
 * First-load JavaScript of a page as a browser gets it: sign in with next-auth's credentials flow
 * (a cookie jar of our own), load the page's HTML, and add up every script it references
 * (`<script src>` and `<link rel="preload"|"modulepreload" as="script">`), each gzipped at level 9 as a
 * production server or CDN would serve it. Chunks loaded later (next/dynamic, React.lazy) are not in
 * the HTML and so not counted: that is the point of loading the chart library lazily. Nor are
 * `<script nomodule>` (Next's legacy polyfills, about 38 kB gzip): a browser that runs ES modules —
 * every browser React 19 supports — skips them without fetching.
 */
export interface FirstLoad {
  path: string;
  scripts: number;
  gzipBytes: number;
  rawBytes: number;
}

class Browser {
  private readonly cookies = new Map<string, string>();
  constructor(private readonly baseURL: string) {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(new URL(path, this.baseURL), { ...init, headers, redirect: "manual", signal: AbortSignal.timeout(60_000) });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair.indexOf("=");
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return res;
  }

  async signIn(email: string, password: string): Promise<void> {
    const { csrfToken } = (await (await this.fetch("/api/auth/csrf")).json()) as { csrfToken: string };
    const res = await this.fetch("/api/auth/callback/credentials", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrfToken, email, password }).toString(),
    });
    await res.arrayBuffer();
    if (![200, 302].includes(res.status)) throw new Error(`sign-in answered ${res.status}`);
  }
}

/** Every script a page's HTML makes the browser load before it runs (not the lazily imported ones, not `nomodule` ones). */
export function scriptUrls(html: string): string[] {
  const urls = new Set<string>();
  for (const m of html.matchAll(/<script\b[^>]*>/g)) {
    const src = /\bsrc="([^"]+)"/.exec(m[0]);
    if (src && !/\bnomodule\b/i.test(m[0])) urls.add(src[1]);
  }
  for (const m of html.matchAll(/<link\b[^>]*>/g)) {
    const tag = m[0];
    if (/\bas="script"/.test(tag) || /\brel="modulepreload"/.test(tag)) {
      const href = /\bhref="([^"]+)"/.exec(tag);
      if (href) urls.add(href[1]);
    }
  }
  return [...urls].map((u) => u.replace(/&amp;/g, "&"));
}

export async function measureFirstLoad(baseURL: string, user: { email: string; password: string }, paths: string[]): Promise<FirstLoad[]> {
  const browser = new Browser(baseURL);
  await browser.signIn(user.email, user.password);
  const results: FirstLoad[] = [];
  for (const path of paths) {
    const res = await browser.fetch(path, { headers: { accept: "text/html" } });
    const html = await res.text();
    if (res.status !== 200) throw new Error(`${path} answered ${res.status} (signed in?)`);
    let gzipBytes = 0;
    let rawBytes = 0;
    const urls = scriptUrls(html);
    for (const url of urls) {
      const script = await browser.fetch(url);
      if (script.status !== 200) throw new Error(`${url} answered ${script.status}`);
      const bytes = Buffer.from(await script.arrayBuffer());
      rawBytes += bytes.length;
      gzipBytes += gzipSync(bytes, { level: 9 }).length;
    }
    results.push({ path, scripts: urls.length, gzipBytes, rawBytes });
  }
  return results;
}
