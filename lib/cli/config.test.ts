import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configFile, forgetConfig, normaliseUrl, readSavedConfig, resolveTarget, saveConfig } from "./config";

describe("clawlink config", () => {
  const saved = { ...process.env };
  beforeEach(() => {
    process.env.CLAWLINK_CONFIG_DIR = path.join(mkdtempSync(path.join(tmpdir(), "clawlink-config-")), "clawlink");
    delete process.env.CLAWLINK_URL;
    delete process.env.CLAWLINK_TOKEN;
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it("saves the login owner-only and reads it back", () => {
    const file = saveConfig({ url: "http://node:3000", token: "ccl_pat_abc" });
    expect(file).toBe(configFile());
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(readSavedConfig()).toMatchObject({ url: "http://node:3000", token: "ccl_pat_abc" });
    expect(JSON.parse(readFileSync(file, "utf8")).saved_at).toMatch(/^\d{4}-/);
    expect(forgetConfig()).toBe(true);
    expect(readSavedConfig()).toBeNull();
    expect(forgetConfig()).toBe(false);
  });

  it("lets CLAWLINK_URL / CLAWLINK_TOKEN win, and never sends a saved token to another URL", () => {
    expect(resolveTarget()).toBeNull();
    saveConfig({ url: "http://node:3000", token: "ccl_pat_saved" });
    expect(resolveTarget()).toEqual({ url: "http://node:3000", token: "ccl_pat_saved" });
    process.env.CLAWLINK_URL = "http://other:4000/";
    expect(resolveTarget()).toEqual({ url: "http://other:4000", token: null });
    process.env.CLAWLINK_TOKEN = "ccl_pat_env";
    expect(resolveTarget()).toEqual({ url: "http://other:4000", token: "ccl_pat_env" });
  });

  it("normalises node URLs and refuses credentials or other schemes in them", () => {
    expect(normaliseUrl("127.0.0.1:3000")).toBe("http://127.0.0.1:3000");
    expect(normaliseUrl("https://claw.example.com/base/")).toBe("https://claw.example.com/base");
    expect(() => normaliseUrl("https://me:secret@claw.example.com")).toThrow(/no credentials/);
    expect(() => normaliseUrl("ftp://claw.example.com")).toThrow(/Only http/);
  });

  it("reports a damaged config file as a sign-in problem, not a crash", async () => {
    saveConfig({ url: "http://node:3000", token: "t" });
    const { writeFileSync } = await import("node:fs");
    writeFileSync(configFile(), "{not json");
    expect(() => readSavedConfig()).toThrow(/not a valid clawlink config/);
  });
});
