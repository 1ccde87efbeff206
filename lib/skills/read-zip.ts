import type { Readable } from "node:stream";
import yauzl from "yauzl";
import { AppError } from "../errors";
import { entryRefused as refused, expandsTooMuch as tooBig, messageOf, tooManyFiles as tooMany } from "./archive-errors";
import { normaliseEntryPath, type ArchiveEntry } from "./archive-paths";
import { SKILL_LIMITS } from "./limits";

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/**
 * Read every entry of a zip held in memory, refusing links, devices, encrypted entries and
 * anything beyond the limits. Sizes are checked against the headers before inflating and
 * again while inflating (yauzl fails an entry that expands past its declared size).
 */
export async function readZip(buffer: Buffer): Promise<ArchiveEntry[]> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(buffer, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true });
  } catch (error) {
    throw new AppError("validation_failed", `The upload is not a readable zip archive: ${messageOf(error)}`);
  }
  if (zip.entryCount > SKILL_LIMITS.maxEntries) {
    zip.close();
    throw tooMany(`The archive has ${zip.entryCount} entries; at most ${SKILL_LIMITS.maxEntries} are allowed`);
  }
  const entries: ArchiveEntry[] = [];
  let files = 0;
  let total = 0;
  try {
    for (;;) {
      const entry = await nextEntry(zip);
      if (!entry) break;
      const name = decodeName(entry);
      const { path, isDirectory } = normaliseEntryPath(name);
      const madeOnUnix = entry.versionMadeBy >> 8 === 3;
      const mode = madeOnUnix ? (entry.externalFileAttributes >>> 16) & 0xffff : 0;
      const type = mode & S_IFMT;
      if (type === S_IFLNK) throw refused(name, "symbolic links are not allowed");
      if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) throw refused(name, "only regular files and folders are allowed");
      if (entry.generalPurposeBitFlag & 0x1) throw refused(name, "encrypted entries are not supported");
      if (isDirectory || type === S_IFDIR) {
        entries.push({ path, kind: "directory", data: Buffer.alloc(0), executable: false });
        continue;
      }
      files++;
      if (files > SKILL_LIMITS.maxFiles) throw tooMany(`The archive has more than ${SKILL_LIMITS.maxFiles} files`);
      if (total + entry.uncompressedSize > SKILL_LIMITS.maxUncompressedBytes) throw tooBig();
      const data = await readEntry(zip, entry, SKILL_LIMITS.maxUncompressedBytes - total, name);
      total += data.length;
      entries.push({ path, kind: "file", data, executable: (mode & 0o111) !== 0 });
    }
  } finally {
    zip.close();
  }
  return entries;
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      zip.off("entry", onEntry);
      zip.off("end", onEnd);
      zip.off("error", onError);
    };
    const onEntry = (entry: yauzl.Entry) => (cleanup(), resolve(entry));
    const onEnd = () => (cleanup(), resolve(null));
    const onError = (error: Error) => (cleanup(), reject(new AppError("validation_failed", `The zip archive is damaged: ${error.message}`)));
    zip.on("entry", onEntry);
    zip.on("end", onEnd);
    zip.on("error", onError);
    zip.readEntry();
  });
}

async function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, budget: number, name: string): Promise<Buffer> {
  let stream: Readable;
  try {
    stream = await zip.openReadStreamPromise(entry);
  } catch (error) {
    throw refused(name, messageOf(error));
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      // Belt and braces: never hold more than the remaining budget, whatever the header said.
      if (size > budget) {
        stream.destroy();
        throw tooBig();
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw refused(name, messageOf(error));
  }
  return Buffer.concat(chunks);
}

function decodeName(entry: yauzl.Entry): string {
  const raw = entry.fileName as unknown as Buffer;
  return Buffer.isBuffer(raw) ? raw.toString("utf8") : String(raw);
}

