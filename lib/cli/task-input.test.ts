import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { answerBody } from "./answers";
import { exitCodeForState } from "./exit-codes";
import { parseContext, readPrompt } from "./task-input";

describe("task input", () => {
  it("reads --context inline or from @file, and insists on a JSON object", () => {
    expect(parseContext(undefined)).toBeUndefined();
    expect(parseContext('{"branch":"main"}')).toEqual({ branch: "main" });
    const file = path.join(mkdtempSync(path.join(tmpdir(), "ctx-")), "ctx.json");
    writeFileSync(file, '{"steps":[{"say":"hi"}]}');
    expect(parseContext(`@${file}`)).toEqual({ steps: [{ say: "hi" }] });
    expect(() => parseContext("[1,2]")).toThrow(/must be a JSON object/);
    expect(() => parseContext("{nope")).toThrow(/not valid JSON/);
    expect(() => parseContext("@/no/such/file.json")).toThrow(/Cannot read the context file/);
  });

  it("reads the prompt from stdin for `-`", async () => {
    expect(await readPrompt("fix it")).toBe("fix it");
    expect(await readPrompt("-", Readable.from(["Refactor ", "the parser\n"]))).toBe("Refactor the parser");
    await expect(readPrompt("-", Readable.from(["  \n"]))).rejects.toThrow(/empty/);
  });

  it("builds answers for questions and approvals", () => {
    expect(answerBody({ text: "blue" })).toEqual({ answer: "blue" });
    expect(answerBody({ approve: true })).toEqual({ approved: true });
    expect(answerBody({ approve: false, text: "too risky" })).toEqual({ approved: false, text: "too risky" });
    expect(() => answerBody({})).toThrow(/--approve/);
  });

  it("maps final states to exit codes", () => {
    expect([exitCodeForState("COMPLETED"), exitCodeForState("FAILED"), exitCodeForState("CANCELLED")]).toEqual([0, 1, 3]);
  });
});
