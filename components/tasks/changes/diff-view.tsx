"use client";

import { useEffect, useState } from "react";
import { codeToHtml } from "shiki";
import { languageOf, parseUnifiedDiff, type DiffFile } from "@/lib/client/parse-diff";

/**
 * The unified diff, one block per file, syntax-highlighted by shiki in the file's language with
 * added and removed lines marked. This module (and shiki with it) is loaded only when a person
 * opens the changes view.
 */
export default function DiffView({ diff }: { diff: string }) {
  const files = parseUnifiedDiff(diff);
  if (files.length === 0) return <p className="px-5 py-4 text-sm text-slate-500">No differences to show.</p>;
  return (
    <div className="keep-colors space-y-4" data-testid="diff-view">
      {files.map((file) => (
        <FileDiff key={file.path} file={file} />
      ))}
    </div>
  );
}

const ROW = { add: "diff-add bg-emerald-50", del: "diff-del bg-rose-50", ctx: "", hunk: "diff-hunk bg-sky-50 text-sky-700" } as const;
const SIGN = { add: "+", del: "-", ctx: " ", hunk: "" } as const;

function FileDiff({ file }: { file: DiffFile }) {
  const [html, setHtml] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    const code = file.lines.map((l) => (l.kind === "hunk" ? l.text : `${SIGN[l.kind]} ${l.text}`)).join("\n");
    codeToHtml(code, {
      lang: languageOf(file.path),
      theme: "github-light",
      transformers: [
        {
          line(node, line) {
            const kind = file.lines[line - 1]?.kind;
            if (kind && ROW[kind]) this.addClassToHast(node, ROW[kind]);
          },
        },
      ],
    })
      .then((out) => alive && setHtml(out))
      .catch(() => alive && setHtml(null));
    return () => {
      alive = false;
    };
  }, [file]);
  return (
    <section id={`file-${file.path}`} tabIndex={-1} className="overflow-hidden rounded-md border border-slate-200" data-testid="diff-file" data-path={file.path}>
      <h4 className="border-b border-slate-200 bg-slate-50 px-3 py-1.5 font-mono text-xs text-slate-700">{file.path}</h4>
      {file.binary ? (
        <p className="px-3 py-2 text-xs text-slate-500">Binary file: not shown.</p>
      ) : html ? (
        <div className="diff-code overflow-x-auto text-xs [&_.line]:block [&_pre]:!bg-transparent [&_pre]:py-1" dangerouslySetInnerHTML={{ __html: html }} />
      ) : (
        <pre className="overflow-x-auto py-1 text-xs">
          {file.lines.map((l, i) => (
            <span key={i} className={`block px-3 ${ROW[l.kind]}`}>
              {l.kind === "hunk" ? l.text : `${SIGN[l.kind]} ${l.text}`}
            </span>
          ))}
        </pre>
      )}
    </section>
  );
}
