/**
 * The lines of COPY's text output (without their `\n`), a batch per chunk received: the values the callers read
 * this way are numbers and client ids, with nothing to unescape.
 */
export async function* copyLines(chunks: AsyncIterable<Buffer>): AsyncGenerator<string[]> {
  let rest = "";
  for await (const chunk of chunks) {
    const text = rest + chunk.toString("latin1");
    const lines = text.split("\n");
    rest = lines.pop() ?? "";
    if (lines.length > 0) yield lines;
  }
  if (rest !== "") yield [rest];
}
