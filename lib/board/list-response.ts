/** A list as a bare JSON array (the Phase 1 shape), with the next page's cursor in a header. */
export function listResponse(items: unknown[], nextCursor: string | null): Response {
  const headers = new Headers();
  if (nextCursor) headers.set("x-next-cursor", nextCursor);
  return Response.json(items, { headers });
}
