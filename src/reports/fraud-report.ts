import {
  fraudBreakdown,
  fraudOverview,
  fraudTimeSeries,
  parseReasons,
  scoreDistribution,
} from "../serve/queries/fraud.ts";
import type { ModelInfo } from "../serve/queries/models.ts";
import { count, money, pct, type ReportContext, share } from "./context.ts";
import { categoryChart, type Figure, percent, type Report, type Section } from "./report.ts";
import * as q from "./report-queries.ts";

/** How many of the latest alerts the reason counts read. */
const REASON_SAMPLE = 20_000;

async function labelled(ctx: ReportContext): Promise<Section> {
  const overview = await fraudOverview(ctx.wh, ctx.filters);
  const c = overview.current;
  const [typologies, services, channels, series] = [
    await fraudBreakdown(ctx.wh, ctx.filters, "typology"),
    await fraudBreakdown(ctx.wh, ctx.filters, "service"),
    await fraudBreakdown(ctx.wh, ctx.filters, "channel"),
    await fraudTimeSeries(ctx.wh, ctx.filters, "month", overview.model?.version ?? null),
  ];
  const withFraud = services.items.filter((i) => i.fraud > 0);
  return {
    title: "Labelled fraud",
    text: [
      `${count(c.fraud)} of ${count(c.transactions)} transactions are labelled fraudulent (${pct(c.fraudRate, 3)}), for ${money(c.fraudAmount)}, from ${ctx.first} to ${ctx.last}.`,
      typologies.items[0]
        ? `The most frequent typology is ${typologies.items[0].label} (${count(typologies.items[0].fraud)} transactions).`
        : "",
    ].filter(Boolean),
    figures: [
      {
        title: "Fraud by typology",
        chart: categoryChart(
          typologies.items.map((i) => i.label),
          [
            { name: "transactions", data: typologies.items.map((i) => i.fraud) },
            {
              name: "amount (F CFA)",
              data: typologies.items.map((i) => Number(i.fraudAmount)),
              type: "line",
              secondAxis: true,
            },
          ],
          { rotate: 20 },
        ),
        height: 300,
        table: {
          columns: [
            { label: "typology" },
            { label: "transactions", format: "count" },
            { label: "amount", format: "money" },
            { label: "average", format: "money" },
          ],
          rows: typologies.items.map((i) => [
            i.label,
            i.fraud,
            i.fraudAmount,
            i.fraud ? Number(i.fraudAmount) / i.fraud : null,
          ]),
        },
      },
      {
        title: "Monthly fraud rate",
        chart: categoryChart(
          series.points.map((p) => p.period),
          [
            { name: "fraud rate (%)", data: series.points.map((p) => percent(p.fraudRate)), type: "line" },
            { name: "fraudulent transactions", data: series.points.map((p) => p.fraud), secondAxis: true },
          ],
          { axisNames: ["%", "transactions"], rotate: 45 },
        ),
        table: {
          columns: [
            { label: "month" },
            { label: "transactions", format: "count" },
            { label: "fraud", format: "count" },
            { label: "rate", format: "rate" },
            { label: "amount", format: "money" },
            { label: "model alerts", format: "count" },
          ],
          rows: series.points.map((p) => [
            p.period,
            p.transactions,
            p.fraud,
            p.fraudRate,
            p.fraudAmount,
            p.alerts,
          ]),
        },
      },
      {
        title: "Fraud by service",
        chart: categoryChart(
          withFraud.map((i) => i.label),
          [
            { name: "fraudulent transactions", data: withFraud.map((i) => i.fraud) },
            {
              name: "fraud rate",
              data: withFraud.map((i) => i.fraudRate ?? null),
              type: "line",
              secondAxis: true,
            },
          ],
          { rotate: 30 },
        ),
        table: {
          columns: [
            { label: "service" },
            { label: "transactions", format: "count" },
            { label: "fraud", format: "count" },
            { label: "rate", format: "rate" },
            { label: "amount", format: "money" },
          ],
          rows: services.items.map((i) => [
            i.label,
            i.transactions ?? 0,
            i.fraud,
            i.fraudRate ?? null,
            i.fraudAmount,
          ]),
        },
      },
      {
        title: "Fraud by channel",
        table: {
          columns: [
            { label: "channel" },
            { label: "transactions", format: "count" },
            { label: "fraud", format: "count" },
            { label: "rate", format: "rate" },
            { label: "amount", format: "money" },
          ],
          rows: channels.items.map((i) => [
            i.label,
            i.transactions ?? 0,
            i.fraud,
            i.fraudRate ?? null,
            i.fraudAmount,
          ]),
        },
      },
    ],
  };
}

async function patterns({ wh }: ReportContext): Promise<Section> {
  const [hours, buckets, types] = [
    await q.byHour(wh),
    await q.amountBuckets(wh),
    await q.fraudByClientType(wh),
  ];
  const all = hours.reduce((s, h) => s + h.transactions, 0);
  const frauds = hours.reduce((s, h) => s + h.fraud, 0);
  const night = hours.filter((h) => h.hour < 6);
  return {
    title: "Fraud patterns",
    text: [
      `Between midnight and 6 am happen ${pct(
        share(
          night.reduce((s, h) => s + h.fraud, 0),
          frauds,
        ),
        1,
      )} of the frauds but ${pct(
        share(
          night.reduce((s, h) => s + h.transactions, 0),
          all,
        ),
        1,
      )} of all transactions.`,
    ],
    figures: [
      {
        title: "Share of transactions by hour: fraud against all",
        chart: categoryChart(
          hours.map((h) => `${h.hour}h`),
          [
            { name: "all transactions", data: hours.map((h) => share(h.transactions, all)) },
            { name: "fraudulent", data: hours.map((h) => share(h.fraud, frauds)) },
          ],
        ),
        height: 280,
        table: {
          columns: [
            { label: "hour" },
            { label: "transactions", format: "count" },
            { label: "fraud", format: "count" },
            { label: "fraud rate", format: "rate" },
          ],
          rows: hours.map((h) => [h.hour, h.transactions, h.fraud, share(h.fraud, h.transactions)]),
        },
      },
      {
        title: "Fraud rate by order of magnitude of the amount",
        chart: categoryChart(
          buckets.map((b) => `≥ ${count(10 ** b.bucket)}`),
          [{ name: "fraud rate", data: buckets.map((b) => share(b.fraud, b.transactions)) }],
        ),
        height: 260,
        table: {
          columns: [
            { label: "amount from" },
            { label: "transactions", format: "count" },
            { label: "fraud", format: "count" },
            { label: "fraud rate", format: "rate" },
          ],
          rows: buckets.map((b) => [
            count(10 ** b.bucket),
            b.transactions,
            b.fraud,
            share(b.fraud, b.transactions),
          ]),
        },
      },
      {
        title: "Fraud by client type",
        table: {
          columns: [
            { label: "client type" },
            { label: "transactions", format: "count" },
            { label: "fraud", format: "count" },
            { label: "fraud rate", format: "rate" },
          ],
          rows: types.map((t) => [t.client_type, t.transactions, t.fraud, share(t.fraud, t.transactions)]),
        },
      },
    ],
  };
}

function modelFigures(model: ModelInfo): Figure[] {
  const summary = model.summary ?? { figures: [], recallByFraudType: [], featureImportance: [] };
  const figures: Figure[] = [
    {
      title: `Model fraud_gbdt v${model.version}`,
      note: `trained ${model.createdAt} on ${model.trainedFrom ?? "?"} → ${model.trainedTo ?? "?"}; ${model.featureNames.length} features`,
      table: {
        columns: [{ label: "figure" }, { label: "value", format: "decimal" }],
        rows: [
          ["decision threshold", model.decisionThreshold],
          ...summary.figures.map((f): [string, number | string] => [f.label, f.value]),
        ],
      },
    },
  ];
  if (summary.featureImportance.length > 0) {
    const ranked = summary.featureImportance;
    figures.push({
      title: "Feature importance",
      note: "total split gain of each feature in the trees",
      chart: categoryChart(
        ranked.map((f) => f.feature),
        [{ name: "gain", data: ranked.map((f) => f.gain) }],
        { horizontal: true },
      ),
      height: Math.max(200, 26 * ranked.length + 40),
      table: {
        columns: [{ label: "feature" }, { label: "gain", format: "decimal" }],
        rows: ranked.map((f) => [f.feature, f.gain]),
      },
    });
  }
  if (summary.recallByFraudType.length > 0) {
    figures.push({
      title: "Recall by typology on the test months",
      table: {
        columns: [
          { label: "typology" },
          { label: "frauds", format: "count" },
          { label: "detected", format: "count" },
          { label: "recall", format: "rate" },
        ],
        rows: summary.recallByFraudType.map((g) => [g.fraudType, g.frauds, g.detected, g.recall]),
      },
    });
  }
  return figures;
}

async function modelSection(ctx: ReportContext, model: ModelInfo | null): Promise<Section> {
  if (!model) {
    return {
      title: "The fraud model",
      text: ["No model trained yet — run `momo ml train`, then this report again."],
      figures: [],
    };
  }
  const [bins, matrix, reasons] = [
    await scoreDistribution(ctx.wh, ctx.filters, model.version),
    await q.confusion(ctx.wh, model.version),
    await q.alertReasons(ctx.wh, model.version, REASON_SAMPLE),
  ];
  const cell = (alert: boolean, fraud: boolean) =>
    matrix.find((m) => m.is_alert === alert && m.is_fraud === fraud)?.transactions ?? 0;
  const [tp, fp, fn, tn] = [cell(true, true), cell(true, false), cell(false, true), cell(false, false)];
  const features = new Map<string, number>();
  for (const text of reasons) {
    const top = parseReasons(text)[0];
    if (top) features.set(top.feature, (features.get(top.feature) ?? 0) + 1);
  }
  const ranked = [...features].sort((a, b) => b[1] - a[1]);
  return {
    title: "The fraud model",
    text: [
      `Against the data's labels over every scored transaction: precision ${pct(share(tp, tp + fp), 1)}, recall ${pct(share(tp, tp + fn), 1)} (${count(tp)} frauds caught, ${count(fp)} false alerts, ${count(fn)} frauds missed, ${count(tn)} correctly passed).`,
    ],
    figures: [
      ...modelFigures(model),
      {
        title: "Score distribution",
        note: "transactions per score bin, log scale; alerts at or above the threshold",
        chart: categoryChart(
          bins.map((b) => b.from.toFixed(2)),
          [
            { name: "below threshold", data: bins.map((b) => b.transactions - b.alerts || null) },
            { name: "alerts", data: bins.map((b) => b.alerts || null) },
          ],
          { logScale: true, overlap: true },
        ),
        height: 280,
        table: {
          columns: [
            { label: "score from" },
            { label: "to" },
            { label: "transactions", format: "count" },
            { label: "alerts", format: "count" },
          ],
          rows: bins.map((b) => [b.from.toFixed(2), b.to.toFixed(2), b.transactions, b.alerts]),
        },
      },
      {
        title: "Alerts against labels",
        table: {
          columns: [
            { label: "" },
            { label: "labelled fraud", format: "count" },
            { label: "not labelled", format: "count" },
          ],
          rows: [
            ["alert", tp, fp],
            ["no alert", fn, tn],
          ],
        },
      },
      {
        title: "Main reason of the latest alerts",
        note: `the feature contributing most, over the latest ${count(reasons.length)} alerts`,
        chart: categoryChart(
          ranked.map(([f]) => f),
          [{ name: "alerts", data: ranked.map(([, n]) => n) }],
          { horizontal: true },
        ),
        height: Math.max(200, 28 * ranked.length),
        table: { columns: [{ label: "feature" }, { label: "alerts", format: "count" }], rows: ranked },
      },
    ],
  };
}

export async function fraudReport(ctx: ReportContext): Promise<Omit<Report, "generatedAt" | "source">> {
  const { model } = await fraudOverview(ctx.wh, ctx.filters);
  return {
    kind: "fraud",
    title: "Fraud analysis",
    subtitle: `Labelled fraud and the fraud model, ${ctx.first} to ${ctx.last}`,
    sections: [await labelled(ctx), await patterns(ctx), await modelSection(ctx, model)],
  };
}
