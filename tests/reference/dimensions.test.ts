import { describe, expect, it } from "vitest";
import { CHANNEL_ROWS } from "../../src/reference/channels.ts";
import { SERVICE_ROWS, serviceFee } from "../../src/reference/services.ts";
import { STATUS_ROWS } from "../../src/reference/statuses.ts";

const service = (code: string) => {
  const row = SERVICE_ROWS.find((s) => s.service_code === code);
  if (!row) throw new Error(`no service ${code}`);
  return row;
};

describe("dim_service rows", () => {
  it("list about twenty B2B services with unique codes and keys", () => {
    expect(SERVICE_ROWS.length).toBeGreaterThanOrEqual(18);
    expect(new Set(SERVICE_ROWS.map((s) => s.service_code)).size).toBe(SERVICE_ROWS.length);
    expect(SERVICE_ROWS.map((s) => s.service_key)).toEqual(SERVICE_ROWS.map((_, i) => i + 1));
    for (const code of [
      "MERCHANT_PAYMENT",
      "BULK_SALARY",
      "B2B_TRANSFER",
      "BILL_PAYMENT",
      "AGENT_CASH_IN",
      "AGENT_CASH_OUT",
      "FLOAT_PURCHASE",
      "FLOAT_TRANSFER",
      "AIRTIME_WHOLESALE",
      "LOAN_DISBURSEMENT",
      "LOAN_REPAYMENT",
      "INTL_REMITTANCE_OUT",
      "TAX_PAYMENT",
      "CUSTOMS_PAYMENT",
      "MERCHANT_REFUND",
    ]) {
      expect(service(code).service_name_fr.length).toBeGreaterThan(5);
    }
  });

  it("keep fee schedules coherent with their model", () => {
    for (const s of SERVICE_ROWS) {
      expect(s.risk_level, s.service_code).toBe(
        s.risk_score <= 2 ? "low" : s.risk_score === 3 ? "medium" : "high",
      );
      if (s.fee_model === "free") expect(s.fee_payer, s.service_code).toBe("none");
      if (s.fee_model === "percent_capped")
        expect(Number(s.fee_max), s.service_code).toBeGreaterThan(Number(s.fee_min));
      if (s.fee_model !== "free") expect(serviceFee(s, 100_000), s.service_code).toBeGreaterThan(0);
    }
  });

  it("compute fees under each model", () => {
    expect(serviceFee(service("AGENT_CASH_IN"), 50_000)).toBe(0);
    expect(serviceFee(service("TAX_PAYMENT"), 1_000_000)).toBe(500);
    expect(serviceFee(service("MERCHANT_PAYMENT"), 12_345)).toBe(123);
    expect(serviceFee(service("INTL_REMITTANCE_OUT"), 10_000)).toBe(500);
    expect(serviceFee(service("INTL_REMITTANCE_OUT"), 100_000)).toBe(2_000);
    expect(serviceFee(service("INTL_REMITTANCE_OUT"), 3_000_000)).toBe(30_000);
  });
});

describe("dim_channel and dim_transaction_status rows", () => {
  it("cover the five channels", () => {
    expect(CHANNEL_ROWS.map((c) => c.channel_code)).toEqual(["USSD", "APP", "WEB", "API", "AGENT_POS"]);
  });

  it("cover success, each failure cause, reversal, pending, cancellation and fraud block", () => {
    expect(STATUS_ROWS.length).toBeGreaterThanOrEqual(10);
    expect(new Set(STATUS_ROWS.map((s) => s.status_group))).toEqual(
      new Set(["success", "failed", "reversed", "pending", "cancelled", "blocked"]),
    );
    expect(STATUS_ROWS.filter((s) => s.is_success).map((s) => s.status_code)).toEqual(["SUCCESS"]);
    for (const s of STATUS_ROWS.filter((s) => s.status_group === "failed"))
      expect(s.failure_cause).not.toBeNull();
    expect(STATUS_ROWS.filter((s) => !s.is_final).map((s) => s.status_code)).toEqual(["PENDING"]);
  });
});
