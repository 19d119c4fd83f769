import { registrationCohorts, segmentMigration } from "../serve/queries/clients.ts";
import { topClients } from "../serve/queries/top-clients.ts";
import { count, pct, type ReportContext, share } from "./context.ts";
import { categoryChart, heatmapChart, type Report, type Section } from "./report.ts";
import * as q from "./report-queries.ts";

async function segments(ctx: ReportContext): Promise<Section> {
  const { asOfDate } = ctx.reference.segments;
  if (asOfDate === null) {
    return {
      title: "Segments",
      text: ["No segmentation yet — run `momo segment`, then this report again."],
      figures: [],
    };
  }
  const [profiles, grid, types, migration] = [
    await q.segmentProfiles(ctx.wh, asOfDate),
    await q.rfmGrid(ctx.wh, asOfDate),
    await q.segmentClientTypes(ctx.wh, asOfDate),
    await segmentMigration(ctx.wh, ctx.filters, ctx.reference),
  ];
  const names = profiles.map((p) => p.segment_name);
  const typeNames = [...new Set(types.map((t) => t.client_type))].sort();
  const clientsOf = (segment: string, type: string) =>
    types.find((t) => t.segment_name === segment && t.client_type === type)?.clients ?? 0;
  const total = profiles.reduce((s, p) => s + p.clients, 0);
  const stayed = migration.flows.filter((f) => f.from === f.to).reduce((s, f) => s + f.clients, 0);
  const moved = migration.flows.reduce((s, f) => s + f.clients, 0);
  return {
    title: `Segments as of ${asOfDate}`,
    text: [
      `${count(total)} clients active in the window, scored in recency, frequency and monetary quintiles (5 = best) and grouped by K-means in ${names.length} segments.`,
      migration.fromDate
        ? `Since ${migration.fromDate}, ${pct(share(stayed, moved), 1)} of the clients kept their segment.`
        : "One segmentation so far: no migration to show.",
    ],
    figures: [
      {
        title: "Segment profiles",
        chart: categoryChart(names, [
          { name: "clients", data: profiles.map((p) => p.clients) },
          {
            name: "average value (F CFA)",
            data: profiles.map((p) => p.monetary),
            type: "line",
            secondAxis: true,
          },
        ]),
        height: 300,
        table: {
          columns: [
            { label: "segment" },
            { label: "clients", format: "count" },
            { label: "share", format: "rate" },
            { label: "avg. days since last", format: "decimal" },
            { label: "avg. transactions", format: "decimal" },
            { label: "avg. value", format: "money" },
            { label: "R", format: "decimal" },
            { label: "F", format: "decimal" },
            { label: "M", format: "decimal" },
            { label: "avg. distance to centre", format: "decimal" },
          ],
          rows: profiles.map((p) => [
            p.segment_name,
            p.clients,
            share(p.clients, total),
            p.recency_days,
            p.frequency,
            p.monetary,
            p.r_score,
            p.f_score,
            p.m_score,
            p.centroid_distance,
          ]),
        },
      },
      {
        title: "Clients by recency and frequency score",
        note: "5 = most recent / most frequent",
        chart: heatmapChart(
          ["F1", "F2", "F3", "F4", "F5"],
          ["R5", "R4", "R3", "R2", "R1"],
          grid.map((g) => [g.f_score - 1, 5 - g.r_score, g.clients] as const),
          { xName: "frequency", yName: "recency" },
        ),
        height: 320,
        table: {
          columns: [{ label: "R" }, { label: "F" }, { label: "clients", format: "count" }],
          rows: grid.map((g) => [g.r_score, g.f_score, g.clients]),
        },
      },
      {
        title: "Client types in each segment",
        chart: categoryChart(
          names,
          typeNames.map((t) => ({ name: t, data: names.map((n) => clientsOf(n, t)), stack: "type" })),
        ),
        height: 300,
        table: {
          columns: [{ label: "segment" }, ...typeNames.map((t) => ({ label: t, format: "count" as const }))],
          rows: names.map((n) => [n, ...typeNames.map((t) => clientsOf(n, t))]),
        },
      },
      ...(migration.fromDate
        ? [
            {
              title: `Migration from ${migration.fromDate} to ${migration.toDate}`,
              table: {
                columns: [{ label: "from" }, { label: "to" }, { label: "clients", format: "count" as const }],
                rows: migration.flows.map((f) => [f.from, f.to, f.clients]),
              },
            },
          ]
        : []),
    ],
  };
}

async function cohorts(ctx: ReportContext): Promise<Section> {
  const data = await registrationCohorts(ctx.wh, ctx.filters, ctx.reference);
  const rows = data.cohorts.filter((c) => c.size > 0);
  const cells = rows.flatMap((c, y) =>
    data.months.map((_, x) => [x, y, Math.round(((c.active[x] ?? 0) / c.size) * 1000) / 10] as const),
  );
  const top = await topClients(ctx.wh, ctx.filters, "value", 20, ctx.reference);
  return {
    title: "Cohorts and top clients",
    text: [
      "Share of each registration cohort active in each month (clients registered before the data starts form one cohort).",
    ],
    figures: [
      {
        title: "Active share by registration cohort and month (%)",
        chart: heatmapChart(
          data.months,
          rows.map((c) => c.cohort),
          cells,
          { max: 100 },
        ),
        height: Math.max(320, 18 * rows.length + 90),
        table: {
          columns: [
            { label: "cohort" },
            { label: "clients", format: "count" },
            ...data.months.map((m) => ({ label: m, format: "count" as const })),
          ],
          rows: rows.map((c) => [c.cohort, c.size, ...c.active]),
        },
      },
      {
        title: "The 20 clients with the most value",
        table: {
          columns: [
            { label: "client" },
            { label: "name" },
            { label: "type" },
            { label: "region" },
            { label: "segment" },
            { label: "transactions", format: "count" },
            { label: "value", format: "money" },
          ],
          rows: top.map((c) => [
            c.clientId,
            c.clientName,
            c.clientType,
            `${c.region} (${c.country})`,
            c.segment,
            c.transactions,
            c.value,
          ]),
        },
      },
    ],
  };
}

export async function segmentationReport(
  ctx: ReportContext,
): Promise<Omit<Report, "generatedAt" | "source">> {
  return {
    kind: "segmentation",
    title: "Client segmentation",
    subtitle: `RFM and K-means segments, their migration, and cohorts, ${ctx.first} to ${ctx.last}; amounts in F CFA`,
    sections: [await segments(ctx), await cohorts(ctx)],
  };
}
