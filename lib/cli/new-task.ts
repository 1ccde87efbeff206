import { Option, type Command } from "commander";
import type { Task } from "./api/types";
import { call, type Connection } from "./client";
import { parseContext, readPrompt, resolveProject } from "./task-input";

/** The options every command that starts a task takes (submit, run). */
export interface NewTaskOptions {
  project?: string;
  skill: string[];
  context?: string;
  timeout?: number;
  node?: string;
  label: string[];
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function addNewTaskOptions(command: Command): Command {
  return command
    .argument("<agent_type>", "the agent: claude, claude-code, goose, auggie, ollama, opendevin … (`clawlink agents` lists them)")
    .argument("<prompt>", "what to do; `-` reads it from stdin")
    .option("--project <key>", "the project (its key, e.g. WEB, or its id)")
    .option("--skill <name>", "a skill to use (repeatable)", collect, [])
    .option("--context <json>", "extra context: a JSON object, or @file.json")
    .option("--node <name>", "run it on this remote node (its name or id)")
    .option("--label <label>", "run it on any remote node carrying this label (repeatable)", collect, [])
    .addOption(new Option("--timeout <seconds>", "wall-clock limit for the whole run").argParser((v) => Number.parseInt(v, 10)));
}

/** The command line's task, read and checked before anything is sent. */
export async function readNewTask(agentType: string, promptArg: string, options: NewTaskOptions) {
  const context = parseContext(options.context);
  const prompt = await readPrompt(promptArg);
  return { agentType, prompt, context, skills: options.skill, project: options.project, timeoutSeconds: options.timeout, node: options.node, labels: options.label };
}

export type NewTask = Awaited<ReturnType<typeof readNewTask>>;

export async function submitNewTask(conn: Connection, task: NewTask): Promise<Task> {
  const projectId = await resolveProject(conn, task.project);
  return call(
    conn.api.POST("/api/runtime/tasks/submit", {
      body: {
        agent_type: task.agentType,
        prompt: task.prompt,
        ...(task.context ? { context: task.context } : {}),
        ...(projectId ? { project_id: projectId } : {}),
        ...(task.skills.length ? { skills: task.skills } : {}),
        ...(task.timeoutSeconds !== undefined ? { timeout_seconds: task.timeoutSeconds } : {}),
        ...(task.node ? { node: task.node } : {}),
        ...(task.labels.length ? { labels: task.labels } : {}),
      },
    }),
  );
}
