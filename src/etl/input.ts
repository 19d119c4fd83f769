import { isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";

export const INPUT_FORMATS = ["generated", "paysim"] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export type FileKind = "clients" | "client_changes" | "transactions" | "paysim";

export interface InputFile {
  readonly path: string;
  /** Path relative to the input directory, as recorded in the quarantine. */
  readonly name: string;
  readonly kind: FileKind;
  readonly type: "csv" | "parquet";
  readonly bytes: number;
}

export interface Input {
  readonly root: string;
  readonly format: InputFormat;
  readonly files: readonly InputFile[];
  readonly bytes: number;
}

export class InputError extends Error {
  override readonly name = "InputError";
}

const MONTH_DIR = /^month=(\d{4}-\d{2})$/;
const PART_FILE = /^part-(\d+)\.(csv|parquet)$/;

/** The files of an input, in load order: clients, then their changes, then transactions month by month. */
export function discoverInput(root: string, format: InputFormat): Input {
  if (!existsSync(root)) throw new InputError(`input ${root} does not exist`);
  const files = format === "paysim" ? paysimFiles(root) : generatedFiles(root);
  if (files.length === 0) {
    throw new InputError(
      format === "paysim"
        ? `no PaySim CSV file in ${root}`
        : `no input files in ${root}: expected clients.csv, client_changes.csv and transactions/month=YYYY-MM/part-N.csv (or .parquet), as momo generate writes them`,
    );
  }
  return { root, format, files, bytes: files.reduce((sum, f) => sum + f.bytes, 0) };
}

function generatedFiles(root: string): InputFile[] {
  if (!statSync(root).isDirectory()) throw new InputError(`input ${root} is not a directory`);
  const files: InputFile[] = [];
  for (const [stem, kind] of [
    ["clients", "clients"],
    ["client_changes", "client_changes"],
  ] as const) {
    for (const type of ["csv", "parquet"] as const) {
      const path = join(root, `${stem}.${type}`);
      if (existsSync(path)) files.push(file(root, path, kind, type));
    }
  }
  const txDir = join(root, "transactions");
  if (existsSync(txDir)) {
    const months = readdirSync(txDir)
      .filter((d) => MONTH_DIR.test(d))
      .sort();
    for (const month of months) {
      const parts = readdirSync(join(txDir, month))
        .map((name) => ({ name, match: PART_FILE.exec(name) }))
        .filter((p) => p.match)
        .sort((a, b) => Number(a.match?.[1]) - Number(b.match?.[1]));
      for (const part of parts) {
        files.push(
          file(root, join(txDir, month, part.name), "transactions", part.match?.[2] as "csv" | "parquet"),
        );
      }
    }
  }
  return files;
}

function paysimFiles(root: string): InputFile[] {
  if (statSync(root).isFile()) return [file(join(root, ".."), root, "paysim", "csv")];
  return readdirSync(root)
    .filter((name) => name.endsWith(".csv"))
    .sort()
    .map((name) => file(root, join(root, name), "paysim", "csv"));
}

function file(root: string, path: string, kind: FileKind, type: "csv" | "parquet"): InputFile {
  const name = relative(root, path) || basename(path);
  return { path, name, kind, type, bytes: statSync(path).size };
}

export interface FileDigest {
  readonly sha256: string;
  /**
   * Valid UTF-8 without a byte-order mark, no carriage return, NUL or unit separator, and no quoted field
   * running over a line break: each line is one record, which DuckDB's reader can then take line by line
   * (transactionChecksSql). Other files go through the TypeScript reader.
   */
  readonly plain: boolean;
}

const PLAIN_BREAKERS = [0x0d, 0x00, 0x1f];
const QUOTE = 0x22;
const LINE_BREAK = 0x0a;

/**
 * Follows the quotes of a file chunk by chunk; false once a quote opened on a line is still open at its
 * line break (a record spanning lines). `open` carries over from the previous chunk.
 */
function quotesCloseOnTheirLine(chunk: Buffer, state: { open: boolean }): boolean {
  let at = 0;
  for (;;) {
    const quote = chunk.indexOf(QUOTE, at);
    if (state.open) {
      const lineBreak = chunk.indexOf(LINE_BREAK, at);
      if (lineBreak >= 0 && (quote < 0 || lineBreak < quote)) return false;
    }
    if (quote < 0) return true;
    state.open = !state.open;
    at = quote + 1;
  }
}

/** Bytes at the end of `chunk` that start a UTF-8 sequence the chunk does not finish. */
function unfinishedTail(chunk: Buffer): number {
  for (let back = 1; back <= Math.min(3, chunk.length); back++) {
    const byte = chunk[chunk.length - back] as number;
    if (byte < 0x80) return 0;
    if (byte >= 0xc0) {
      const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return length > back ? back : 0;
    }
  }
  return 0;
}

/** SHA-256 of one file's contents and whether it is plain text, in one streamed read. */
export async function fileDigest(path: string): Promise<FileDigest> {
  const hash = createHash("sha256");
  let plain = true;
  let first = true;
  let carry: Buffer = Buffer.alloc(0);
  const quotes = { open: false };
  for await (const read of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const chunk = read as Buffer;
    hash.update(chunk);
    if (!plain) continue;
    if (first && chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf)
      plain = false;
    first = false;
    if (PLAIN_BREAKERS.some((byte) => chunk.includes(byte))) plain = false;
    if (!quotesCloseOnTheirLine(chunk, quotes)) plain = false;
    const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    const tail = unfinishedTail(bytes);
    if (!isUtf8(bytes.subarray(0, bytes.length - tail))) plain = false;
    carry = Buffer.from(bytes.subarray(bytes.length - tail));
  }
  if (carry.length > 0 || quotes.open) plain = false;
  return { sha256: hash.digest("hex"), plain };
}

/** SHA-256 over every file's relative path and content hash: the identity of an input for idempotency. */
export async function inputChecksum(
  input: Input,
  onFile: (file: InputFile, sha256: string) => void = () => {},
  /** Options that change what the same files load as (PaySim's start day, say). */
  options: unknown = null,
): Promise<{ checksum: string; fileHashes: Map<string, string>; plainFiles: Set<string> }> {
  const hash = createHash("sha256");
  hash.update(`${input.format}\n${JSON.stringify(options)}\n`);
  const fileHashes = new Map<string, string>();
  const plainFiles = new Set<string>();
  for (const f of input.files) {
    const { sha256: sha, plain } = await fileDigest(f.path);
    fileHashes.set(f.name, sha);
    if (plain && f.type === "csv") plainFiles.add(f.name);
    hash.update(`${f.name}\0${sha}\n`);
    onFile(f, sha);
  }
  return { checksum: hash.digest("hex"), fileHashes, plainFiles };
}
