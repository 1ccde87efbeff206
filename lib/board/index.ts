export * from "./schemas";
export { parseGithubUrl, type GithubRepoRef } from "./github-url";
export { positionBetween, POSITION_STEP } from "./positions";
export { createProject, deleteProject, getProject, listProjects, updateProject } from "./projects";
export { createTask, deleteTask, getTask, listTasks, updateTask } from "./tasks";
export { moveTask } from "./task-moves";
