import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { transform } from "esbuild";
import type { RouteModule } from "../context.ts";
import { PAGES, pageHtml } from "../pages.ts";

const WEB_DIR = fileURLToPath(new URL("../web/", import.meta.url));
const ECHARTS = createRequire(import.meta.url).resolve("echarts/dist/echarts.min.js");
const TYPES: Record<string, string> = {
  ".ts": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** Browser modules are TypeScript, transpiled once on first request (no build step), then kept in memory. */
async function loadAsset(file: string): Promise<string> {
  const source = readFileSync(join(WEB_DIR, file), "utf8");
  if (extname(file) !== ".ts") return source;
  const { code } = await transform(source, {
    loader: "ts",
    format: "esm",
    target: "es2022",
    sourcefile: file,
  });
  return code;
}

/** The three dashboards, their browser modules and styles, and ECharts from node_modules (no CDN). */
export const pageRoutes: RouteModule = (app) => {
  const assets = new Set(
    readdirSync(WEB_DIR).filter((f) => f in TYPES || (extname(f) in TYPES && !f.endsWith(".d.ts"))),
  );
  const cache = new Map<string, Promise<string>>();

  for (const page of PAGES) {
    const html = pageHtml(page);
    app.get(page.path, async (_request, reply) => reply.type("text/html; charset=utf-8").send(html));
  }

  app.get<{ Params: { file: string } }>("/assets/:file", async (request, reply) => {
    const { file } = request.params;
    if (!assets.has(file)) return reply.code(404).send({ error: `no asset ${file}` });
    let body = cache.get(file);
    if (!body) {
      body = loadAsset(file);
      cache.set(file, body);
      body.catch(() => cache.delete(file));
    }
    return reply
      .type(TYPES[extname(file)] as string)
      .header("cache-control", "no-cache")
      .send(await body);
  });

  const echarts = readFileSync(ECHARTS, "utf8");
  app.get("/vendor/echarts.min.js", async (_request, reply) =>
    reply.type("text/javascript; charset=utf-8").header("cache-control", "max-age=86400").send(echarts),
  );
};
