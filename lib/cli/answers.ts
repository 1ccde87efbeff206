import { usageError } from "./exit-codes";

export interface AnswerBody {
  answer?: string;
  approved?: boolean;
  text?: string;
}

/** The body of POST …/input: `{answer}` for a question, `{approved, text?}` for an approval. */
export function answerBody(input: { text?: string; approve?: boolean }): AnswerBody {
  if (input.approve !== undefined) return { approved: input.approve, ...(input.text ? { text: input.text } : {}) };
  if (input.text === undefined || input.text === "") throw usageError("Give an answer, or --approve / --deny");
  return { answer: input.text };
}
