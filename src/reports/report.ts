/** A report as data: sections of figures, each a chart and the table of the numbers behind it. */

export type Cell = string | number | null;

export interface Column {
  readonly label: string;
  readonly format?: "count" | "money" | "rate" | "decimal" | "text";
}

export interface Table {
  readonly columns: readonly Column[];
  readonly rows: readonly (readonly Cell[])[];
}

/** An ECharts option made of plain JSON (no functions), so it can be written into the page as it is. */
export type ChartOption = Record<string, unknown>;

export interface Figure {
  readonly title: string;
  readonly note?: string;
  /** Absent for figures that are only a table. */
  readonly chart?: ChartOption;
  /** Height of the chart in pixels. */
  readonly height?: number;
  readonly table: Table;
}

export interface Section {
  readonly title: string;
  /** Paragraphs of plain text: what the figures show and the figures' headline numbers. */
  readonly text: readonly string[];
  readonly figures: readonly Figure[];
}

export interface Report {
  readonly kind: ReportKind;
  readonly title: string;
  readonly subtitle: string;
  readonly generatedAt: string;
  readonly source: string;
  readonly sections: readonly Section[];
}

export const REPORT_KINDS = ["exploration", "fraud", "segmentation"] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

const GRID = { left: 8, right: 24, top: 40, bottom: 8, containLabel: true };
const LEGEND = { top: 0, left: 0 };

export interface SeriesSpec {
  readonly name: string;
  readonly data: readonly (number | null)[];
  readonly type?: "bar" | "line";
  /** Draw on the second value axis. */
  readonly secondAxis?: boolean;
  readonly stack?: string;
}

/** Bars and lines over categories; a second value axis when a series asks for it. */
export function categoryChart(
  categories: readonly string[],
  series: readonly SeriesSpec[],
  options: {
    horizontal?: boolean;
    axisNames?: [string, string?];
    rotate?: number;
    logScale?: boolean;
    /** Bars of different series drawn in the same place (for series that never share a category). */
    overlap?: boolean;
  } = {},
): ChartOption {
  const twoAxes = series.some((s) => s.secondAxis);
  const categoryAxis = {
    type: "category",
    data: categories,
    axisLabel: { interval: 0, rotate: options.rotate ?? 0, width: 140, overflow: "truncate" },
    ...(options.horizontal ? { inverse: true } : {}),
  };
  const valueAxes = [
    { type: options.logScale ? "log" : "value", name: options.axisNames?.[0] ?? "" },
    ...(twoAxes ? [{ type: "value", name: options.axisNames?.[1] ?? "", splitLine: { show: false } }] : []),
  ];
  return {
    grid: GRID,
    legend: series.length > 1 ? LEGEND : undefined,
    tooltip: { trigger: "axis", confine: true },
    xAxis: options.horizontal ? valueAxes[0] : categoryAxis,
    yAxis: options.horizontal ? categoryAxis : valueAxes,
    series: series.map((s) => ({
      name: s.name,
      type: s.type ?? "bar",
      data: s.data,
      ...(s.secondAxis ? { yAxisIndex: 1 } : {}),
      ...(s.stack ? { stack: s.stack } : {}),
      ...(s.type === "line" ? { symbolSize: 4 } : {}),
      ...(options.overlap ? { barGap: "-100%" } : {}),
    })),
  };
}

export function pieChart(items: readonly { name: string; value: number }[]): ChartOption {
  return {
    tooltip: { trigger: "item", formatter: "{b}: {c} ({d} %)" },
    legend: { bottom: 0 },
    series: [
      {
        type: "pie",
        radius: ["40%", "68%"],
        center: ["50%", "45%"],
        label: { formatter: "{d} %" },
        data: items,
      },
    ],
  };
}

/** A ratio as a percentage with 3 decimals, for charts (their JSON options cannot format axes). */
export function percent(ratio: number | null | undefined): number | null {
  return ratio === null || ratio === undefined ? null : Math.round(ratio * 100_000) / 1000;
}

/** Cells `[x, y, value]` on two category axes. */
export function heatmapChart(
  xs: readonly string[],
  ys: readonly string[],
  cells: readonly (readonly [number, number, number])[],
  options: { max?: number; xName?: string; yName?: string } = {},
): ChartOption {
  return {
    grid: { left: 8, right: 8, top: 24, bottom: 64, containLabel: true },
    tooltip: { position: "top" },
    xAxis: { type: "category", data: xs, name: options.xName ?? "", splitArea: { show: true } },
    yAxis: {
      type: "category",
      data: ys,
      name: options.yName ?? "",
      inverse: true,
      splitArea: { show: true },
    },
    visualMap: {
      min: 0,
      max: options.max ?? Math.max(1, ...cells.map((c) => c[2])),
      calculable: true,
      orient: "horizontal",
      left: "center",
      bottom: 0,
      inRange: { color: ["#f4f6f9", "#f9c49a", "#f26b1d", "#8a3508"] },
    },
    series: [{ type: "heatmap", data: cells, label: { show: xs.length * ys.length <= 120 } }],
  };
}
