import type { Warehouse } from "../warehouse/warehouse.ts";
import type { SourceRecord } from "./records.ts";

export type RecordKind = "transaction" | "client" | "client_change";

/** One quarantined record. */
export interface Reject {
  readonly file: string;
  readonly line: number;
  readonly kind: RecordKind;
  readonly field: string | null;
  readonly reason: string;
  readonly message: string;
  readonly raw: string;
}

/** The reject of `rec`, read from `file`. */
export function rejectRecord(
  rec: SourceRecord,
  file: string,
  kind: RecordKind,
  field: string | null,
  reason: string,
  message: string,
): Reject {
  return { file, line: rec.line, kind, field, reason, message, raw: rec.raw };
}

/** The reject of a record that is not valid UTF-8 or does not hold `fieldCount` fields; null when it does. */
export function shapeReject(
  rec: SourceRecord,
  file: string,
  kind: RecordKind,
  fieldCount: number,
): Reject | null {
  if (rec.badEncoding)
    return rejectRecord(rec, file, kind, null, "invalid_encoding", "the record is not valid UTF-8");
  if (rec.fields.length === fieldCount) return null;
  return rejectRecord(
    rec,
    file,
    kind,
    null,
    "broken_line",
    `expected ${fieldCount} fields, found ${rec.fields.length}`,
  );
}

export const REJECTS_TABLE = { schema: "dwh_audit", table: "etl_rejects" } as const;
export const REJECT_COLUMNS = [
  "batch_id",
  "source_file",
  "line_number",
  "record_kind",
  "field",
  "reason",
  "message",
  "raw_record",
] as const;

/** A file whose records are mostly rejected is the wrong file or format; stop instead of quarantining it all. */
export const GIVE_UP_AFTER = 1000;

/** The error that stops a batch whose file had its first GIVE_UP_AFTER records rejected; `last` is the last of them. */
export function giveUpError(last: Pick<Reject, "file" | "line" | "field" | "message">): Error {
  return new Error(
    `${last.file}: the first ${GIVE_UP_AFTER} records were all rejected (line ${last.line}, ${last.field ?? "record"}: ${last.message}); is this the right file and --format?`,
  );
}

/** Collects rejects found in TypeScript while a file streams, then writes them to etl_rejects in bulk. */
export class RejectBuffer {
  readonly #pending: Reject[] = [];
  #seen = 0;
  #rejected = 0;

  add(reject: Reject): void {
    this.#pending.push(reject);
    this.#rejected++;
    this.#seen++;
    if (this.#seen === GIVE_UP_AFTER && this.#rejected === this.#seen) {
      throw giveUpError(reject);
    }
  }

  accepted(): void {
    this.#seen++;
  }

  /** Starts counting a new file for the give-up rule. */
  nextFile(): void {
    this.#seen = 0;
    this.#rejected = 0;
  }

  /** The pending rejects, handed over and forgotten (a worker sends them to the main thread). */
  take(): Reject[] {
    return this.#pending.splice(0, this.#pending.length);
  }

  /** Queues rejects found elsewhere (by a staging worker) for the next flush. */
  addAll(rejects: readonly Reject[]): void {
    for (const r of rejects) this.#pending.push(r);
  }

  async flush(wh: Warehouse, batchId: number): Promise<number> {
    if (this.#pending.length === 0) return 0;
    const rows = this.#pending.map((r) => [
      batchId,
      r.file,
      r.line,
      r.kind,
      r.field,
      r.reason,
      r.message,
      r.raw,
    ]);
    this.#pending.length = 0;
    return wh.bulkLoad(REJECTS_TABLE, REJECT_COLUMNS, rows);
  }
}
