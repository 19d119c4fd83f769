#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx: no build step between a change and `momo`.
import v8 from "node:v8";
import { register } from "tsx/esm/api";

// A larger young generation: the ETL allocates many short-lived strings (~30% faster parsing, measured).
v8.setFlagsFromString("--max-semi-space-size=64");

register();
const { main } = await import("../src/cli/main.ts");
await main(process.argv);
