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
  /** Records in batches (one per chunk read), so that the per-record work stays synchronous. */
  readonly batches: AsyncIterable<SourceRecord[]>;
}

/** Opens a CSV or Parquet file as a stream of records; never holds a whole file in memory. */
export async function openRecords(file: InputFile): Promise<RecordSource> {
  return file.type === "parquet" ? openParquet(file.path) : openCsv(file.path);
}

interface Line {
  readonly text: string;
  readonly line: number;
}

async function openCsv(path: string): Promise<RecordSource> {
  const chunks = csvLines(path)[Symbol.asyncIterator]();
  let first = await chunks.next();
  while (!first.done && first.value.length === 0) first = await chunks.next();
  const lines = first.done ? [] : first.value;
  const header = lines.length ? splitCsv((lines[0] as Line).text) : [];
  const toRecords = (batch: readonly Line[]): SourceRecord[] => {
    const records: SourceRecord[] = [];
    for (const { text, line } of batch) {
      if (text === "") continue;
      records.push({ line, raw: text, fields: splitCsv(text), badEncoding: text.includes("\uFFFD") });
    }
    return records;
  };
  async function* batches(): AsyncGenerator<SourceRecord[]> {
    yield toRecords(lines.slice(1));
    for (;;) {
      const next = await chunks.next();
      if (next.done) return;
      yield toRecords(next.value);
    }
  }
  return { header, batches: batches() };
}

/** Lines of a CSV file with their 1-based line numbers, one array per chunk read; a quoted field may span lines. */
async function* csvLines(path: string): AsyncGenerator<Line[]> {
  const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false });
  let rest = "";
  let line = 0;
  let pending: string | null = null;
  let pendingLine = 0;
  let out: Line[] = [];
  const emit = (text: string): void => {
    line++;
    const clean = text.endsWith("\r") ? text.slice(0, -1) : text;
    const joined: string = pending === null ? clean : `${pending}\n${clean}`;
    if (pending === null) pendingLine = line;
    if (joined.includes('"') && unbalancedQuotes(joined)) {
      pending = joined;
      return;
    }
    pending = null;
    out.push({ text: joined, line: pendingLine });
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const text = rest + decoder.decode(chunk as Buffer, { stream: true });
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      emit(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
    yield out;
    out = [];
  }
  rest += decoder.decode();
  if (rest !== "") emit(rest);
  if (pending !== null) out.push({ text: pending, line: pendingLine });
  yield out;
}

/** A record that forEachCsvRecord fills in again for each line: copy what you keep. */
export interface ReusedRecord {
  line: number;
  raw: string;
  fields: string[];
  badEncoding: boolean;
}

/**
 * The records of a CSV file, as openCsv reads them (same header, line numbers, fields, quoting across
 * lines and encoding check), passed one at a time in ONE reused object and without the per-chunk arrays:
 * for the staging workers' hot loop. `onChunk` gets the bytes and records of each chunk read.
 */
export async function forEachCsvRecord(
  path: string,
  onHeader: (header: readonly string[]) => void,
  onRecord: (rec: ReusedRecord) => void,
  onChunk: (bytes: number, records: number) => void,
): Promise<void> {
  const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false });
  const rec: ReusedRecord = { line: 0, raw: "", fields: [], badEncoding: false };
  let headerSeen = false;
  let bytes = 0;
  let records = 0;
  const deliver = (text: string, at: number): void => {
    if (!headerSeen) {
      headerSeen = true;
      onHeader(splitCsv(text));
      return;
    }
    if (text === "") return;
    rec.line = at;
    rec.raw = text;
    rec.fields = splitCsv(text);
    rec.badEncoding = text.includes("\uFFFD");
    bytes += text.length + 1;
    records++;
    onRecord(rec);
  };
  let rest = "";
  let line = 0;
  let pending: string | null = null;
  let pendingLine = 0;
  const emit = (text: string): void => {
    line++;
    const clean = text.charCodeAt(text.length - 1) === 13 ? text.slice(0, -1) : text;
    const joined: string = pending === null ? clean : `${pending}\n${clean}`;
    if (pending === null) pendingLine = line;
    if (joined.includes('"') && unbalancedQuotes(joined)) {
      pending = joined;
      return;
    }
    pending = null;
    deliver(joined, pendingLine);
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const text = rest + decoder.decode(chunk as Buffer, { stream: true });
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      emit(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
    onChunk(bytes, records);
    bytes = 0;
    records = 0;
  }
  rest += decoder.decode();
  if (rest !== "") emit(rest);
  if (pending !== null) deliver(pending, pendingLine);
  if (!headerSeen) onHeader([]);
  onChunk(bytes, records);
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
  const result = await connection.stream(
    `SELECT * FROM read_parquet('${path.replaceAll("'", "''")}', hive_partitioning = false)`,
  );
  const header = result.columnNames();
  async function* batches(): AsyncGenerator<SourceRecord[]> {
    let row = 0;
    try {
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) return;
        const records: SourceRecord[] = [];
        for (const values of chunk.getRows()) {
          row++;
          const fields = values.map((v) => (v === null ? "" : String(v)));
          const raw = fields.join(",");
          records.push({ line: row, raw, fields, badEncoding: raw.includes("\uFFFD") });
        }
        yield records;
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }
  return { header, batches: batches() };
}
