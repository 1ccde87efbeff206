export * from "./identity";
export * from "./access";
export * from "./board";
export * from "./runtime";
export * from "./audit";
export * from "./catalogue";
export * from "./cluster";
export * from "./workspaces";
