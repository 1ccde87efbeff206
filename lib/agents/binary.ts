import { execFile } from "node:child_process";
import { access, constants } from "node:fs/promises";
import path from "node:path";
import { childEnv } from "./process";

/** Where `bin` resolves: itself when it holds a slash, else the first executable match on PATH. */
export async function resolveBinary(bin: string): Promise<string | null> {
  if (bin.includes("/")) return (await isExecutable(bin)) ? bin : null;
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, bin);
    if (await isExecutable(candidate)) return candidate;
  }
  return null;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First line of `<bin> --version`, or undefined when it fails or takes too long. */
export function binaryVersion(bin: string, timeoutMs = 5000): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(bin, ["--version"], { timeout: timeoutMs, env: childEnv() as NodeJS.ProcessEnv, maxBuffer: 64 * 1024, encoding: "utf8" }, (error, stdout) => {
      if (error) return resolve(undefined);
      const first = stdout.split("\n").map((l) => l.trim()).find(Boolean);
      resolve(first ? first.slice(0, 120) : undefined);
    });
  });
}

/**
 * The usual CLI probe: binary present (with a reason naming the setting to change) and its version.
 */
export async function probeBinary(bin: string, envName: string): Promise<{ available: boolean; reason?: string; version?: string }> {
  const resolved = await resolveBinary(bin);
  if (!resolved) {
    return {
      available: false,
      reason: bin.includes("/") ? `${bin} not found or not executable (${envName})` : `${bin} not found on PATH (set ${envName} to its path)`,
    };
  }
  return { available: true, version: await binaryVersion(resolved) };
}
