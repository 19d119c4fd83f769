import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TRANSACTION_HEADER } from "../../src/generate/catalog.ts";

const CLIENT_HEADER =
  "client_id,client_name,client_type,sector,size_band,tier,kyc_level,geo_code,parent_client_id,registration_date,status";
const CHANGE_HEADER = "change_id,client_id,effective_at,change_type,attribute,old_value,new_value";

/** A hand-written input directory in momo generate's layout; sections left out are not written. */
export function writeInput(
  dir: string,
  files: { clients?: string[]; changes?: string[]; transactions?: Record<string, string[]> },
): string {
  mkdirSync(dir, { recursive: true });
  if (files.clients)
    writeFileSync(join(dir, "clients.csv"), [CLIENT_HEADER, ...files.clients, ""].join("\n"));
  if (files.changes)
    writeFileSync(join(dir, "client_changes.csv"), [CHANGE_HEADER, ...files.changes, ""].join("\n"));
  for (const [month, rows] of Object.entries(files.transactions ?? {})) {
    mkdirSync(join(dir, "transactions", `month=${month}`), { recursive: true });
    writeFileSync(
      join(dir, "transactions", `month=${month}`, "part-0.csv"),
      [TRANSACTION_HEADER, ...rows, ""].join("\n"),
    );
  }
  return dir;
}

export function client(id: string, registered = "2024-01-01", tier = "bronze"): string {
  return `${id},Boutique ${id},merchant,commerce,small,${tier},1,CI-ABOBO,,${registered},active`;
}

/** A successful merchant payment of `client` at `at`. */
export function payment(id: string, at: string, client: string, amount = 5000): string {
  return `${id},${at},${client},,PX1,MERCHANT_PAYMENT,APP,SUCCESS,${amount},50,XOF,100000,D1,CI-ABOBO,0,`;
}
