import { localRuntime, provideInputBody, taskIdParams } from "@/lib/runtime";
import { route } from "@/lib/transport/http/handler";

/** Answer a WAITING task: {answer} for a question, {approved, text?} for an approval. */
export const POST = route({
  permission: "task:submit",
  params: taskIdParams,
  body: provideInputBody,
  handler: async ({ ctx, params, body }) => (await localRuntime()).provideInput(ctx, params.id, body),
});
