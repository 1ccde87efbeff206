import { describe, expect, it } from "vitest";
import { assertSameOrigin, type OriginPolicy } from "./csrf";

const req = (method: string, headers: Record<string, string>) => ({ method, headers: new Headers(headers) });
const direct: OriginPolicy = { trustProxy: false };
const proxied: OriginPolicy = { trustProxy: true };

describe("same-origin check for cookie writes", () => {
  it("lets reads and same-origin writes through", () => {
    expect(() => assertSameOrigin(req("GET", { origin: "https://evil.example" }), direct)).not.toThrow();
    expect(() => assertSameOrigin(req("POST", { origin: "http://127.0.0.1:3000", host: "127.0.0.1:3000" }), direct)).not.toThrow();
    expect(() => assertSameOrigin(req("POST", { origin: "http://[::1]:3000", host: "[::1]:3000" }), direct)).not.toThrow();
    expect(() => assertSameOrigin(req("POST", { origin: "http://localhost:3000", host: "localhost:3000" }), direct)).not.toThrow();
    expect(() => assertSameOrigin(req("POST", {}), direct)).not.toThrow();
    expect(() => assertSameOrigin(req("POST", { origin: "https://portal.example", host: "10.0.0.5" }), { trustProxy: false, appUrl: "https://portal.example/" })).not.toThrow();
  });

  it("refuses foreign, null and cross-site writes", () => {
    const cases: Record<string, string>[] = [
      { origin: "https://evil.example", host: "127.0.0.1:3000" },
      { origin: "null", host: "127.0.0.1:3000" },
      { "sec-fetch-site": "cross-site" },
      { origin: "http://127.0.0.1:3000.evil.example", host: "127.0.0.1:3000" },
    ];
    for (const headers of cases) {
      expect(() => assertSameOrigin(req("POST", headers), direct), JSON.stringify(headers)).toThrow(/Cross-site/);
    }
  });

  it("trusts Host and X-Forwarded-Host only behind a trusted proxy", () => {
    // A DNS-rebinding page: the browser sends the attacker's name as both Host and Origin.
    const rebound = req("POST", { origin: "http://rebind.evil.example:3000", host: "rebind.evil.example:3000" });
    expect(() => assertSameOrigin(rebound, direct)).toThrow(/Cross-site/);
    expect(() => assertSameOrigin(rebound, proxied)).not.toThrow();
    const forwarded = req("DELETE", { origin: "https://portal.example", host: "10.0.0.5:3000", "x-forwarded-host": "portal.example" });
    expect(() => assertSameOrigin(forwarded, direct)).toThrow(/Cross-site/);
    expect(() => assertSameOrigin(forwarded, proxied)).not.toThrow();
  });
});
