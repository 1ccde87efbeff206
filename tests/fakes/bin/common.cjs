// Shared by the fake agent CLIs: scenario choice, recording what they were started with,
// and the "cancel" behaviour (a grandchild in the same process group, then hang).
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

/** `[scenario:name]` anywhere in the prompt picks the behaviour; default "success". */
function scenarioOf(prompt) {
  const match = /\[scenario:([a-z-]+)\]/.exec(prompt || "");
  return match ? match[1] : "success";
}

/** Write a file whole or not at all: tests poll for these and must never read half of one. */
function writeAtomically(file, text) {
  const scratch = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(scratch, text);
  fs.renameSync(scratch, file);
}

/** Leave a record in the working directory so tests can check argv, env and cwd. */
function record(name, extra) {
  const file = path.join(process.cwd(), `.fake-${name}.json`);
  writeAtomically(file, JSON.stringify({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd(), pid: process.pid, ...extra }, null, 2));
}

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

/** Start a grandchild that would outlive us unless the whole group is killed; report both pids. */
function spawnGrandchild(name) {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  writeAtomically(path.join(process.cwd(), `.fake-${name}-pids.json`), JSON.stringify({ pid: process.pid, grandchild: child.pid }));
  return child.pid;
}

/**
 * Start a tool shell in a session of its own (setsid), outside our process group, that writes
 * `file` in the working directory after a while unless it is killed; report its pid.
 */
function spawnSessionLeader(name, file) {
  const script = `setTimeout(() => require("fs").writeFileSync(${JSON.stringify(file)}, "written after cancel"), 3000); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["-e", script], { stdio: "ignore", detached: true });
  child.unref();
  writeAtomically(path.join(process.cwd(), `.fake-${name}-pids.json`), JSON.stringify({ pid: process.pid, grandchild: child.pid }));
  return child.pid;
}

function hang() {
  setInterval(() => {}, 1000);
}

function skillsIn(dir) {
  try {
    return fs.readdirSync(path.join(process.cwd(), dir)).filter((n) => fs.existsSync(path.join(process.cwd(), dir, n, "SKILL.md")));
  } catch {
    return [];
  }
}

function argValue(args, flag) {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

module.exports = { scenarioOf, record, out, spawnGrandchild, spawnSessionLeader, hang, skillsIn, argValue };
