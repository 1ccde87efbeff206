import { describe, expect, it } from "vitest";
import type { Env } from "../env";
import { oauthProviderList, oauthProviders } from "./oauth";

const base = { AUTH_OIDC_NAME: "Single sign-on" } as Env;

describe("external sign-in providers", () => {
  it("are off unless configured", () => {
    expect(oauthProviders(base)).toEqual([]);
    expect(oauthProviderList({ ...base, AUTH_GITHUB_ID: "id" })).toEqual([]);
  });

  it("switch on GitHub with id and secret, and OIDC with issuer, id and secret", () => {
    const e = { ...base, AUTH_GITHUB_ID: "gh", AUTH_GITHUB_SECRET: "s", AUTH_OIDC_ISSUER: "https://id.example.com", AUTH_OIDC_ID: "c", AUTH_OIDC_SECRET: "s", AUTH_OIDC_NAME: "Acme SSO" };
    expect(oauthProviderList(e)).toEqual([
      { id: "github", name: "GitHub" },
      { id: "oidc", name: "Acme SSO" },
    ]);
    const providers = oauthProviders(e) as { id: string; type?: string; issuer?: string }[];
    expect(providers.map((p) => p.id)).toEqual(["github", "oidc"]);
    expect(providers[1]).toMatchObject({ type: "oidc", issuer: "https://id.example.com" });
  });
});
