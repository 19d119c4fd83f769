import { createHash, type Hash } from "node:crypto";
import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";

export interface WrittenFile {
  /** Path relative to the output directory, with `/` separators. */
  readonly path: string;
  /** Data rows (lines after the header). */
  readonly rows: number;
  readonly bytes: number;
  readonly sha256: string;
}

const BUFFER_BYTES = 1 << 20;

/**
 * Writes a text file through `<file>.partial`, renamed into place only by `close()`: a run that
 * dies half-way never leaves a file that looks complete. Hashes the bytes as they go.
 */
export class FileSink {
  readonly #target: string;
  readonly #partial: string;
  readonly #relative: string;
  readonly #hash: Hash = createHash("sha256");
  #fd: number;
  readonly #buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  #used = 0;
  #bytes = 0;
  rows = 0;

  constructor(absolutePath: string, relativePath: string) {
    this.#target = absolutePath;
    this.#partial = `${absolutePath}.partial`;
    this.#relative = relativePath;
    this.#fd = openSync(this.#partial, "w");
  }

  /** Appends a header line (not counted as a row). */
  header(line: string): void {
    this.#write(`${line}\n`);
  }

  /** Appends one data line; `line` must end with a newline. */
  row(line: string): void {
    this.#write(line);
    this.rows++;
  }

  #write(text: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (BUFFER_BYTES - this.#used < text.length * 3) {
      this.#flush();
      if (text.length * 3 > BUFFER_BYTES) {
        this.#writeBytes(Buffer.from(text, "utf8"));
        return;
      }
    }
    this.#used += this.#buffer.write(text, this.#used, "utf8");
  }

  #flush(): void {
    if (this.#used === 0) return;
    this.#writeBytes(this.#buffer.subarray(0, this.#used));
    this.#used = 0;
  }

  #writeBytes(bytes: Buffer): void {
    this.#hash.update(bytes);
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(this.#fd, bytes, offset);
    this.#bytes += bytes.length;
  }

  close(): WrittenFile {
    this.#flush();
    closeSync(this.#fd);
    this.#fd = -1;
    renameSync(this.#partial, this.#target);
    return { path: this.#relative, rows: this.rows, bytes: this.#bytes, sha256: this.#hash.digest("hex") };
  }

  /** Drops the partial file (on interruption or error). */
  abort(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
    rmSync(this.#partial, { force: true });
  }
}

/** Quotes a CSV field when it holds a comma, a quote or a line break (RFC 4180). */
export function csvText(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
