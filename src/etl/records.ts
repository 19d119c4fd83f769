import { createReadStream } from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";
import type { InputFile } from "./input.ts";

/** One record as read: its fields, the text it came from, and where (line in a CSV, row in Parquet). */
export interface SourceRecord {
  readonly line: number;
  readonly raw: string;
  readonly fields: string[];
  /** The bytes were not valid UTF-8 (replaced by U+FFFD in raw). */
  readonly badEncoding: boolean;
}

export interface RecordSource {
  readonly header: readonly string[];
  readonly records: AsyncIterable<SourceRecord>;
}

/** Opens a CSV or Parquet file as a stream of records; never holds a whole file in memory. */
export async function openRecords(file: InputFile): Promise<RecordSource> {
  return file.type === "parquet" ? openParquet(file.path) : openCsv(file.path);
}

async function openCsv(path: string): Promise<RecordSource> {
  const lines = csvLines(path)[Symbol.asyncIterator]();
  const first = await lines.next();
  const header = first.done ? [] : splitCsv(first.value.text);
  async function* records(): AsyncGenerator<SourceRecord> {
    for (;;) {
      const next = await lines.next();
      if (next.done) return;
      const { text, line } = next.value;
      if (text === "") continue;
      yield { line, raw: text, fields: splitCsv(text), badEncoding: text.includes("\uFFFD") };
    }
  }
  return { header, records: records() };
}

/** Lines of a CSV file with their 1-based line numbers; a quoted field may span lines. */
async function* csvLines(path: string): AsyncGenerator<{ text: string; line: number }> {
  const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false });
  let rest = "";
  let line = 0;
  let pending: string | null = null;
  let pendingLine = 0;
  const emit = function* (text: string): Generator<{ text: string; line: number }> {
    line++;
    const clean = text.endsWith("\r") ? text.slice(0, -1) : text;
    const joined: string = pending === null ? clean : `${pending}\n${clean}`;
    if (pending === null) pendingLine = line;
    if (joined.includes('"') && unbalancedQuotes(joined)) {
      pending = joined;
      return;
    }
    pending = null;
    yield { text: joined, line: pendingLine };
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const text = rest + decoder.decode(chunk as Buffer, { stream: true });
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      yield* emit(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.decode();
  if (rest !== "") yield* emit(rest);
  if (pending !== null) yield { text: pending, line: pendingLine };
}

function unbalancedQuotes(text: string): boolean {
  let count = 0;
  for (let i = text.indexOf('"'); i >= 0; i = text.indexOf('"', i + 1)) count++;
  return count % 2 === 1;
}

/** Splits one CSV record (RFC 4180 quoting: "a,b" and "" for a quote). */
export function splitCsv(text: string): string[] {
  if (!text.includes('"')) return text.split(",");
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      fields.push(field);
      field = "";
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

async function openParquet(path: string): Promise<RecordSource> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const result = await connection.stream(`SELECT * FROM read_parquet('${path.replaceAll("'", "''")}')`);
  const header = result.columnNames();
  async function* records(): AsyncGenerator<SourceRecord> {
    let row = 0;
    try {
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) return;
        for (const values of chunk.getRows()) {
          row++;
          const fields = values.map((v) => (v === null ? "" : String(v)));
          const raw = fields.join(",");
          yield { line: row, raw, fields, badEncoding: raw.includes("\uFFFD") };
        }
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }
  return { header, records: records() };
}
