import { describe, expect, it } from "vitest";
import { DEFAULT_TRANSPORTS, parseTransports } from "./select";

describe("parseTransports", () => {
  it("serves HTTP, WebSocket and clawlink (remote nodes) by default", () => {
    expect([...parseTransports(DEFAULT_TRANSPORTS)]).toEqual(["http", "ws", "clawlink"]);
  });

  it("accepts any subset, spaces and repeats", () => {
    expect([...parseTransports(" ws , WS")]).toEqual(["ws"]);
    expect([...parseTransports("http")]).toEqual(["http"]);
  });

  it("refuses unknown names with the list of available ones", () => {
    expect(() => parseTransports("http,grpc,smtp")).toThrow('Unknown transports "grpc", "smtp"; available: http, ws, clawlink');
    expect(() => parseTransports(" , ")).toThrow("Name at least one transport; available: http, ws, clawlink");
  });
});
