import { closeSync, openSync, readSync } from "node:fs";
import type { InputFile } from "./input.ts";
import { openRecords } from "./records.ts";

/**
 * The raw text of records that passed the field checks, read again from their file by line number.
 *
 * The staging tables do not carry the raw record (it doubled the text the engine parsed for every row);
 * only the few staged rows that a set-based check refuses need it, for dwh_audit.etl_rejects. A record
 * that passed the field checks holds no line break, carriage return or other control character, so in a
 * CSV file it is exactly physical line `line`, less one trailing `\r`, as the reader gave it. A Parquet
 * file is read again through the same reader (its raw record is the values joined with commas).
 */
export async function rawRecords(file: InputFile, lines: readonly number[]): Promise<Map<number, string>> {
  const wanted = [...new Set(lines)].sort((a, b) => a - b);
  if (wanted.length === 0) return new Map();
  return file.type === "parquet" ? parquetRecords(file, wanted) : csvLines(file, wanted);
}

const CHUNK = 1 << 20;
const NL = 0x0a;
const CR = 0x0d;

/** Physical lines `wanted` (sorted, 1-based) of a CSV file, scanning its bytes for line breaks. */
function csvLines(file: InputFile, wanted: readonly number[]): Map<number, string> {
  const found = new Map<number, string>();
  const fd = openSync(file.path, "r");
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    let carry: Buffer = Buffer.alloc(0);
    let line = 1;
    let next = 0;
    const take = (bytes: Buffer) => {
      const end = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
      found.set(line, bytes.toString("utf8", 0, end));
      next++;
    };
    for (;;) {
      const read = readSync(fd, buffer, 0, CHUNK, null);
      if (read === 0) break;
      const chunk =
        carry.length > 0 ? Buffer.concat([carry, buffer.subarray(0, read)]) : buffer.subarray(0, read);
      let start = 0;
      for (let nl = chunk.indexOf(NL, start); nl >= 0; nl = chunk.indexOf(NL, start)) {
        if (line === wanted[next]) take(chunk.subarray(start, nl));
        if (next === wanted.length) return found;
        line++;
        start = nl + 1;
      }
      // Only the start of a wanted line needs keeping across chunks.
      carry = line === wanted[next] ? Buffer.from(chunk.subarray(start)) : Buffer.alloc(0);
    }
    if (line === wanted[next] && carry.length > 0) take(carry);
  } finally {
    closeSync(fd);
  }
  if (found.size !== wanted.length) {
    const missing = wanted.find((l) => !found.has(l));
    throw new Error(
      `${file.name}: line ${missing} is no longer in the file; was it changed during the load?`,
    );
  }
  return found;
}

async function parquetRecords(file: InputFile, wanted: readonly number[]): Promise<Map<number, string>> {
  const set = new Set(wanted);
  const found = new Map<number, string>();
  const source = await openRecords(file);
  for await (const batch of source.batches)
    for (const rec of batch) if (set.has(rec.line)) found.set(rec.line, rec.raw);
  if (found.size !== set.size) {
    const missing = wanted.find((l) => !found.has(l));
    throw new Error(`${file.name}: row ${missing} is no longer in the file; was it changed during the load?`);
  }
  return found;
}
