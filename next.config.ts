import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Native/wasm packages are loaded by Node at run time instead of being bundled.
  serverExternalPackages: ["@electric-sql/pglite", "postgres", "@node-rs/argon2", "pino"],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
