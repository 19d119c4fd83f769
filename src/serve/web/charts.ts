import type { EChartsOption, EChartsType } from "echarts";

/** Brand colours: mobile-money orange, then a calm sequence that stays readable side by side. */
export const PALETTE = [
  "#f26b1d",
  "#1f6f8b",
  "#3aa17e",
  "#e4b429",
  "#8e5ea2",
  "#c8553d",
  "#5b8def",
  "#7a8b99",
];

const charts = new Map<string, EChartsType>();

const resizer = new ResizeObserver((entries) => {
  for (const entry of entries) charts.get((entry.target as HTMLElement).id)?.resize();
});

/** Draws `option` in the element `id`, creating the chart the first time. */
export function draw(id: string, option: EChartsOption): EChartsType {
  let chart = charts.get(id);
  const element = document.getElementById(id);
  if (!element) throw new Error(`no chart element ${id}`);
  if (!chart || chart.getDom() !== element) {
    chart = echarts.init(element, null, { renderer: "canvas" });
    charts.set(id, chart);
    resizer.observe(element);
  }
  chart.setOption(
    { color: PALETTE, textStyle: { fontFamily: "inherit" }, animationDuration: 300, ...option },
    true,
  );
  return chart;
}

/** Grid and tooltip defaults for cartesian charts. */
export const BASE = {
  grid: { left: 8, right: 16, top: 48, bottom: 8, containLabel: true },
  tooltip: { trigger: "axis" as const, confine: true },
  legend: { top: 0, left: 0, icon: "roundRect", itemWidth: 12, itemHeight: 8 },
};

/** Axis labels in compact numbers (1.2M). */
export function compactAxis(): { axisLabel: { formatter: (v: number) => string } } {
  const format = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });
  return { axisLabel: { formatter: (v: number) => format.format(v) } };
}
