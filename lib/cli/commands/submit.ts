import { Option, type Command } from "commander";
import { action } from "../command";
import { call, connect } from "../client";
import { addWaitOptions, finishStarted, type WaitOptions } from "../outcome";
import { parseContext, readPrompt, resolveProject } from "../task-input";

interface SubmitOptions extends WaitOptions {
  json?: boolean;
  project?: string;
  skill: string[];
  context?: string;
  timeout?: number;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerSubmit(program: Command): void {
  const command = program
    .command("submit")
    .description("Submit a task to an agent (prints its id; --wait or --follow to see it through)")
    .argument("<agent_type>", "the agent: claude, claude-code, goose, auggie, ollama, opendevin … (`clawlink agents` lists them)")
    .argument("<prompt>", "what to do; `-` reads it from stdin")
    .option("--project <key>", "the project (its key, e.g. WEB, or its id)")
    .option("--skill <name>", "a skill to use (repeatable)", collect, [])
    .option("--context <json>", "extra context: a JSON object, or @file.json")
    .addOption(new Option("--timeout <seconds>", "wall-clock limit for the whole run").argParser((v) => Number.parseInt(v, 10)));
  addWaitOptions(command).action(
    action<SubmitOptions, [string, string]>(async (ctx, agentType, promptArg) => {
      const { options } = ctx;
      const context = parseContext(options.context);
      const prompt = await readPrompt(promptArg);
      const conn = connect();
      const projectId = await resolveProject(conn, options.project);
      const task = await call(
        conn.api.POST("/api/runtime/tasks/submit", {
          body: {
            agent_type: agentType,
            prompt,
            ...(context ? { context } : {}),
            ...(projectId ? { project_id: projectId } : {}),
            ...(options.skill.length ? { skills: options.skill } : {}),
            ...(options.timeout !== undefined ? { timeout_seconds: options.timeout } : {}),
          },
        }),
      );
      return finishStarted(ctx, conn, task, "Submitted");
    }),
  );
}
