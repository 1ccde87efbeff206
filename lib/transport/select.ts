/** The transports a node can serve (`npm start -- --transport http,ws,clawlink`). */
export const TRANSPORTS = {
  http: "the HTTP API (with SSE) and the portal",
  ws: "the WebSocket runtime protocol at /api/runtime/ws",
  clawlink: "remote nodes (`clawlink node`) over clawlink v1 at /api/runtime/nodes/ws",
} as const;

export type TransportName = keyof typeof TRANSPORTS;

export const DEFAULT_TRANSPORTS = "http,ws,clawlink";

/** Parse a comma-separated list; unknown names are refused with the list of available ones. */
export function parseTransports(value: string): ReadonlySet<TransportName> {
  const names = value
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const available = Object.keys(TRANSPORTS);
  const unknown = names.filter((name) => !available.includes(name));
  if (unknown.length) throw new Error(`Unknown transport${unknown.length > 1 ? "s" : ""} ${unknown.map((n) => `"${n}"`).join(", ")}; available: ${available.join(", ")}`);
  if (names.length === 0) throw new Error(`Name at least one transport; available: ${available.join(", ")}`);
  return new Set(names as TransportName[]);
}
