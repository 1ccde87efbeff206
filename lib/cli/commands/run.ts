import { Option, type Command } from "commander";
import { action } from "../command";
import { call, connect } from "../client";
import { runLocal } from "../local/run-local";
import { finishStarted } from "../outcome";
import { parseContext, readPrompt, resolveProject } from "../task-input";

interface RunOptions {
  json?: boolean;
  local?: boolean;
  as?: string;
  project?: string;
  skill: string[];
  context?: string;
  timeout?: number;
  input?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("Run a task and follow it to the end. --local: in this process on the node's own database, no server needed")
    .argument("<agent_type>", "the agent")
    .argument("<prompt>", "what to do; `-` reads it from stdin")
    .option("--local", "drive the runtime in-process on DATA_DIR's embedded database (or DATABASE_URL) instead of a node's API")
    .option("--as <email>", "with --local: act as this account (default: the only administrator)")
    .option("--project <key>", "the project (key or id)")
    .option("--skill <name>", "a skill to use (repeatable)", collect, [])
    .option("--context <json>", "extra context: a JSON object, or @file.json")
    .addOption(new Option("--timeout <seconds>", "wall-clock limit for the whole run").argParser((v) => Number.parseInt(v, 10)))
    .option("--no-input", "never ask the task's questions here")
    .action(
      action<RunOptions, [string, string]>(async (ctx, agentType, promptArg) => {
        const { options, out } = ctx;
        const context = parseContext(options.context);
        const prompt = await readPrompt(promptArg);
        if (options.local) {
          return runLocal(
            { agentType, prompt, context, skills: options.skill, project: options.project, as: options.as, timeoutSeconds: options.timeout, interactive: options.input !== false },
            out,
            ctx.prompter(),
          );
        }
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
        return finishStarted({ ...ctx, options: { ...options, follow: true } }, conn, task, "Submitted");
      }),
    );
}
