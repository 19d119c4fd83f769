import type * as ECharts from "echarts";

declare global {
  /** ECharts, loaded as a classic script from /vendor/echarts.min.js before the page modules. */
  const echarts: typeof ECharts;
}
