import pino from "pino";
import { log } from "../../lib/log";

/**
 * Capture what the node's logger writes (every level) until `stop()`: the lines exactly as they
 * would reach stdout, after serializers and redaction.
 */
export function captureLog(): { lines: string[]; text: () => string; stop: () => void } {
  const target = log as unknown as Record<symbol, unknown>;
  const stream = target[pino.symbols.streamSym];
  const level = log.level;
  const lines: string[] = [];
  target[pino.symbols.streamSym] = { write: (line: string) => void lines.push(line) };
  log.level = "trace";
  return {
    lines,
    text: () => lines.join(""),
    stop: () => {
      target[pino.symbols.streamSym] = stream;
      log.level = level;
    },
  };
}
