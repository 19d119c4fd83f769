import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fileDigest } from "../../src/etl/input.ts";

const dir = mkdtempSync(join(tmpdir(), "momo-digest-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
async function digestOf(content: string | Buffer) {
  const path = join(dir, `f${++n}.csv`);
  writeFileSync(path, content);
  return fileDigest(path);
}

describe("fileDigest: which files DuckDB may read line by line", () => {
  it("hashes the bytes as SHA-256", async () => {
    const text = "a,b\n1,2\n";
    expect((await digestOf(text)).sha256).toBe(createHash("sha256").update(text).digest("hex"));
  });

  it("calls plain a file of one-line records, quoted fields closed on their line included", async () => {
    expect((await digestOf("a,b\n1,2\n\n3,é\n")).plain).toBe(true);
    expect((await digestOf('a,b\n"1,5",2\n"x ""y""",3')).plain).toBe(true);
  });

  it("sends elsewhere a quote spanning lines, a carriage return, NUL, the unit separator, a BOM, bad UTF-8", async () => {
    expect((await digestOf('a,b\n"1\n5",2\n')).plain).toBe(false);
    expect((await digestOf('a,b\n1,"2\n')).plain).toBe(false);
    expect((await digestOf("a,b\r\n1,2\r\n")).plain).toBe(false);
    expect((await digestOf("a,b\n1\u0000,2\n")).plain).toBe(false);
    expect((await digestOf("a,b\n1\u001f,2\n")).plain).toBe(false);
    expect((await digestOf("\uFEFFa,b\n1,2\n")).plain).toBe(false);
    expect((await digestOf(Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0xc3, 0x28, 0x0a]))).plain).toBe(false);
    expect((await digestOf(Buffer.from([0x61, 0x0a, 0xe2, 0x82]))).plain).toBe(false);
  });

  it("follows a character and a quoted field across the 1 MiB chunks it reads", async () => {
    const pad = "x".repeat((1 << 20) - 1);
    // "é" (2 bytes) straddles the first chunk boundary: still valid UTF-8.
    expect((await digestOf(`${pad}é\n1,2\n`)).plain).toBe(true);
    // A quote opened before the boundary and closed after it, on the same line.
    expect((await digestOf(`${"y".repeat((1 << 20) - 3)}"a,b",c\n`)).plain).toBe(true);
    // A quote opened before the boundary and left open over a line break after it.
    expect((await digestOf(`${"y".repeat((1 << 20) - 3)}"a\nb",c\n`)).plain).toBe(false);
  });
});
