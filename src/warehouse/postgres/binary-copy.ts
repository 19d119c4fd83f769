/**
 * Rows in PostgreSQL's COPY binary format, gathered into chunks of about `chunkBytes`: what a bit string
 * takes as raw bytes, where the text format would spell each bit as a character.
 * (https://www.postgresql.org/docs/15/sql-copy.html#id-1.9.3.55.9.4)
 */
export class BinaryCopyWriter {
  readonly #chunkBytes: number;
  #buffer: Buffer;
  #at = 0;
  readonly #full: Buffer[] = [];

  constructor(chunkBytes = 1 << 20) {
    this.#chunkBytes = chunkBytes;
    this.#buffer = Buffer.allocUnsafe(chunkBytes);
    // Signature, flags, header extension length.
    this.#bytes(Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"));
    this.#int32(0);
    this.#int32(0);
  }

  /** Starts a row of `fields` values. */
  row(fields: number): void {
    this.#room(2);
    this.#buffer.writeInt16BE(fields, this.#at);
    this.#at += 2;
  }

  null(): void {
    this.#int32(-1);
  }

  int16(value: number): void {
    this.#int32(2);
    this.#room(2);
    this.#buffer.writeInt16BE(value, this.#at);
    this.#at += 2;
  }

  int32(value: number): void {
    this.#int32(4);
    this.#int32(value);
  }

  /** A BIT VARYING of `bits` bits; bit i is the bit 0x80 >> (i % 8) of byte i / 8 (the leftmost first). */
  varbit(bytes: Uint8Array, bits: number): void {
    if (bytes.length !== Math.ceil(bits / 8))
      throw new Error(`${bits} bits take ${Math.ceil(bits / 8)} bytes, not ${bytes.length}`);
    this.#int32(4 + bytes.length);
    this.#int32(bits);
    this.#bytes(bytes);
  }

  /** An INTEGER[] of one dimension (an empty one when `values` is). */
  int32Array(values: ArrayLike<number>): void {
    const INT4_OID = 23;
    const n = values.length;
    this.#int32(n === 0 ? 12 : 20 + 8 * n);
    this.#int32(n === 0 ? 0 : 1); // dimensions
    this.#int32(0); // no NULL elements
    this.#int32(INT4_OID);
    if (n === 0) return;
    this.#int32(n);
    this.#int32(1); // lower bound
    for (let i = 0; i < n; i++) {
      this.#int32(4);
      this.#int32(values[i] as number);
    }
  }

  /** The chunks filled so far, handed over once. */
  take(): Buffer[] {
    return this.#full.splice(0);
  }

  /** Writes the trailer and hands over the rest. */
  end(): Buffer[] {
    this.#room(2);
    this.#buffer.writeInt16BE(-1, this.#at);
    this.#at += 2;
    this.#full.push(this.#buffer.subarray(0, this.#at));
    this.#at = 0;
    return this.take();
  }

  #int32(value: number): void {
    this.#room(4);
    this.#buffer.writeInt32BE(value, this.#at);
    this.#at += 4;
  }

  #bytes(bytes: Uint8Array): void {
    let from = 0;
    while (from < bytes.length) {
      this.#room(1);
      const n = Math.min(bytes.length - from, this.#buffer.length - this.#at);
      this.#buffer.set(bytes.subarray(from, from + n), this.#at);
      this.#at += n;
      from += n;
    }
  }

  /** Makes room for `n` bytes (at most 4) in the current chunk, starting a new one when it is full. */
  #room(n: number): void {
    if (this.#at + n <= this.#buffer.length) return;
    this.#full.push(this.#buffer.subarray(0, this.#at));
    this.#buffer = Buffer.allocUnsafe(this.#chunkBytes);
    this.#at = 0;
  }
}
