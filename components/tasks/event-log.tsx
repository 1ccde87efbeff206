"use client";

import { memo, useEffect, useMemo, useRef } from "react";
import { CopyButton } from "@/components/ui/copy-button";
import { Button } from "@/components/ui/button";
import type { TaskEvent } from "@/lib/client/hooks/use-tasks";
import { toBlocks, type OutputBlock } from "@/lib/client/output/blocks";
import { logToJsonl, logToText } from "@/lib/client/output/export";
import { EventLine } from "./output/event-line";
import { Markdown, preloadMarkdown } from "./output/markdown";
import { ToolCard } from "./output/tool-card";
import { useLogSearch } from "./output/use-log-search";

// Terminal colour codes mean nothing in a browser.
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

const Block = memo(function Block({ block }: { block: OutputBlock }) {
  switch (block.kind) {
    case "text":
      return block.stream === "assistant" ? (
        <Markdown text={block.text} />
      ) : (
        <div className={`whitespace-pre-wrap break-words font-mono ${block.stream === "stderr" ? "text-red-300" : "text-slate-300"}`} data-testid="output-stream" data-stream={block.stream}>
          {block.text.replace(ANSI, "")}
        </div>
      );
    case "tool":
      return <ToolCard call={block.call} result={block.result} />;
    default:
      return <EventLine event={block.event} />;
  }
});

function download(name: string, type: string, body: string) {
  const url = URL.createObjectURL(new Blob([body], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * The output of a task: agent text as markdown, process output as text, tool calls as cards.
 * It keeps scrolled to the bottom while new events arrive, unless the reader scrolled up. Long
 * logs stay smooth: text is split into blocks so only the last one re-renders as it grows, and
 * blocks off screen are not laid out (content-visibility), while all text stays searchable.
 */
export function EventLog({ events, live, taskId }: { events: TaskEvent[]; live: boolean; taskId: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const blocks = useMemo(() => toBlocks(events), [events]);
  const search = useLogSearch(ref, events.length);
  const text = useMemo(() => logToText(events), [events]);
  const searching = search.query.length > 0;
  // The markdown renderer is fetched while the events load, not when the first agent text arrives.
  useEffect(() => void preloadMarkdown().catch(() => undefined), []);
  useEffect(() => {
    const el = ref.current;
    if (el && pinned.current && !searching) el.scrollTop = el.scrollHeight;
  }, [events.length, searching]);
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-2" data-testid="output-toolbar">
        <div className="flex min-w-0 flex-1 items-center gap-1">
          <label htmlFor={`log-search-${taskId}`} className="sr-only">
            Search the output
          </label>
          <input
            id={`log-search-${taskId}`}
            type="search"
            placeholder="Search output…"
            value={search.query}
            onChange={(e) => search.setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                search.step(e.shiftKey ? -1 : 1);
              }
            }}
            className="min-w-0 flex-1 rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"
            data-testid="output-search"
          />
          {search.query ? (
            <>
              <span className="whitespace-nowrap text-xs text-slate-600" data-testid="output-search-count" aria-live="polite">
                {search.count === 0 ? "no matches" : `${search.current + 1} of ${search.count}`}
              </span>
              <Button variant="ghost" className="!px-2" onClick={() => search.step(-1)} disabled={!search.count} aria-label="Previous match">
                ↑
              </Button>
              <Button variant="ghost" className="!px-2" onClick={() => search.step(1)} disabled={!search.count} aria-label="Next match" data-testid="output-search-next">
                ↓
              </Button>
            </>
          ) : null}
        </div>
        <CopyButton text={text} testId="output-copy" label="Copy output" />
        <Button variant="secondary" onClick={() => download(`task-${taskId.slice(0, 8)}.txt`, "text/plain", text)} data-testid="output-download-text">
          Download .txt
        </Button>
        <Button variant="secondary" onClick={() => download(`task-${taskId.slice(0, 8)}.jsonl`, "application/x-ndjson", logToJsonl(events))} data-testid="output-download-jsonl">
          .jsonl
        </Button>
      </div>
      <div
        ref={ref}
        onScroll={(e) => {
          const el = e.currentTarget;
          pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
        className="keep-colors max-h-[36rem] min-h-40 overflow-y-auto rounded-md bg-slate-900 p-3 text-sm leading-relaxed text-slate-100"
        data-testid="task-output"
        role="log"
        aria-live="polite"
        aria-label="Task output"
        tabIndex={0}
      >
        {events.length === 0 ? <p className="text-slate-400">{live ? "Waiting for output…" : "No output."}</p> : null}
        {blocks.map((b) => (
          <div key={b.key} className="output-block">
            <Block block={b} />
          </div>
        ))}
        {live ? <span className="inline-block h-4 w-2 animate-pulse bg-slate-400 align-middle" aria-hidden /> : null}
      </div>
    </div>
  );
}
