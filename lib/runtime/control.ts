import type { Database } from "../db/client";
import type { Execution } from "../db/schema";
import { answerTask, pendingQuestion, requestCancel as engineCancel } from "../engine/commands";
import { AppError } from "../errors";
import { actorOf } from "../security/audit";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { loadVisibleTask } from "./access";
import type { ProvideInputBody } from "./schemas";

/** Cancel a task the caller may see (task:cancel); the engine stops it. */
export async function requestCancel(db: Database, ctx: AuthContext, taskId: string): Promise<Execution> {
  await authorize(ctx, "task:cancel");
  await loadVisibleTask(db, ctx, taskId);
  return engineCancel(db, taskId, actorOf(ctx));
}

/** Answer a WAITING task the caller may see (task:submit): the engine logs it and resumes the worker. */
export async function provideInput(db: Database, ctx: AuthContext, taskId: string, body: ProvideInputBody): Promise<Execution> {
  await authorize(ctx, "task:submit");
  const task = await loadVisibleTask(db, ctx, taskId);
  if (task.state !== "WAITING") throw new AppError("invalid_state", `The task is not waiting for input (it is ${task.state})`, { state: task.state });
  const wait = await pendingQuestion(db, taskId);
  if (!wait) throw new AppError("invalid_state", "The task is not waiting for input");
  const answer = interpretAnswer(wait.data.kind === "approval" ? "approval" : "question", body);
  return answerTask(db, { task, wait, answer, by: { ...actorOf(ctx), email: ctx.user.email } });
}

function interpretAnswer(kind: "approval" | "question", body: ProvideInputBody): { approved?: boolean; text?: string } {
  const text = body.answer ?? body.text;
  if (kind === "question") {
    if (text === undefined) throw new AppError("validation_failed", "This task asks a question: send {answer: \"…\"}");
    return { text, ...(body.approved !== undefined ? { approved: body.approved } : {}) };
  }
  let approved = body.approved;
  if (approved === undefined && text !== undefined) {
    const word = text.trim().toLowerCase();
    if (["approve", "approved", "yes", "y", "allow"].includes(word)) approved = true;
    else if (["deny", "denied", "no", "n", "reject"].includes(word)) approved = false;
  }
  if (approved === undefined) throw new AppError("validation_failed", "This task asks for approval: send {approved: true|false, text?}");
  return { approved, ...(body.text !== undefined ? { text: body.text } : {}) };
}
