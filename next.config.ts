import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Native/wasm packages are loaded by Node at run time instead of being bundled.
  serverExternalPackages: ["@electric-sql/pglite", "postgres", "@node-rs/argon2", "pino"],
  poweredByHeader: false,
  // `npm test` type-checks the whole project as its own step; the build need not repeat it.
  typescript: { ignoreBuildErrors: true },
  typedRoutes: false,
};

export default nextConfig;
