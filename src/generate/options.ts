import { z } from "zod";
import { CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR } from "../reference/calendar.ts";

export const SCALES = {
  tiny: { clients: 2_000, transactions: 40_000 },
  small: { clients: 20_000, transactions: 500_000 },
  medium: { clients: 300_000, transactions: 4_000_000 },
  full: { clients: 3_000_000, transactions: 36_000_000 },
} as const;
export type Scale = keyof typeof SCALES;

export const FORMATS = ["csv", "parquet"] as const;

/**
 * Independent random streams the transactions are split into, each a fixed subset of clients.
 * Fixed, so the output does not depend on how many cores ran it.
 */
export const SHARDS = 4;

export interface GenerateOptions {
  readonly scale: Scale;
  readonly clients: number;
  readonly transactions: number;
  /** First day of the first month, YYYY-MM-01. */
  readonly start: string;
  readonly months: number;
  readonly seed: number;
  readonly fraudRate: number;
  readonly dirtyRate: number;
  readonly format: (typeof FORMATS)[number];
  readonly out: string;
}

const schema = z
  .object({
    scale: z.enum(Object.keys(SCALES) as [Scale, ...Scale[]], {
      error: "--scale accepts tiny, small, medium or full",
    }),
    clients: z
      .number({ error: "--clients accepts a whole number" })
      .int()
      .min(10, "--clients must be at least 10")
      .max(50_000_000)
      .optional(),
    transactions: z
      .number({ error: "--transactions accepts a whole number" })
      .int()
      .min(100, "--transactions must be at least 100")
      .optional(),
    start: z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])-01$/, "--start accepts the first day of a month, YYYY-MM-01")
      .default("2024-01-01"),
    months: z
      .number({ error: "--months accepts a whole number" })
      .int()
      .min(1, "--months must be at least 1")
      .max(48)
      .default(24),
    seed: z
      .number({ error: "--seed accepts a whole number" })
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(42),
    fraudRate: z
      .number({ error: "--fraud-rate accepts a number" })
      .min(0)
      .max(0.2, "--fraud-rate must be at most 0.2")
      .default(0.003),
    dirtyRate: z
      .number({ error: "--dirty-rate accepts a number" })
      .min(0)
      .max(0.1, "--dirty-rate must be at most 0.1")
      .default(0.001),
    format: z.enum(FORMATS, { error: "--format accepts csv or parquet" }).default("csv"),
    out: z.string().min(1),
  })
  .transform((o, ctx) => {
    const startYear = Number(o.start.slice(0, 4));
    const last = monthsFrom(o.start, o.months).at(-1) as string;
    if (startYear < CALENDAR_FIRST_YEAR || Number(last.slice(0, 4)) > CALENDAR_LAST_YEAR) {
      ctx.addIssue({
        code: "custom",
        message: `--start and --months must stay within the calendar dimension, ${CALENDAR_FIRST_YEAR}-01 … ${CALENDAR_LAST_YEAR}-12 (asked: ${o.start.slice(0, 7)} … ${last})`,
      });
      return z.NEVER;
    }
    const preset = SCALES[o.scale];
    return {
      ...o,
      clients: o.clients ?? preset.clients,
      transactions: o.transactions ?? preset.transactions,
    };
  });

export type RawGenerateOptions = z.input<typeof schema>;

export function resolveGenerateOptions(raw: RawGenerateOptions): GenerateOptions {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join("; "));
  return Object.freeze(parsed.data);
}

/** The first day (YYYY-MM-01) of each month of the window. */
export function monthsFrom(start: string, months: number): string[] {
  const year = Number(start.slice(0, 4));
  const month = Number(start.slice(5, 7)) - 1;
  return Array.from({ length: months }, (_, i) => {
    const d = new Date(Date.UTC(year, month + i, 1));
    return d.toISOString().slice(0, 10);
  });
}
