import { DIRTY_KINDS, type DirtyKind } from "./catalog.ts";
import type { FileSink } from "./file-sink.ts";
import type { Rng } from "./rng.ts";

// A decimal comma forces CSV quoting, as any CSV writer would do.
const BAD_AMOUNTS = ["12 500", '"1.250,00"', "abc", "15000XOF", "1e", "5-000"];
const UNKNOWN_SERVICES = ["CRYPTO_PURCHASE", "BET_PAYMENT", "SVC_999"];

/**
 * Adds deliberately broken copies of clean rows after them, so the ETL's quarantine can be tested and
 * reconciled: each kind is counted. Corrupted copies get ids of their own (`…X<n>`), except the
 * duplicates, which repeat the row exactly.
 */
export class DirtyWriter {
  readonly #rng: Rng;
  readonly #rate: number;
  readonly #counts: Record<string, number>;
  #n = 0;

  constructor(rng: Rng, rate: number, counts: Record<string, number>) {
    this.#rng = rng;
    this.#rate = rate;
    this.#counts = counts;
  }

  maybeCorrupt(line: string, id: string, sink: FileSink): void {
    if (this.#rate === 0 || !this.#rng.chance(this.#rate)) return;
    const kind = DIRTY_KINDS[this.#rng.int(DIRTY_KINDS.length)] as DirtyKind;
    sink.row(this.corrupt(kind, line, id));
    this.#counts[kind] = (this.#counts[kind] ?? 0) + 1;
  }

  corrupt(kind: DirtyKind, line: string, id: string): string {
    if (kind === "duplicate_id") return line;
    const fields = line.slice(0, -1).split(",");
    fields[0] = `${id}X${++this.#n}`;
    const rng = this.#rng;
    switch (kind) {
      case "malformed_amount":
        fields[8] = rng.pick(BAD_AMOUNTS);
        break;
      case "malformed_date": {
        const at = fields[1] as string;
        fields[1] = rng.pick([
          `${at.slice(8, 10)}/${at.slice(5, 7)}/${at.slice(0, 4)} ${at.slice(11)}`,
          `${at.slice(0, 4)}-02-30 ${at.slice(11)}`,
          `${at.slice(0, 4)}-13-01 ${at.slice(11)}`,
          "hier",
        ]);
        break;
      }
      case "unknown_client":
        fields[2] = `CZ${rng
          .int(2 ** 30)
          .toString(36)
          .toUpperCase()}`;
        break;
      case "unknown_service":
        fields[5] = rng.pick(UNKNOWN_SERVICES);
        break;
      case "future_timestamp":
        fields[1] = `${Number((fields[1] as string).slice(0, 4)) + 6}${(fields[1] as string).slice(4)}`;
        break;
      case "negative_amount":
        fields[8] = `-${fields[8]}`;
        break;
      case "broken_line":
        return `${fields.slice(0, 6).join(",")}\n`;
    }
    return `${fields.join(",")}\n`;
  }
}
