import { handleApiRequest } from "@/lib/transport/http";

/**
 * Every /api path except next-auth's own (/api/auth/*) is served from the operation registry
 * (lib/operations) by the HTTP adapter: unknown paths answer JSON 404, unsupported methods 405.
 */
const serve = (req: Request) => handleApiRequest(req);

export const GET = serve;
export const HEAD = serve;
export const POST = serve;
export const PUT = serve;
export const PATCH = serve;
export const DELETE = serve;
export const OPTIONS = serve;
