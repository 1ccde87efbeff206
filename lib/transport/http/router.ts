import { AppError } from "../../errors";
import type { HttpMethod, Operation } from "../../operations";

export type Match =
  | { kind: "operation"; op: Operation; params: Record<string, string> }
  /** The path exists but not with this method: 405 with these in Allow. */
  | { kind: "method"; allow: HttpMethod[] }
  | { kind: "none" };

type Segment = { literal: string } | { param: string };

interface Route {
  op: Operation;
  /** Literal segments, or a parameter's name. */
  segments: Segment[];
}

/**
 * Matches `/api/...` paths against the registry's templates (`/api/tasks/{id}`). The most specific
 * template wins: a literal segment beats a parameter (`/api/runtime/tasks/submit` is never a task
 * id, so GET on it is 405, not "invalid id"). Segments are percent-decoded one by one; a malformed
 * escape is the caller's mistake (400), never a crash.
 */
export class Router {
  private readonly routes: Route[];

  constructor(operations: readonly Operation[]) {
    this.routes = operations.map((op) => ({
      op,
      segments: op.path
        .split("/")
        .filter(Boolean)
        .map((s) => (/^\{(.+)\}$/.test(s) ? { param: s.slice(1, -1) } : { literal: s })),
    }));
  }

  match(method: string, pathname: string): Match {
    const parts = pathname.split("/").filter(Boolean).map(decodeSegment);
    let best: { specificity: string; routes: { route: Route; params: Record<string, string> }[] } | null = null;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      const specificity = route.segments.map((s) => ("literal" in s ? "1" : "0")).join("");
      if (!best || specificity > best.specificity) best = { specificity, routes: [{ route, params }] };
      else if (specificity === best.specificity) best.routes.push({ route, params });
    }
    if (!best) return { kind: "none" };
    const found = best.routes.find((r) => r.route.op.method === method);
    if (found) return { kind: "operation", op: found.route.op, params: found.params };
    return { kind: "method", allow: [...new Set(best.routes.map((r) => r.route.op.method))].sort() };
  }
}

function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | null {
  if (segments.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (const [i, segment] of segments.entries()) {
    if ("literal" in segment) {
      if (segment.literal !== parts[i]) return null;
    } else {
      params[segment.param] = parts[i]!;
    }
  }
  return params;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new AppError("bad_request", "The path contains a malformed percent-encoding", { segment: segment.slice(0, 100) });
  }
}
