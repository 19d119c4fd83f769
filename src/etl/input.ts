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

/** SHA-256 of one file's contents, streamed. */
export async function fileChecksum(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** SHA-256 over every file's relative path and content hash: the identity of an input for idempotency. */
export async function inputChecksum(
  input: Input,
  onFile: (file: InputFile, sha256: string) => void = () => {},
  /** Options that change what the same files load as (PaySim's start day, say). */
  options: unknown = null,
): Promise<{ checksum: string; fileHashes: Map<string, string> }> {
  const hash = createHash("sha256");
  hash.update(`${input.format}\n${JSON.stringify(options)}\n`);
  const fileHashes = new Map<string, string>();
  for (const f of input.files) {
    const sha = await fileChecksum(f.path);
    fileHashes.set(f.name, sha);
    hash.update(`${f.name}\0${sha}\n`);
    onFile(f, sha);
  }
  return { checksum: hash.digest("hex"), fileHashes };
}
