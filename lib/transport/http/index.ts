export { handleApiRequest, handleOperation } from "./adapter";
export { MAX_JSON_BYTES } from "./body";
