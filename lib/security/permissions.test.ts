import { describe, expect, it } from "vitest";
import { PENDING_DEVICE_PERMISSIONS, PERMISSIONS, ROLE_PERMISSIONS, narrowForDevice, permissionsFor } from "./permissions";

describe("role table", () => {
  it("is exactly the seeds' table", () => {
    expect([...ROLE_PERMISSIONS.ADMIN].sort()).toEqual([...PERMISSIONS].sort());
    expect([...ROLE_PERMISSIONS.DEVELOPER].sort()).toEqual(
      ["task:submit", "task:cancel", "task:view", "agent:list", "agent:execute", "skill:list", "skill:execute", "project:read", "project:write"].sort(),
    );
    expect([...ROLE_PERMISSIONS.VIEWER].sort()).toEqual(["agent:list", "project:read", "skill:list", "task:view"]);
    expect([...ROLE_PERMISSIONS.GUEST].sort()).toEqual(["agent:list", "skill:list"]);
    for (const adminOnly of ["agent:configure", "skill:install", "project:delete", "admin:users", "admin:system"] as const) {
      expect(ROLE_PERMISSIONS.DEVELOPER).not.toContain(adminOnly);
    }
  });

  it("adds valid grants and ignores unknown ones", () => {
    const set = permissionsFor("GUEST", ["task:view", "root:everything"]);
    expect([...set].sort()).toEqual(["agent:list", "skill:list", "task:view"]);
  });

  it("narrows sessions on untrusted devices to read permissions", () => {
    const dev = permissionsFor("DEVELOPER");
    expect([...narrowForDevice(dev, "pending")].sort()).toEqual([...PENDING_DEVICE_PERMISSIONS].sort());
    expect([...narrowForDevice(permissionsFor("GUEST"), "pending")].sort()).toEqual(["agent:list", "skill:list"]);
    expect(narrowForDevice(permissionsFor("ADMIN"), "pending").has("admin:users")).toBe(false);
    expect(narrowForDevice(dev, "revoked").size).toBe(0);
    expect(narrowForDevice(dev, "trusted")).toEqual(dev);
  });
});
