// `npm run bench -- <name> [options]`: runs one benchmark and prints its figures.
import { benchEtl } from "./etl.ts";
import { benchGbdt } from "./gbdt.ts";
import { benchGenerate } from "./generate.ts";
import { benchKmeans } from "./kmeans.ts";
import { benchMl } from "./ml.ts";
import { benchServe } from "./serve.ts";

const BENCHES: Record<string, (args: string[]) => Promise<void>> = {
  generate: benchGenerate,
  etl: benchEtl,
  ml: benchMl,
  gbdt: benchGbdt,
  kmeans: benchKmeans,
  serve: benchServe,
};

const [name, ...args] = process.argv.slice(2);
const bench = name ? BENCHES[name] : undefined;
if (!bench) {
  console.error(`usage: npm run bench -- <${Object.keys(BENCHES).join("|")}> [options]`);
  process.exit(1);
}
await bench(args);
