import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { Parser, type ReadEntry } from "tar";
import { AppError } from "../errors";
import { entryRefused, expandsTooMuch, messageOf, tooManyFiles } from "./archive-errors";
import { normaliseEntryPath, type ArchiveEntry } from "./archive-paths";
import { SKILL_LIMITS } from "./limits";

const gunzipAsync = promisify(gunzip);

/** Room for tar's own headers, padding and long-name records on top of the file data. */
const TAR_OVERHEAD_BYTES = (SKILL_LIMITS.maxEntries + 8) * 1536;

/**
 * Read a .tar.gz held in memory. Decompression is capped (a gzip bomb stops at the cap
 * instead of filling memory), then node-tar parses the headers; only regular files and
 * folders pass — symlinks, hard links, devices and FIFOs are refused, not skipped.
 */
export async function readTarGz(buffer: Buffer): Promise<ArchiveEntry[]> {
  let tarBytes: Buffer;
  try {
    tarBytes = await gunzipAsync(buffer, { maxOutputLength: SKILL_LIMITS.maxUncompressedBytes + TAR_OVERHEAD_BYTES });
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE" || error instanceof RangeError) throw expandsTooMuch();
    throw new AppError("validation_failed", `The upload is not a readable gzip stream: ${messageOf(error)}`);
  }
  return parseTar(tarBytes);
}

function parseTar(tarBytes: Buffer): Promise<ArchiveEntry[]> {
  return new Promise((resolve, reject) => {
    const entries: ArchiveEntry[] = [];
    let files = 0;
    let total = 0;
    let settled = false;
    let sawEntry = false;
    const parser = new Parser({ strict: true });
    // The parser works synchronously through the buffer; the first problem settles the promise
    // and stops it (an aborted parser does not always emit close).
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      reject(error instanceof AppError ? error : new AppError("validation_failed", `The tar archive is damaged: ${error.message}`));
      parser.abort(error);
    };
    parser.on("entry", (entry: ReadEntry) => {
      sawEntry = true;
      if (settled) return void entry.resume();
      try {
        const accepted = acceptEntry(entry);
        if (entries.length + 1 > SKILL_LIMITS.maxEntries) throw tooManyFiles(`The archive has more than ${SKILL_LIMITS.maxEntries} entries`);
        if (accepted.kind === "directory") {
          entries.push({ path: accepted.path, kind: "directory", data: Buffer.alloc(0), executable: false });
          return void entry.resume();
        }
        files++;
        if (files > SKILL_LIMITS.maxFiles) throw tooManyFiles();
        if (total + entry.size > SKILL_LIMITS.maxUncompressedBytes) throw expandsTooMuch();
        const chunks: Buffer[] = [];
        entry.on("data", (chunk: Buffer) => chunks.push(chunk));
        entry.on("end", () => {
          const data = Buffer.concat(chunks);
          total += data.length;
          if (total > SKILL_LIMITS.maxUncompressedBytes) return fail(expandsTooMuch());
          entries.push({ path: accepted.path, kind: "file", data, executable: ((entry.mode ?? 0) & 0o111) !== 0 });
        });
      } catch (error) {
        entry.resume();
        fail(error as Error);
      }
    });
    parser.on("error", (error: Error) => fail(error));
    parser.on("close", () => {
      if (settled) return;
      settled = true;
      if (!sawEntry) return reject(new AppError("validation_failed", "The archive is empty or not a tar archive"));
      resolve(entries);
    });
    try {
      parser.end(tarBytes);
    } catch (error) {
      fail(error as Error);
    }
  });
}

function acceptEntry(entry: ReadEntry): { path: string; kind: "file" | "directory" } {
  const name = entry.path;
  switch (entry.type) {
    case "File":
    case "OldFile":
    case "ContiguousFile": {
      const { path, isDirectory } = normaliseEntryPath(name);
      if (isDirectory) throw entryRefused(name, "a file entry whose name ends in '/'");
      return { path, kind: "file" };
    }
    case "Directory":
    case "GNUDumpDir": {
      const { path } = normaliseEntryPath(name.endsWith("/") ? name : `${name}/`);
      return { path, kind: "directory" };
    }
    case "SymbolicLink":
      throw entryRefused(name, "symbolic links are not allowed");
    case "Link":
      throw entryRefused(name, "hard links are not allowed");
    case "CharacterDevice":
    case "BlockDevice":
    case "FIFO":
      throw entryRefused(name, "device files and FIFOs are not allowed");
    default:
      throw entryRefused(name, `unsupported entry type ${entry.type}`);
  }
}
