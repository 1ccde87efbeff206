import { describe, expect, it } from "vitest";
import { parseGithubUrl } from "./github-url";

describe("parseGithubUrl", () => {
  it.each([
    ["https://github.com/octo/hello", { owner: "octo", repo: "hello" }],
    ["https://github.com/octo/hello.git", { owner: "octo", repo: "hello" }],
    ["https://github.com/octo/hello/", { owner: "octo", repo: "hello" }],
    ["https://www.github.com/Octo-Org/my.repo_name", { owner: "Octo-Org", repo: "my.repo_name" }],
    ["  https://github.com/octo/hello  ", { owner: "octo", repo: "hello" }],
    ["git@github.com:octo/hello.git", { owner: "octo", repo: "hello" }],
    ["git@github.com:octo/hello", { owner: "octo", repo: "hello" }],
    ["HTTPS://GITHUB.COM/octo/hello.GIT", { owner: "octo", repo: "hello" }],
  ])("accepts %s", (url, expected) => {
    expect(parseGithubUrl(url)).toEqual(expected);
  });

  it.each([
    "",
    "github.com/octo/hello",
    "http://github.com/octo/hello",
    "https://gitlab.com/octo/hello",
    "https://github.com/octo",
    "https://github.com/octo/hello/tree/main",
    "https://github.com/octo/hello?tab=readme",
    "https://github.com/octo/hello#readme",
    "https://user:pass@github.com/octo/hello",
    "https://github.com.evil.com/octo/hello",
    "https://github.com/-octo/hello",
    "https://github.com/oc--to/hello",
    "https://github.com/octo/..",
    "https://github.com/octo/.git",
    "git@github.com:octo/hello/extra.git",
    "ssh://git@github.com/octo/hello.git",
    "git@gitlab.com:octo/hello.git",
    "https://github.com/octo/hel lo",
  ])("rejects %j", (url) => {
    expect(parseGithubUrl(url)).toBeNull();
  });
});
