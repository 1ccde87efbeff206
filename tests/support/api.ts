import type { HttpMethod, Operation } from "../../lib/operations";
import { operationList } from "../../lib/operations";
import { handleApiRequest, handleOperation } from "../../lib/transport/http";

export type RouteHandler = (req: Request, ctx?: { params: Promise<Record<string, string>> }) => Promise<Response>;

/**
 * The operations at one path template (`/api/tasks/{id}`) as route-handler functions by HTTP
 * method, dispatched through the HTTP adapter. With path params given the way Next passes them,
 * the request URL does not matter; without, the URL is routed.
 */
export function routeHandlers(template: string): Record<HttpMethod, RouteHandler> {
  const ops = operationList.filter((op) => op.path === template);
  if (ops.length === 0) throw new Error(`No operation in the registry at ${template}`);
  return Object.fromEntries(ops.map((op) => [op.method, handlerFor(op)])) as Record<HttpMethod, RouteHandler>;
}

function handlerFor(op: Operation): RouteHandler {
  const templated = op.path.includes("{");
  return async (req, ctx) => {
    if (ctx) return handleOperation(op, req, await ctx.params);
    return templated ? handleApiRequest(req) : handleOperation(op, req, {});
  };
}

/** Call the API as the HTTP transport would: a Request in, a Response out. */
export const callApi = (req: Request) => handleApiRequest(req);
