"use client";

import { memo, useEffect, useState, type ComponentType } from "react";

type Renderer = ComponentType<{ text: string }>;

// react-markdown and remark-gfm are not in the task page's first load: the task page starts fetching
// them as it mounts (preloadMarkdown), in parallel with the task's events, so they are usually there
// before the first agent text is.
let renderer: Renderer | null = null;
let loading: Promise<Renderer> | null = null;

export function preloadMarkdown(): Promise<Renderer> {
  loading ??= import("./markdown-renderer").then(
    (m) => (renderer = m.MarkdownRenderer),
    (err: unknown) => {
      loading = null; // a failed chunk load is retried by the next block that needs it
      throw err;
    },
  );
  return loading;
}

/**
 * Agent text as GitHub-flavoured markdown. Until the renderer has loaded (or if it cannot) the
 * text shows as it is, wrapped: the same words, never parsed as HTML.
 */
export const Markdown = memo(function Markdown({ text }: { text: string }) {
  const [Render, setRender] = useState<Renderer | null>(() => renderer);
  useEffect(() => {
    if (Render) return;
    let alive = true;
    preloadMarkdown().then(
      (r) => alive && setRender(() => r),
      () => undefined,
    );
    return () => {
      alive = false;
    };
  }, [Render]);
  return (
    <div className="md" data-testid="output-markdown" data-rendered={Render ? "true" : "false"}>
      {Render ? <Render text={text} /> : <p className="whitespace-pre-wrap break-words">{text}</p>}
    </div>
  );
});
