/** See compile.mjs: the entry compiled to one plain ES module under node_modules/.cache; resolves to its path. */
export function compileEntry(entry: string, root?: string): Promise<string>;
