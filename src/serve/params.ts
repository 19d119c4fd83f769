import { z } from "zod";
import { isIsoDate } from "./dates.ts";
import { BadRequestError } from "./errors.ts";

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "expects a date YYYY-MM-DD")
  .refine(isIsoDate, "expects a real calendar date YYYY-MM-DD");

const code = (what: string, pattern: RegExp) =>
  z.string().max(64, `expects a ${what} of at most 64 characters`).regex(pattern, `expects a ${what}`);

/** The shared filter bar: every dashboard endpoint accepts these. */
export const FILTER_PARAMS = {
  from: isoDate.optional(),
  to: isoDate.optional(),
  country: code("country code such as CI", /^[A-Z]{2}$/).optional(),
  region: z.string().min(1, "expects a region name").max(100, "expects a region name").optional(),
  service: code("service code such as MERCHANT_PAYMENT", /^[A-Z0-9_]+$/).optional(),
  channel: code("channel code such as USSD", /^[A-Z0-9_]+$/).optional(),
  clientType: code("client type such as merchant", /^[a-z_]+$/).optional(),
  segment: z.string().min(1, "expects a segment name").max(100, "expects a segment name").optional(),
};

export type FilterParams = z.infer<z.ZodObject<typeof FILTER_PARAMS>>;

export const GRAINS = ["day", "week", "month"] as const;
export type Grain = (typeof GRAINS)[number];

export const grainParam = z.enum(GRAINS, { error: `accepts one of: ${GRAINS.join(", ")}` }).optional();

export function limitParam(max: number, fallback: number) {
  return z.coerce
    .number({ error: "expects a whole number" })
    .int("expects a whole number")
    .min(1, "must be at least 1")
    .max(max, `must be at most ${max}`)
    .default(fallback);
}

/** `true` or `false`, absent meaning false. */
export const flagParam = z
  .enum(["true", "false"], { error: "accepts true or false" })
  .default("false")
  .transform((value) => value === "true");

export function choiceParam<const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) {
  return z.enum(values, { error: `accepts one of: ${values.join(", ")}` }).default(fallback);
}

/**
 * Parses a query string object with `shape`, refusing unknown and repeated parameters; the first problem
 * becomes a BadRequestError naming its parameter and the value received.
 */
export function parseQuery<S extends z.ZodRawShape>(shape: S, query: unknown): z.infer<z.ZodObject<S>> {
  const raw = (query ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(raw)) {
    if (!(name in shape)) {
      throw new BadRequestError(name, `unknown parameter; accepts ${Object.keys(shape).join(", ")}`);
    }
    if (Array.isArray(value)) throw new BadRequestError(name, "given more than once; expects one value");
  }
  const cleaned = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== ""));
  const parsed = z.object(shape).safeParse(cleaned);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0] as z.core.$ZodIssue;
  const name = String(issue.path[0] ?? "query");
  throw new BadRequestError(name, `${issue.message}, got ${JSON.stringify(cleaned[name])}`);
}
