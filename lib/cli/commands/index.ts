import type { CommandModule } from "../command";
import { registerAgents } from "./agents";
import { registerAnswer } from "./answer";
import { registerAudit } from "./audit";
import { registerCancel } from "./cancel";
import { registerDiff } from "./diff";
import { registerLogin } from "./login";
import { registerNode } from "./node";
import { registerPr } from "./pr";
import { registerRetry } from "./retry";
import { registerRun } from "./run";
import { registerSessions } from "./sessions";
import { registerSkills } from "./skills";
import { registerState } from "./state";
import { registerSubmit } from "./submit";
import { registerTasks } from "./tasks";
import { registerVerify } from "./verify";
import { registerWatch } from "./watch";

/** Every `clawlink` command, in the order `--help` lists them; one module each. */
export const commands: CommandModule[] = [
  registerLogin,
  registerSubmit,
  registerRun,
  registerWatch,
  registerState,
  registerCancel,
  registerAnswer,
  registerRetry,
  registerDiff,
  registerPr,
  registerTasks,
  registerAgents,
  registerSkills,
  registerSessions,
  registerAudit,
  registerVerify,
  registerNode,
];
