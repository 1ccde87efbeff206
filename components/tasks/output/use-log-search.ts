"use client";

import { useCallback, useEffect, useRef, useState, type RefObject } from "react";

const ALL = "log-search";
const CURRENT = "log-search-current";

/** Every occurrence of `query` (case-insensitive) in the text under `root`. */
function findRanges(root: HTMLElement, query: string): Range[] {
  const ranges: Range[] = [];
  const q = query.toLowerCase();
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = (node.nodeValue ?? "").toLowerCase();
    for (let at = text.indexOf(q); at >= 0 && ranges.length < 10_000; at = text.indexOf(q, at + q.length)) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + q.length);
      ranges.push(range);
    }
  }
  return ranges;
}

function paint(name: string, ranges: Range[]) {
  if (typeof CSS === "undefined" || !("highlights" in CSS)) return;
  if (ranges.length) CSS.highlights.set(name, new Highlight(...ranges));
  else CSS.highlights.delete(name);
}

/**
 * Search within the rendered log: matches are painted with the CSS Custom Highlight API (no DOM
 * changes, so React's tree is untouched), counted, and stepped through; the current one is
 * scrolled into view, opening the tool card that holds it. Re-run as the log grows.
 */
export function useLogSearch(root: RefObject<HTMLElement | null>, version: number) {
  const [query, setQuery] = useState("");
  const [count, setCount] = useState(0);
  const [current, setCurrent] = useState(0);
  const ranges = useRef<Range[]>([]);

  useEffect(() => {
    const el = root.current;
    const timer = setTimeout(() => {
      ranges.current = el && query.length > 0 ? findRanges(el, query) : [];
      paint(ALL, ranges.current);
      setCount(ranges.current.length);
      setCurrent((c) => (c < ranges.current.length ? c : 0));
    }, 120);
    return () => clearTimeout(timer);
  }, [root, query, version]);

  useEffect(() => () => [ALL, CURRENT].forEach((n) => paint(n, [])), []);

  const show = useCallback((index: number) => {
    const range = ranges.current[index];
    if (!range) return paint(CURRENT, []);
    const parent = range.startContainer.parentElement;
    for (let p = parent; p; p = p.parentElement) if (p instanceof HTMLDetailsElement) p.setAttribute("open", "");
    paint(CURRENT, [range]);
    parent?.scrollIntoView({ block: "center" });
  }, []);

  const step = useCallback(
    (delta: number) => {
      if (ranges.current.length === 0) return;
      const next = (current + delta + ranges.current.length) % ranges.current.length;
      setCurrent(next);
      show(next);
    },
    [current, show],
  );

  useEffect(() => {
    if (count > 0) show(current);
    else paint(CURRENT, []);
    // Only when the set of matches changes; stepping calls show itself.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [count, query]);

  return { query, setQuery, count, current, step };
}
