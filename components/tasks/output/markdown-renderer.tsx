"use client";

import ReactMarkdown, { type Components } from "react-markdown";
import remarkGfm from "remark-gfm";
import { CodeBlock } from "./code-block";

const components: Components = {
  // Fenced blocks become CodeBlock; inline code stays a <code>.
  pre: ({ children }) => <>{children}</>,
  code: ({ className, children }) => {
    const text = String(children ?? "");
    const lang = /language-([\w+#.-]+)/.exec(className ?? "")?.[1];
    if (!lang && !text.includes("\n")) return <code className="md-inline-code">{children}</code>;
    return <CodeBlock code={text.replace(/\n$/, "")} lang={lang} />;
  },
  a: ({ href, children }) => (
    <a href={href} target="_blank" rel="noreferrer noopener" className="text-sky-300 underline">
      {children}
    </a>
  ),
  // An image in agent output would be a request to an address the agent chose: show it as a link.
  img: ({ src, alt }) => (
    <a href={typeof src === "string" ? src : undefined} target="_blank" rel="noreferrer noopener" className="text-sky-300 underline">
      {alt || "image"}
    </a>
  ),
};

/**
 * Agent text as GitHub-flavoured markdown (loaded lazily through ./markdown: react-markdown and
 * remark-gfm are about a third of the task page's own JavaScript). Raw HTML in the text is shown as text, never parsed
 * (react-markdown escapes it; no rehype-raw), and links go through react-markdown's URL filter
 * (no javascript: URLs). Half-written markdown while streaming renders as far as it goes.
 */
export function MarkdownRenderer({ text }: { text: string }) {
  return (
    <ReactMarkdown remarkPlugins={[remarkGfm]} components={components}>
      {text}
    </ReactMarkdown>
  );
}
