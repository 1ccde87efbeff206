/** See node-flags.mjs: the serving process's node flags (memory bounds); npm start passes them. */
export const SERVER_NODE_FLAGS: string[];
export function missingServerFlags(execArgv?: string[]): string[];
