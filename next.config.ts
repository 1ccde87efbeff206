import type { NextConfig } from "next";
import { PAGE_SECURITY_HEADERS } from "./lib/transport/http/headers";

const nextConfig: NextConfig = {
  // Native/wasm packages are loaded by Node at run time instead of being bundled.
  serverExternalPackages: ["@electric-sql/pglite", "postgres", "@node-rs/argon2", "pino"],
  poweredByHeader: false,
  experimental: {
    // Server side: Next would load every page's server chunks when the node starts (about 15 MB of
    // heap on an idle node, measured); a page's chunks now load on its first visit instead.
    preloadEntriesOnStart: false,
  },
  // `npm test` type-checks the whole project as its own step; the build need not repeat it.
  typescript: { ignoreBuildErrors: true },
  typedRoutes: false,
  // `ANALYZE=1 next build` writes a separate build with browser source maps for
  // `npx tsx scripts/bundle-breakdown.ts` (bytes of each page's first-load JavaScript by package).
  ...(process.env.ANALYZE === "1" ? { distDir: ".next-analyze", productionBrowserSourceMaps: true } : {}),
  // Anti-framing and basic security headers on every page and asset (lib/transport/http/headers.ts).
  async headers() {
    return [{ source: "/:path*", headers: Object.entries(PAGE_SECURITY_HEADERS).map(([key, value]) => ({ key, value })) }];
  },
};

export default nextConfig;
