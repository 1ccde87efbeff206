import { openApiDocument } from "@/lib/transport/http/openapi";
import { publicRoute } from "@/lib/transport/http/handler";

/** The OpenAPI 3.1 description of every route, generated from the same zod schemas the routes parse with. */
export const GET = publicRoute({
  handler: async () => openApiDocument(),
});
