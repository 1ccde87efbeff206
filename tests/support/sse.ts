export interface SseFrame {
  id?: string;
  event?: string;
  data: unknown;
}

/** Parse a text/event-stream body into frames (comments skipped) until the server ends it. */
export async function* readSse(res: Response): AsyncGenerator<SseFrame> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const frame: Partial<SseFrame> & { dataLines: string[] } = { dataLines: [] };
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "id") frame.id = text;
        else if (field === "event") frame.event = text;
        else if (field === "data") frame.dataLines.push(text);
      }
      if (frame.dataLines.length > 0) yield { id: frame.id, event: frame.event, data: JSON.parse(frame.dataLines.join("\n")) };
    }
  }
}
