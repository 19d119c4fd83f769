import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEtl } from "../../src/etl/run-etl.ts";
import { generate } from "../../src/generate/generate.ts";
import { resolveGenerateOptions } from "../../src/generate/options.ts";
import { FEATURE_NAMES } from "../../src/ml/features/catalog.ts";
import { type FeatureMatrix, readFeatures } from "../../src/ml/features/matrix.ts";
import { SPLITS } from "../../src/ml/features/query.ts";
import { forEachFeatureBatch, planFeatures, type ReadFeaturesOptions } from "../../src/ml/features/read.ts";
import { splitMonths } from "../../src/ml/features/split.ts";
import type { Engine, Warehouse } from "../../src/warehouse/warehouse.ts";
import { writeInput } from "../etl/fixtures.ts";
import { runMomo } from "../support/cli.ts";
import { createTestDatabase, ENGINES_UNDER_TEST, type TestDatabase } from "../support/engines.ts";

const root = mkdtempSync(join(tmpdir(), "momo-features-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * A hand-made day of transactions whose every feature is worked out by hand in features.test.ts.
 * 2024-03-10 is a Sunday. CA, a merchant registered 2024-01-01 (KYC 1); CB an sme registered
 * 2024-02-01 (KYC 2); CM a merchant registered 2024-03-01 (KYC 1).
 */
const FIXTURE_CLIENTS = [
  "CA,Boutique CA,merchant,commerce,small,bronze,1,CI-ABOBO,,2024-01-01,active",
  "CB,Atelier CB,sme,services,small,silver,2,CI-ABOBO,,2024-02-01,active",
  "CM,Boutique CM,merchant,commerce,micro,bronze,1,CI-ABOBO,,2024-03-01,active",
];

interface FixtureTx {
  id: string;
  at: string;
  client: string;
  cpClient?: string;
  cpRef?: string;
  service: string;
  channel: string;
  status?: string;
  amount: number;
  balance: number;
  device: string;
}

const line = (t: FixtureTx) =>
  [
    t.id,
    t.at,
    t.client,
    t.cpClient ?? "",
    t.cpRef ?? "",
    t.service,
    t.channel,
    t.status ?? "SUCCESS",
    t.amount,
    0,
    "XOF",
    t.balance,
    t.device,
    "CI-ABOBO",
    0,
    "",
  ].join(",");

const FIXTURE_TRANSACTIONS: FixtureTx[] = [
  // exactly 30 days before T002: still inside its 30-day window
  {
    id: "T001",
    at: "2024-02-09 10:00:00",
    client: "CA",
    cpRef: "P1",
    service: "MERCHANT_PAYMENT",
    channel: "APP",
    amount: 10000,
    balance: 100000,
    device: "D1",
  },
  // exactly 1 hour before T007: still inside its 1-hour window
  {
    id: "T002",
    at: "2024-03-10 10:00:00",
    client: "CA",
    cpRef: "P1",
    service: "MERCHANT_PAYMENT",
    channel: "APP",
    amount: 10000,
    balance: 110000,
    device: "D1",
  },
  // T003 and T004 share an instant: neither sees the other
  {
    id: "T003",
    at: "2024-03-10 10:30:00",
    client: "CA",
    cpRef: "P1",
    service: "MERCHANT_PAYMENT",
    channel: "APP",
    amount: 40000,
    balance: 150000,
    device: "D1",
  },
  {
    id: "T004",
    at: "2024-03-10 10:30:00",
    client: "CA",
    cpRef: "OPERATEUR-CI",
    service: "AIRTIME_WHOLESALE",
    channel: "USSD",
    amount: 3000,
    balance: 147000,
    device: "D2",
  },
  {
    id: "T005",
    at: "2024-03-10 10:45:00",
    client: "CA",
    cpRef: "BANQUE-CI",
    service: "WALLET_TO_BANK",
    channel: "APP",
    status: "FAILED_WRONG_PIN",
    amount: 50000,
    balance: 147000,
    device: "D1",
  },
  {
    id: "T006",
    at: "2024-03-10 10:50:00",
    client: "CB",
    cpClient: "CM",
    service: "B2B_TRANSFER",
    channel: "APP",
    amount: 25000,
    balance: 500000,
    device: "D9",
  },
  {
    id: "T007",
    at: "2024-03-10 11:00:00",
    client: "CA",
    cpClient: "CM",
    service: "B2B_TRANSFER",
    channel: "WEB",
    amount: 98000,
    balance: 49000,
    device: "D3",
  },
  {
    id: "T008",
    at: "2024-03-10 11:00:00",
    client: "CB",
    cpClient: "CM",
    service: "B2B_TRANSFER",
    channel: "APP",
    amount: 1000,
    balance: 474000,
    device: "D9",
  },
  {
    id: "T009",
    at: "2024-03-10 12:00:00",
    client: "CM",
    cpRef: "BANQUE-CI",
    service: "WALLET_TO_BANK",
    channel: "APP",
    amount: 31000,
    balance: 93000,
    device: "D5",
  },
  {
    id: "T010",
    at: "2024-03-11 09:00:00",
    client: "CA",
    cpClient: "CM",
    service: "B2B_TRANSFER",
    channel: "WEB",
    amount: 7000,
    balance: 42000,
    device: "D3",
  },
];

function writeFixtureInput(dir: string): string {
  const byMonth: Record<string, string[]> = {};
  for (const t of FIXTURE_TRANSACTIONS) {
    const month = t.at.slice(0, 7);
    byMonth[month] = [...(byMonth[month] ?? []), line(t)];
  }
  return writeInput(dir, { clients: FIXTURE_CLIENTS, transactions: byMonth });
}

/** The features of every row read, as doubles, by transaction id. */
async function featuresById(
  wh: Warehouse,
  options: ReadFeaturesOptions = {},
): Promise<Map<string, Record<string, number>>> {
  const byId = new Map<string, Record<string, number>>();
  const plan = await planFeatures(wh, options);
  await forEachFeatureBatch(
    wh,
    plan,
    (batch) => {
      for (let r = 0; r < batch.rows; r++) {
        const values: Record<string, number> = {};
        FEATURE_NAMES.forEach((name, c) => {
          values[name] = batch.values[r * FEATURE_NAMES.length + c] as number;
        });
        byId.set(batch.transactionIds[r] as string, values);
      }
    },
    { pageRows: options.pageRows },
  );
  return byId;
}

const NO_VALUE = Number.NaN;
/** Every feature of the fixture's rows, worked out by hand (NaN: missing). */
const EXPECTED: Record<string, Record<string, number>> = {
  // CA's transfer to CM at 11:00: earlier are T002 (exactly 1 h before: inside), T003, T004, T005;
  // T001 is 30 days and 1 hour before (outside); T008 shares the instant (unseen)
  T007: {
    amount: 98000,
    hour_of_day: 11,
    is_night: 0,
    day_of_week: 7,
    is_round_amount: 1,
    is_just_below_threshold: 0,
    amount_to_service_max: 98000 / 10_000_000,
    service_key: 7,
    channel_key: 3,
    service_risk_score: 3,
    client_type_code: 1,
    kyc_level: 1,
    client_tenure_days: 69,
    tx_count_1h: 4,
    tx_count_24h: 4,
    tx_count_7d: 4,
    tx_count_30d: 4,
    amount_sum_1h: 103000,
    amount_sum_24h: 103000,
    amount_sum_7d: 103000,
    // earlier amounts 10000, 40000, 3000, 50000: mean 25750, population variance 389,187,500
    amount_zscore_30d: (98000 - 25750) / Math.sqrt(389_187_500),
    amount_to_max_30d: 98000 / 50000,
    seconds_since_previous: 900,
    failed_count_1h: 1,
    same_service_count_1h: 0,
    is_new_service: 1,
    channel_share_30d: 0,
    is_new_device: 1,
    device_share_30d: 0,
    is_new_counterparty: 1,
    // T004 (OPERATEUR-CI) and T005 (BANQUE-CI) went to new counterparties; T002 and T003 to P1, seen by T001
    new_counterparties_1h: 2,
    counterparty_count_24h: 0,
    // CB sent to CM at 10:50 (T006); T008 shares the instant
    counterparty_fan_in_24h: 1,
    counterparty_tenure_days: 9,
    counterparty_kyc_level: 1,
    // the merchant payments T002 and T003 credited CA
    inflow_count_24h: 2,
    amount_to_inflow_24h: 98000 / 50000,
    amount_to_balance: 98000 / 147000,
  },
  // T003 and T004 at 10:30 see T002 only, and take their balance from it, not from each other
  T004: {
    tx_count_1h: 1,
    seconds_since_previous: 1800,
    amount_to_balance: 3000 / 110000,
    is_new_counterparty: 1,
    is_new_device: 1,
    channel_share_30d: 0,
    amount_zscore_30d: NO_VALUE,
    amount_to_max_30d: 3000 / 10000,
  },
  T003: {
    tx_count_1h: 1,
    seconds_since_previous: 1800,
    amount_to_balance: 40000 / 110000,
    is_new_counterparty: 0,
    counterparty_count_24h: 1,
    is_new_device: 0,
    device_share_30d: 1,
    channel_share_30d: 1,
    inflow_count_24h: 1,
  },
  // T001 is exactly 30 days before T002: inside its 30-day windows
  T002: {
    tx_count_30d: 1,
    tx_count_7d: 0,
    is_new_counterparty: 0,
    is_new_device: 0,
    seconds_since_previous: 30 * 86400,
    amount_to_balance: 10000 / 100000,
    amount_zscore_30d: NO_VALUE,
    amount_to_max_30d: 1,
    inflow_count_24h: 0,
    amount_to_inflow_24h: NO_VALUE,
  },
  T001: {
    tx_count_30d: 0,
    seconds_since_previous: NO_VALUE,
    amount_to_balance: NO_VALUE,
    channel_share_30d: NO_VALUE,
    is_new_counterparty: 1,
    counterparty_count_24h: 0,
    counterparty_fan_in_24h: NO_VALUE,
    counterparty_tenure_days: NO_VALUE,
    counterparty_kyc_level: NO_VALUE,
    client_tenure_days: 39,
  },
  T006: { counterparty_fan_in_24h: 0, counterparty_count_24h: 0, client_type_code: 4, kyc_level: 2 },
  T008: { counterparty_fan_in_24h: 1, counterparty_count_24h: 1, seconds_since_previous: 600 },
  // CM received T006, T007 and T008 (25,000 + 98,000 + 1,000) and has no earlier transaction of its own
  T009: {
    inflow_count_24h: 3,
    amount_to_inflow_24h: 31000 / 124000,
    tx_count_30d: 0,
    seconds_since_previous: NO_VALUE,
    is_new_service: 1,
    counterparty_fan_in_24h: NO_VALUE,
    client_tenure_days: 9,
  },
};

const YEAR_2024 = splitMonths("2024-01", "2024-12");

describe("the feature catalogue", () => {
  it("is documented in docs/ml-features.md, every feature in order", () => {
    const doc = readFileSync(new URL("../../docs/ml-features.md", import.meta.url), "utf8");
    const documented = [...doc.matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((m) => m[1]);
    expect(documented).toEqual([...FEATURE_NAMES]);
  });

  it("splits months 65 / 15 / 20 and refuses fewer than three", () => {
    expect(splitMonths("2024-01", "2025-12")).toMatchObject({
      trainMonths: 15,
      validMonths: 4,
      testMonths: 5,
    });
    expect(splitMonths("2024-11", "2025-01")).toMatchObject({
      trainMonths: 1,
      validFrom: "2024-12-01",
      testFrom: "2025-01-01",
    });
    expect(() => splitMonths("2024-01", "2024-02")).toThrow("at least 3 months");
  });
});

for (const engine of ENGINES_UNDER_TEST) {
  describe(`fraud features on a hand-made day, ${engine}`, () => {
    let db: TestDatabase;
    let wh: Warehouse;
    let features: Map<string, Record<string, number>>;

    beforeAll(async () => {
      db = await createTestDatabase(engine);
      wh = await db.open();
      const loaded = await runEtl(wh, { input: writeFixtureInput(join(root, `fixture-${engine}`)) });
      expect(loaded.counts.rows_loaded).toBe(FIXTURE_TRANSACTIONS.length);
      features = await featuresById(wh, { timeSplit: YEAR_2024, pageRows: 3 });
    });

    afterAll(async () => {
      await wh?.close();
      await db?.drop();
    });

    it("returns one row per transaction, every feature a number or missing", () => {
      expect([...features.keys()].sort()).toEqual(FIXTURE_TRANSACTIONS.map((t) => t.id).sort());
      for (const values of features.values()) expect(Object.keys(values)).toEqual([...FEATURE_NAMES]);
    });

    for (const [id, expected] of Object.entries(EXPECTED)) {
      it(`computes the hand-worked features of ${id}`, () => {
        const actual = features.get(id) as Record<string, number>;
        for (const [name, value] of Object.entries(expected)) {
          if (Number.isNaN(value)) expect(actual[name], `${id} ${name}`).toBeNaN();
          else expect(actual[name], `${id} ${name}`).toBeCloseTo(value, 9);
        }
      });
    }

    it("gives T007 a value for every feature but none for its missing ones", () => {
      expect(Object.keys(EXPECTED.T007 ?? {}).sort()).toEqual([...FEATURE_NAMES].sort());
    });
  });
}

/** The same double, bit for bit (missing equals missing): exact sums make the engines agree exactly. */
function sameValue(a: number, b: number): boolean {
  return Object.is(a, b);
}

function differences(
  a: Map<string, Record<string, number>>,
  b: Map<string, Record<string, number>>,
  ids: Iterable<string>,
): string[] {
  const found: string[] = [];
  for (const id of ids) {
    const x = a.get(id);
    const y = b.get(id);
    if (!x || !y) {
      found.push(`${id}: ${x ? "missing on the right" : "missing on the left"}`);
      continue;
    }
    for (const name of FEATURE_NAMES) {
      if (!sameValue(x[name] as number, y[name] as number))
        found.push(`${id} ${name}: ${x[name]} vs ${y[name]}`);
    }
  }
  return found;
}

describe("fraud features on the generated tiny data set", () => {
  const input = join(root, "tiny");
  const loaded = new Map<Engine, { db: TestDatabase; wh: Warehouse }>();
  const full = new Map<Engine, Map<string, Record<string, number>>>();
  const wh = (engine: Engine) => (loaded.get(engine) as { wh: Warehouse }).wh;

  beforeAll(async () => {
    await generate(resolveGenerateOptions({ scale: "tiny", seed: 23, out: input }));
    for (const engine of ENGINES_UNDER_TEST) {
      const db = await createTestDatabase(engine);
      const w = await db.open();
      await runEtl(w, { input });
      loaded.set(engine, { db, wh: w });
      full.set(engine, await featuresById(w));
    }
  });

  afterAll(async () => {
    for (const { db, wh: w } of loaded.values()) {
      await w.close();
      await db.drop();
    }
  });

  it("computes a row per loaded transaction, with every feature present somewhere", async () => {
    for (const engine of ENGINES_UNDER_TEST) {
      const [row] = await wh(engine).query<{ n: number }>("SELECT COUNT(*) AS n FROM dwh.fact_transactions");
      const features = full.get(engine) as Map<string, Record<string, number>>;
      expect(features.size).toBe(Number(row?.n));
      for (const name of FEATURE_NAMES) {
        const present = [...features.values()].filter((v) => !Number.isNaN(v[name] as number)).length;
        expect(present, name).toBeGreaterThan(0);
      }
    }
  });

  it.runIf(ENGINES_UNDER_TEST.length > 1)(
    "gives the same doubles, bit for bit, on DuckDB and PostgreSQL",
    () => {
      const duck = full.get("duckdb") as Map<string, Record<string, number>>;
      const pg = full.get("postgres") as Map<string, Record<string, number>>;
      expect(pg.size).toBe(duck.size);
      expect(differences(duck, pg, duck.keys()).slice(0, 10)).toEqual([]);
    },
  );

  it("reads a date range with its lookback exactly as the full computation does", async () => {
    for (const engine of ENGINES_UNDER_TEST) {
      const part = await featuresById(wh(engine), { from: "2025-03-15", to: "2025-04-20" });
      const [row] = await wh(engine).query<{ n: number }>(
        "SELECT COUNT(*) AS n FROM dwh.fact_transactions WHERE date_key BETWEEN 20250315 AND 20250420",
      );
      expect(part.size).toBe(Number(row?.n));
      const whole = full.get(engine) as Map<string, Record<string, number>>;
      expect(differences(whole, part, part.keys()).slice(0, 10)).toEqual([]);
    }
  });

  it("splits by month: train, then valid, then test, in time order", async () => {
    const matrix = await readFeatures(wh("duckdb"));
    const split = matrix.timeSplit;
    expect([split.trainMonths, split.validMonths, split.testMonths]).toEqual([15, 4, 5]);
    expect([split.validFrom, split.testFrom]).toEqual(["2025-04-01", "2025-08-01"]);
    const validKey = Number(split.validFrom.replaceAll("-", ""));
    const testKey = Number(split.testFrom.replaceAll("-", ""));
    for (let r = 0; r < matrix.rows; r++) {
      const key = matrix.dateKeys[r] as number;
      expect(SPLITS[matrix.splits[r] as number]).toBe(
        key < validKey ? "train" : key < testKey ? "valid" : "test",
      );
      if (r > 0) expect(key).toBeGreaterThanOrEqual(matrix.dateKeys[r - 1] as number);
    }
    const doubles = full.get("duckdb") as Map<string, Record<string, number>>;
    for (const r of [0, Math.floor(matrix.rows / 2), matrix.rows - 1]) {
      const id = matrix.transactionIds.get(r);
      FEATURE_NAMES.forEach((name, c) => {
        expect(matrix.values[r * matrix.cols + c]).toBe(Math.fround(doubles.get(id)?.[name] as number));
      });
    }
    expect(matrix.labels.reduce((s, l) => s + l, 0)).toBe(
      [...matrix.fraudTypes].filter((code) => code > 0).length,
    );
  });

  it("samples training negatives deterministically, the same on both engines, with weights", async () => {
    const samples: FeatureMatrix[] = [];
    for (const engine of ENGINES_UNDER_TEST) {
      const sample = await readFeatures(wh(engine), { sampleNegatives: 0.1 });
      samples.push(sample);
      const all = full.get(engine) as Map<string, Record<string, number>>;
      const kept = { frauds: 0, negatives: 0, outside: 0 };
      for (let r = 0; r < sample.rows; r++) {
        const split = SPLITS[sample.splits[r] as number];
        if (sample.labels[r] === 1) kept.frauds++;
        else if (split === "train") {
          kept.negatives++;
          expect(sample.weights[r]).toBeCloseTo(10, 5);
        } else kept.outside++;
        if (sample.labels[r] === 1 || split !== "train") expect(sample.weights[r]).toBe(1);
      }
      const [train] = await wh(engine).query<{ n: number }>(
        "SELECT COUNT(*) AS n FROM dwh.fact_transactions WHERE NOT is_fraud AND date_key < 20250401",
      );
      const trainNegatives = Number(train?.n);
      expect(kept.negatives / trainNegatives).toBeGreaterThan(0.08);
      expect(kept.negatives / trainNegatives).toBeLessThan(0.12);
      expect(sample.rows).toBeLessThan(all.size);
    }
    if (samples.length === 2) {
      const ids = (m: FeatureMatrix) =>
        Array.from({ length: m.rows }, (_, r) => m.transactionIds.get(r)).join(",");
      expect(ids(samples[1] as FeatureMatrix)).toBe(ids(samples[0] as FeatureMatrix));
    }
  });

  it("exports the matrix with momo ml features --export: header, one line per row, split, exact values", async () => {
    for (const engine of ENGINES_UNDER_TEST) {
      const { db, wh: w } = loaded.get(engine) as { db: TestDatabase; wh: Warehouse };
      await w.close(); // DuckDB lets one process open a file at a time
      const file = join(root, `features-${engine}.csv`);
      const env: Record<string, string> =
        engine === "duckdb" ? { MOMO_DUCKDB_PATH: db.location } : { DATABASE_URL: db.location };
      const run = runMomo(["ml", "features", "--export", file, "--engine", engine, "--json"], env);
      loaded.set(engine, { db, wh: await db.open() });
      expect(run.code, run.stderr).toBe(0);
      const summary = JSON.parse(run.stdout);
      const features = full.get(engine) as Map<string, Record<string, number>>;
      expect(summary).toMatchObject({ engine, rows: features.size, path: file });

      const [header, ...lines] = readFileSync(file, "utf8").trimEnd().split("\n");
      expect(header).toBe(`transaction_id,split,is_fraud,fraud_type,${FEATURE_NAMES.join(",")}`);
      expect(lines).toHaveLength(features.size);
      const counts = { train: 0, valid: 0, test: 0 } as Record<string, number>;
      const mismatches: string[] = [];
      for (const line of lines) {
        const [id, split, isFraud, fraudType, ...values] = line.split(",");
        counts[split as string] = (counts[split as string] ?? 0) + 1;
        if ((isFraud === "1") !== (fraudType !== ""))
          mismatches.push(`${id}: is_fraud ${isFraud}, ${fraudType}`);
        const expected = features.get(id as string) as Record<string, number>;
        FEATURE_NAMES.forEach((name, c) => {
          const text = values[c] as string;
          if (!Object.is(text === "" ? Number.NaN : Number(text), expected[name]))
            mismatches.push(`${id} ${name}: "${text}" vs ${expected[name]}`);
        });
      }
      expect(mismatches.slice(0, 10)).toEqual([]);
      expect(counts).toEqual(summary.rowsBySplit);
      expect(counts.train && counts.valid && counts.test).toBeGreaterThan(0);
    }
  });

  it("refuses a date that does not exist, and lists the features without --export", () => {
    const bad = runMomo(["ml", "features", "--export", join(root, "x.csv"), "--from", "2025-02-30"], {
      MOMO_DUCKDB_PATH: join(root, "none.duckdb"),
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('"2025-02-30" is not a calendar date');
    const list = runMomo(["ml", "features"]);
    expect(list.code, list.stderr).toBe(0);
    for (const name of FEATURE_NAMES) expect(list.stdout).toContain(name);
  });

  // Runs last: it rewrites the data of every engine.
  it("uses only earlier transactions: rewriting and deleting later ones moves no earlier row", async () => {
    for (const engine of ENGINES_UNDER_TEST) {
      const w = wh(engine);
      const before = full.get(engine) as Map<string, Record<string, number>>;
      const [cut] = await w.query<{ at: string }>(
        `SELECT transaction_at AS at FROM dwh.fact_transactions
          ORDER BY transaction_at, transaction_id LIMIT 1 OFFSET ${Math.floor(before.size / 2)}`,
      );
      const cutoff = cut?.at as string;
      const earlier = (
        await w.query<{ id: string }>(
          "SELECT transaction_id AS id FROM dwh.fact_transactions WHERE transaction_at < CAST($1 AS TIMESTAMP)",
          [cutoff],
        )
      ).map((r) => r.id);
      await w.exec(
        `DELETE FROM dwh.fact_transactions WHERE transaction_at > CAST('${cutoff}' AS TIMESTAMP)
            AND substr(transaction_id, length(transaction_id), 1) IN ('1', '7', 'K')`,
      );
      await w.exec(
        `UPDATE dwh.fact_transactions
            SET amount = amount * 3 + 1, balance_after = 1, device_ref = 'DNEW', counterparty_ref = 'PNEW',
                channel_key = 1, status_key = 3
          WHERE transaction_at >= CAST('${cutoff}' AS TIMESTAMP)`,
      );
      const after = await featuresById(w);
      expect(differences(before, after, earlier).slice(0, 10)).toEqual([]);
      const later = [...after.keys()].filter((id) => !earlier.includes(id));
      expect(later.length).toBeGreaterThan(1000);
      expect(differences(before, after, later).length).toBeGreaterThan(later.length);
    }
  });
});
