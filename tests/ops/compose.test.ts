import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { COMPOSE } from "./compose-client.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const COMPOSE_FILE = join(ROOT, "docker/docker-compose.yml");
const ENV_EXAMPLE = join(ROOT, ".env.example");
const scratch = mkdtempSync(join(tmpdir(), "momo-compose-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function compose(envFile: string, ...args: string[]) {
  const [bin, ...pre] = COMPOSE as [string, ...string[]];
  // No engine is needed for `config`; DOCKER_HOST points nowhere so that none is ever contacted.
  const result = spawnSync(
    bin,
    [...pre, "-p", "momo-dwh", "--env-file", envFile, "-f", COMPOSE_FILE, ...args],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DOCKER_HOST: "unix:///nonexistent/docker.sock" },
    },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The lines of one service's block in `config` output (services are indented two spaces). */
function serviceBlock(config: string, service: string): string {
  const lines = config.split("\n");
  const start = lines.indexOf(`  ${service}:`);
  if (start < 0) return "";
  const end = lines.findIndex((l, i) => i > start && /^ {0,2}\S/.test(l));
  return lines.slice(start, end < 0 ? undefined : end).join("\n");
}

describe.runIf(COMPOSE)("docker/docker-compose.yml", () => {
  it("validates with .env.example: five services, four named volumes", () => {
    const check = compose(ENV_EXAMPLE, "config", "--quiet");
    expect(check.stderr).toBe("");
    expect(check.code).toBe(0);
    expect(compose(ENV_EXAMPLE, "config", "--services").stdout.trim().split("\n").sort()).toEqual([
      "metabase",
      "metabase-setup",
      "momo",
      "pgadmin",
      "postgres",
    ]);
    expect(compose(ENV_EXAMPLE, "config", "--volumes").stdout.trim().split("\n").sort()).toEqual([
      "metabase-data",
      "momo-data",
      "pgadmin-data",
      "pgdata",
    ]);
  });

  it("checks the health of every long-running service and starts each after what it needs", () => {
    const config = compose(ENV_EXAMPLE, "config").stdout;
    for (const service of ["postgres", "momo", "pgadmin", "metabase"])
      expect(serviceBlock(config, service), service).toMatch(/healthcheck:\n\s+interval/);
    expect(serviceBlock(config, "postgres")).toMatch(/image: postgres:15\n/);
    expect(serviceBlock(config, "momo")).toMatch(/postgres:\n\s+condition: service_healthy/);
    expect(serviceBlock(config, "momo")).toMatch(/- serve\n\s+- --host\n\s+- 0\.0\.0\.0/);
    expect(serviceBlock(config, "metabase-setup")).toMatch(/momo:\n\s+condition: service_healthy/);
    expect(serviceBlock(config, "metabase-setup")).toMatch(/metabase:\n\s+condition: service_healthy/);
  });

  it("carries the variables of the env file into the app's DATABASE_URL and Metabase's settings", () => {
    const env = join(scratch, "custom.env");
    writeFileSync(
      env,
      readFileSync(ENV_EXAMPLE, "utf8")
        .replace(/^POSTGRES_PASSWORD=.*$/m, "POSTGRES_PASSWORD=s3cret")
        .replace(/^POSTGRES_DB=.*$/m, "POSTGRES_DB=warehouse")
        .replace(/^METABASE_DB=.*$/m, "METABASE_DB=mb_settings"),
    );
    const config = compose(env, "config").stdout;
    expect(serviceBlock(config, "momo")).toContain(
      "DATABASE_URL: postgres://momo:s3cret@postgres:5432/warehouse",
    );
    expect(serviceBlock(config, "metabase")).toMatch(/MB_DB_DBNAME: mb_settings\n/);
    expect(serviceBlock(config, "metabase")).toMatch(/MB_DB_PASS: s3cret\n/);
    expect(serviceBlock(config, "postgres")).toMatch(/METABASE_DB: mb_settings\n/);
  });
});

describe(".env.example", () => {
  const lines = readFileSync(ENV_EXAMPLE, "utf8").split("\n");
  const defined = new Set(lines.map((l) => /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(l)?.[1]).filter(Boolean));

  it("holds every variable docker-compose.yml reads", () => {
    const used = [...readFileSync(COMPOSE_FILE, "utf8").matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((name) => !defined.has(name))).toEqual([]);
  });

  it("holds every variable the momo CLI reads", () => {
    const sources = spawnSync(
      "grep",
      ["-rhoE", "\\b(MOMO_[A-Z_]+|DATABASE_URL)\\b", join(ROOT, "src"), join(ROOT, "bin")],
      {
        encoding: "utf8",
      },
    ).stdout;
    const used = new Set(sources.split("\n").filter(Boolean));
    expect(used).toContain("MOMO_ENGINE");
    expect([...used].filter((name) => !defined.has(name))).toEqual([]);
  });
});

describe("docker/Dockerfile", () => {
  const dockerfile = readFileSync(join(ROOT, "docker/Dockerfile"), "utf8");

  it("builds in two node:20-slim stages and installs production dependencies only, tsx among them", () => {
    expect([...dockerfile.matchAll(/^FROM (\S+) AS (\S+)$/gm)].map((m) => [m[1], m[2]])).toEqual([
      ["node:20-slim", "deps"],
      ["node:20-slim", "runtime"],
    ]);
    expect(dockerfile).toMatch(/RUN npm ci --omit=dev/);
    // bin/momo.js runs the sources through tsx: the image only works while tsx is a runtime dependency.
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(pkg.dependencies).toHaveProperty("tsx");
  });

  it("copies only files that exist and that .dockerignore lets through", () => {
    const ignored = readFileSync(join(ROOT, ".dockerignore"), "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"));
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      (m[1] as string).split(" "),
    );
    expect(copied).toEqual(
      expect.arrayContaining(["package.json", "package-lock.json", "bin", "src", "docker/entrypoint.sh"]),
    );
    for (const path of copied) {
      expect(spawnSync("test", ["-e", join(ROOT, path)]).status, path).toBe(0);
      expect(
        ignored.filter((pattern) => path === pattern || path.startsWith(`${pattern}/`)),
        path,
      ).toEqual([]);
    }
  });

  it("its health check passes on a 2xx answer only", async () => {
    const server = createServer((req, res) => {
      res.writeHead(req.url === "/api/health" ? 200 : 503);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const check = (url: string) =>
      new Promise<number | null>((resolve) =>
        spawn(process.execPath, [join(ROOT, "docker/healthcheck.mjs"), url]).on("exit", resolve),
      );
    try {
      expect(await check(`${base}/api/health`)).toBe(0);
      expect(await check(`${base}/other`)).toBe(1);
      expect(await check("http://127.0.0.1:1/api/health")).toBe(1);
    } finally {
      server.close();
    }
  });

  it("its entrypoint runs momo init, then the command given", () => {
    const bin = join(scratch, "bin");
    const log = join(scratch, "momo.log");
    spawnSync("mkdir", ["-p", bin]);
    writeFileSync(join(bin, "momo"), `#!/bin/sh\necho "momo $*" >> "${log}"\n`, { mode: 0o755 });
    const run = spawnSync("sh", [join(ROOT, "docker/entrypoint.sh"), "pipeline", "--scale", "small"], {
      encoding: "utf8",
      env: { PATH: `${bin}:${process.env.PATH}` },
    });
    expect(run.status).toBe(0);
    expect(readFileSync(log, "utf8")).toBe("momo init\nmomo pipeline --scale small\n");
  });
});
