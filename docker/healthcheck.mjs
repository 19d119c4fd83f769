// Container health check without curl (node:20-slim has none): exit 0 when the URL answers 2xx.
const url = process.argv[2];
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(4_000) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
