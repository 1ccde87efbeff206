"use client";

import { memo, useEffect, useState } from "react";

// shiki is large: it is imported the first time a code block is shown, and each highlight is cached.
let shiki: Promise<typeof import("shiki")> | null = null;
const cache = new Map<string, string>();

/**
 * A fenced code block in agent output. Plain text at once; highlighted once the text has stopped
 * changing for a moment (a block still streaming is not re-highlighted on every chunk).
 */
export const CodeBlock = memo(function CodeBlock({ code, lang }: { code: string; lang: string | undefined }) {
  const id = `${lang ?? ""}\u0000${code}`;
  const [html, setHtml] = useState<string | null>(() => cache.get(id) ?? null);
  useEffect(() => {
    const cached = cache.get(id);
    if (cached) return setHtml(cached);
    setHtml(null);
    let alive = true;
    const timer = setTimeout(async () => {
      try {
        shiki ??= import("shiki");
        const { codeToHtml, bundledLanguages } = await shiki;
        const known = lang && lang in bundledLanguages ? lang : "text";
        const out = await codeToHtml(code, { lang: known, theme: "github-dark-default" });
        if (cache.size > 500) cache.clear();
        cache.set(id, out);
        if (alive) setHtml(out);
      } catch {
        // Unhighlighted text is still correct.
      }
    }, 250);
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [id, code, lang]);
  return (
    <div className="md-code relative my-2" data-testid="output-code" data-lang={lang ?? ""}>
      {lang ? <span className="absolute right-2 top-1 text-[10px] uppercase text-slate-400">{lang}</span> : null}
      {html ? (
        // shiki's output is escaped code inside spans it generated itself; no agent HTML passes through.
        <div className="overflow-x-auto rounded-md [&_pre]:!bg-slate-950 [&_pre]:p-3" data-highlighted="true" dangerouslySetInnerHTML={{ __html: html }} />
      ) : (
        <pre className="overflow-x-auto rounded-md bg-slate-950 p-3">
          <code>{code}</code>
        </pre>
      )}
    </div>
  );
});
