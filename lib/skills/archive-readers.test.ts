import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { create } from "tar";
import { afterAll, describe, expect, it } from "vitest";
import { makeTarGz, makeZip, skillMd } from "../../tests/fixtures/skills/archives";
import { skillLayout } from "./archive-paths";
import { detectArchiveFormat } from "./install";
import { readTarGz } from "./read-tar-gz";
import { readZip } from "./read-zip";

const scratch = mkdtempSync(path.join(tmpdir(), "skill-archives-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("archive readers", () => {
  it("tell zip from gzip by magic bytes, not by the declared type", () => {
    expect(detectArchiveFormat(makeZip([{ name: "SKILL.md", data: "x" }]))).toBe("zip");
    expect(detectArchiveFormat(makeTarGz([{ name: "SKILL.md", data: "x" }]))).toBe("tar.gz");
    expect(detectArchiveFormat(Buffer.from("%PDF-1.7"))).toBeNull();
  });

  it("read an archive written by node-tar itself, long (PAX) names included", async () => {
    const longDir = `${"deep-folder-name-".repeat(4)}x/${"another-long-segment-".repeat(3)}y`;
    const root = path.join(scratch, "long-names");
    mkdirSync(path.join(root, longDir), { recursive: true });
    writeFileSync(path.join(root, "SKILL.md"), skillMd("long-names"));
    writeFileSync(path.join(root, longDir, "reference.md"), "deep");
    const chunks: Buffer[] = [];
    for await (const chunk of create({ gzip: true, cwd: scratch, portable: true }, ["long-names"])) chunks.push(chunk as Buffer);
    const { entries, folderName } = skillLayout(await readTarGz(Buffer.concat(chunks)));
    expect(folderName).toBe("long-names");
    const file = entries.find((e) => e.path === `${longDir}/reference.md`);
    expect(file?.path.length).toBeGreaterThan(100);
    expect(file?.data.toString()).toBe("deep");
  });

  it("keep the executable bit and the bytes of every file", async () => {
    const entries = await readZip(
      makeZip([
        { name: "s/SKILL.md", data: "md" },
        { name: "s/run.sh", data: "#!/bin/sh\n", mode: 0o755 },
        { name: "s/data.bin", data: Buffer.from([0, 1, 2, 255]), deflate: true },
      ]),
    );
    expect(entries.map((e) => [e.path, e.executable])).toEqual([
      ["s/SKILL.md", false],
      ["s/run.sh", true],
      ["s/data.bin", false],
    ]);
    expect([...entries[2].data]).toEqual([0, 1, 2, 255]);
  });

  it("refuse damaged and empty archives with a 422, not a crash", async () => {
    const zip = makeZip([{ name: "SKILL.md", data: "x".repeat(100) }]);
    await expect(readZip(zip.subarray(0, zip.length - 30))).rejects.toMatchObject({ code: "validation_failed" });
    await expect(readTarGz(makeTarGz([]))).rejects.toMatchObject({ code: "validation_failed", message: expect.stringMatching(/empty|damaged/) });
    const tgz = makeTarGz([{ name: "SKILL.md", data: "x" }]);
    await expect(readTarGz(tgz.subarray(0, tgz.length - 8))).rejects.toMatchObject({ code: "validation_failed" });
  });
});
