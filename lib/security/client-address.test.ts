import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { pinClientAddress } from "./client-address";

const request = (headers: Record<string, string>, remoteAddress: string) => ({ headers: { ...headers }, socket: { remoteAddress } }) as unknown as IncomingMessage;

describe("pinClientAddress", () => {
  it("replaces a client-supplied x-forwarded-for with the socket address", () => {
    const req = request({ "x-forwarded-for": "1.2.3.4", "x-real-ip": "5.6.7.8" }, "::ffff:10.0.0.7");
    pinClientAddress(req, { trustProxy: false });
    expect(req.headers["x-forwarded-for"]).toBe("10.0.0.7");
    expect(req.headers["x-real-ip"]).toBeUndefined();
  });

  it("keeps the header a trusted proxy set, and fills it when the proxy did not", () => {
    const proxied = request({ "x-forwarded-for": "1.2.3.4" }, "10.0.0.1");
    pinClientAddress(proxied, { trustProxy: true });
    expect(proxied.headers["x-forwarded-for"]).toBe("1.2.3.4");
    const direct = request({}, "127.0.0.1");
    pinClientAddress(direct, { trustProxy: true });
    expect(direct.headers["x-forwarded-for"]).toBe("127.0.0.1");
  });
});
