import { kpiBreakdown, kpiOverview, kpiTimeSeries } from "../serve/queries/kpi.ts";
import { count, money, pct, type ReportContext, share } from "./context.ts";
import { categoryChart, pieChart, type Report, type Section } from "./report.ts";
import * as q from "./report-queries.ts";

async function dataSet({ wh }: ReportContext): Promise<Section> {
  const [tables, loads, rejects] = [
    await q.tableCounts(wh),
    await q.batches(wh),
    await q.rejectsByReason(wh),
  ];
  const rowsIn = loads.reduce((s, b) => s + b.rows_in, 0);
  const rejected = loads.reduce((s, b) => s + b.rows_rejected, 0);
  return {
    title: "The data set and its quality",
    text: [
      `${count(loads.length)} ETL batch(es) read ${count(rowsIn)} transaction records and quarantined ${count(rejected)} (${pct(share(rejected, rowsIn), 3)}) with their reason; every other record is in the star schema.`,
    ],
    figures: [
      {
        title: "Rows per table",
        table: {
          columns: [{ label: "relation" }, { label: "rows", format: "count" }],
          rows: tables.map((t) => [t.relation, t.rows]),
        },
      },
      {
        title: "ETL batches",
        table: {
          columns: [
            { label: "batch" },
            { label: "status" },
            { label: "started" },
            { label: "records in", format: "count" },
            { label: "loaded", format: "count" },
            { label: "rejected", format: "count" },
          ],
          rows: loads.map((b) => [
            b.batch_id,
            b.status,
            b.started_at,
            b.rows_in,
            b.rows_loaded,
            b.rows_rejected,
          ]),
        },
      },
      {
        title: "Rejected records by reason",
        note: "what the ETL refused and kept aside in dwh_audit.etl_rejects",
        chart: categoryChart(
          rejects.map((r) => r.reason),
          [{ name: "records", data: rejects.map((r) => r.rejects) }],
          { rotate: 30 },
        ),
        height: 280,
        table: {
          columns: [{ label: "reason" }, { label: "records", format: "count" }],
          rows: rejects.map((r) => [r.reason, r.rejects]),
        },
      },
    ],
  };
}

async function overTime(ctx: ReportContext): Promise<Section> {
  const [overview, series] = [
    await kpiOverview(ctx.wh, ctx.filters),
    await kpiTimeSeries(ctx.wh, ctx.filters, "month", { activeClients: true }),
  ];
  const c = overview.current;
  const months = series.points;
  const best = [...months].sort((a, b) => Number(b.value) - Number(a.value))[0];
  return {
    title: "Activity over time",
    text: [
      `From ${ctx.first} to ${ctx.last}: ${count(c.transactions)} transactions, ${count(c.successful)} successful (${pct(c.successRate, 1)}), worth ${money(c.value)} and ${money(c.fees)} of fees, from ${count(c.activeClients ?? 0)} active clients; average ticket ${money(c.averageTicket ?? 0)}.`,
      best ? `The busiest month by value is ${best.period} (${money(best.value)}).` : "",
    ].filter(Boolean),
    figures: [
      {
        title: "Monthly value and transactions",
        chart: categoryChart(
          months.map((p) => p.period),
          [
            { name: "value (F CFA)", data: months.map((p) => Number(p.value)) },
            { name: "transactions", data: months.map((p) => p.transactions), type: "line", secondAxis: true },
          ],
          { axisNames: ["F CFA", "transactions"], rotate: 45 },
        ),
        table: {
          columns: [
            { label: "month" },
            { label: "transactions", format: "count" },
            { label: "success rate", format: "rate" },
            { label: "value", format: "money" },
            { label: "fees", format: "money" },
            { label: "active clients", format: "count" },
          ],
          rows: months.map((p) => [
            p.period,
            p.transactions,
            p.successRate,
            p.value,
            p.fees,
            p.activeClients,
          ]),
        },
      },
    ],
  };
}

async function rhythm({ wh }: ReportContext): Promise<Section> {
  const [hours, days] = [await q.byHour(wh), await q.byWeekday(wh)];
  const peak = [...hours].sort((a, b) => b.transactions - a.transactions)[0];
  return {
    title: "When transactions happen",
    text: [
      peak
        ? `The busiest hour is ${peak.hour}:00 (${count(peak.transactions)} transactions over the whole history).`
        : "",
    ],
    figures: [
      {
        title: "Transactions by hour of the day",
        chart: categoryChart(
          hours.map((h) => `${h.hour}h`),
          [{ name: "transactions", data: hours.map((h) => h.transactions) }],
        ),
        height: 280,
        table: {
          columns: [{ label: "hour" }, { label: "transactions", format: "count" }],
          rows: hours.map((h) => [h.hour, h.transactions]),
        },
      },
      {
        title: "Transactions and value by day of the week",
        chart: categoryChart(
          days.map((d) => d.day),
          [
            { name: "transactions", data: days.map((d) => d.transactions) },
            { name: "value (F CFA)", data: days.map((d) => d.value), type: "line", secondAxis: true },
          ],
        ),
        height: 280,
        table: {
          columns: [
            { label: "day" },
            { label: "transactions", format: "count" },
            { label: "value", format: "money" },
          ],
          rows: days.map((d) => [d.day, d.transactions, d.value]),
        },
      },
    ],
  };
}

async function mix(ctx: ReportContext): Promise<Section> {
  const [services, channels, regions, statuses] = [
    await kpiBreakdown(ctx.wh, ctx.filters, "service", ctx.reference, { activeClients: true }),
    await kpiBreakdown(ctx.wh, ctx.filters, "channel", ctx.reference, { activeClients: true }),
    await kpiBreakdown(ctx.wh, ctx.filters, "region", ctx.reference, { activeClients: true }),
    await q.byStatus(ctx.wh),
  ];
  const buckets = await q.amountBuckets(ctx.wh);
  const top = services.items[0];
  const kpiColumns = [
    { label: "transactions", format: "count" as const },
    { label: "success rate", format: "rate" as const },
    { label: "value", format: "money" as const },
    { label: "average ticket", format: "money" as const },
    { label: "active clients", format: "count" as const },
  ];
  const kpiRow = (i: (typeof services.items)[number]) => [
    i.transactions,
    i.successRate,
    i.value,
    i.averageTicket,
    i.activeClients,
  ];
  const topRegions = regions.items.slice(0, 20);
  return {
    title: "Services, channels, places and amounts",
    text: [
      top
        ? `${top.label} carries the most value (${money(top.value)}, ${pct(
            share(
              Number(top.value),
              services.items.reduce((s, i) => s + Number(i.value), 0),
            ),
            1,
          )} of the total).`
        : "",
    ],
    figures: [
      {
        title: "Value by service",
        chart: categoryChart(
          services.items.map((i) => i.label),
          [{ name: "value (F CFA)", data: services.items.map((i) => Number(i.value)) }],
          { horizontal: true },
        ),
        height: 520,
        table: {
          columns: [{ label: "service" }, ...kpiColumns],
          rows: services.items.map((i) => [i.label, ...kpiRow(i)]),
        },
      },
      {
        title: "Transactions by channel",
        chart: pieChart(channels.items.map((i) => ({ name: i.label, value: i.transactions }))),
        table: {
          columns: [{ label: "channel" }, ...kpiColumns],
          rows: channels.items.map((i) => [i.label, ...kpiRow(i)]),
        },
      },
      {
        title: "The 20 regions with the most value",
        note: "region of the client",
        chart: categoryChart(
          topRegions.map((i) => i.label),
          [{ name: "value (F CFA)", data: topRegions.map((i) => Number(i.value)) }],
          { horizontal: true },
        ),
        height: 520,
        table: {
          columns: [{ label: "region" }, ...kpiColumns],
          rows: regions.items.map((i) => [i.label, ...kpiRow(i)]),
        },
      },
      {
        title: "Amounts by order of magnitude",
        note: "transactions per power of ten of their amount, log scale",
        chart: categoryChart(
          buckets.map((b) => `≥ ${count(10 ** b.bucket)}`),
          [{ name: "transactions", data: buckets.map((b) => b.transactions) }],
          { logScale: true },
        ),
        height: 280,
        table: {
          columns: [{ label: "amount from" }, { label: "transactions", format: "count" }],
          rows: buckets.map((b) => [count(10 ** b.bucket), b.transactions]),
        },
      },
      {
        title: "Outcomes",
        table: {
          columns: [
            { label: "status" },
            { label: "group" },
            { label: "transactions", format: "count" },
            { label: "share", format: "rate" },
          ],
          rows: statuses.map((s) => [
            s.status_code,
            s.status_group,
            s.transactions,
            share(
              s.transactions,
              statuses.reduce((n, x) => n + x.transactions, 0),
            ),
          ]),
        },
      },
    ],
  };
}

async function clients({ wh }: ReportContext): Promise<Section> {
  const [mixRows, years, reasons] = [
    await q.clientMix(wh),
    await q.registrationsByYear(wh),
    await q.changeReasons(wh),
  ];
  const types = [...new Set(mixRows.map((r) => r.client_type))];
  const tiers = [...new Set(mixRows.map((r) => r.tier))];
  const clientsOf = (type: string, tier: string) =>
    mixRows.find((r) => r.client_type === type && r.tier === tier)?.clients ?? 0;
  const versions = reasons.reduce((s, r) => s + r.versions, 0);
  const registered = reasons.find((r) => r.change_reason === "registration")?.versions ?? 0;
  return {
    title: "The client base",
    text: [
      `${count(registered)} clients hold ${count(versions)} versions in dim_client (SCD Type 2): ${count(versions - registered)} tracked changes after registration.`,
    ],
    figures: [
      {
        title: "Clients by type and tier (current versions)",
        chart: categoryChart(
          types,
          tiers.map((tier) => ({ name: tier, data: types.map((t) => clientsOf(t, tier)), stack: "tier" })),
        ),
        table: {
          columns: [{ label: "client type" }, ...tiers.map((t) => ({ label: t, format: "count" as const }))],
          rows: types.map((t) => [t, ...tiers.map((tier) => clientsOf(t, tier))]),
        },
      },
      {
        title: "Registrations by year",
        chart: categoryChart(
          years.map((y) => String(y.year)),
          [{ name: "clients", data: years.map((y) => y.clients) }],
        ),
        height: 260,
        table: {
          columns: [{ label: "year" }, { label: "clients", format: "count" }],
          rows: years.map((y) => [y.year, y.clients]),
        },
      },
      {
        title: "Client versions by reason",
        table: {
          columns: [{ label: "reason" }, { label: "versions", format: "count" }],
          rows: reasons.map((r) => [r.change_reason, r.versions]),
        },
      },
    ],
  };
}

export async function explorationReport(ctx: ReportContext): Promise<Omit<Report, "generatedAt" | "source">> {
  return {
    kind: "exploration",
    title: "Data exploration",
    subtitle: `What the warehouse holds, ${ctx.first} to ${ctx.last}`,
    sections: [
      await dataSet(ctx),
      await overTime(ctx),
      await rhythm(ctx),
      await mix(ctx),
      await clients(ctx),
    ],
  };
}
