import { spawnSync } from "node:child_process";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MetabaseSetup, setupFromEnv, setupMetabase } from "../../docker/metabase/setup.ts";
import { PG_ADMIN_URL, POSTGRES_AVAILABLE } from "../support/engines.ts";

interface Request {
  readonly method: string;
  readonly path: string;
  readonly session: string | undefined;
  readonly body: Record<string, unknown> | null;
}

/** Answers the Metabase endpoints the setup uses, as the API reference describes them, and records each call. */
class FakeMetabase {
  readonly requests: Request[] = [];
  healthyAfter = 0;
  hasUser = false;
  databases: { id: number; name: string }[] = [{ id: 1, name: "Sample Database" }];
  #server: Server = createServer(async (req, res) => {
    const request = await this.#read(req);
    this.requests.push(request);
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const key = `${request.method} ${request.path}`;
    if (key === "GET /api/health")
      return this.healthyAfter-- > 0 ? reply(503, { status: "initializing" }) : reply(200, { status: "ok" });
    if (key === "GET /api/session/properties")
      return reply(200, { "setup-token": this.hasUser ? null : "token-1", "has-user-setup": this.hasUser });
    if (key === "POST /api/setup") {
      if (this.hasUser || request.body?.token !== "token-1") return reply(403, "bad token");
      this.hasUser = true;
      return reply(200, { id: "session-from-setup" });
    }
    if (key === "POST /api/session") return reply(200, { id: "session-from-login" });
    if (!request.session?.startsWith("session-")) return reply(401, "Unauthenticated");
    if (key === "GET /api/database")
      return reply(200, { data: this.databases, total: this.databases.length });
    if (key === "POST /api/database") {
      const created = { id: this.databases.length + 1, name: String(request.body?.name) };
      this.databases.push(created);
      return reply(200, created);
    }
    reply(404, "not found");
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #read(req: IncomingMessage): Promise<Request> {
    let text = "";
    for await (const chunk of req) text += chunk;
    const session = req.headers["x-metabase-session"];
    return {
      method: req.method ?? "",
      path: req.url ?? "",
      session: typeof session === "string" ? session : undefined,
      body: text ? JSON.parse(text) : null,
    };
  }
}

const metabase = new FakeMetabase();
let setup: MetabaseSetup;

beforeAll(async () => {
  const url = await metabase.start();
  setup = {
    ...setupFromEnv({
      METABASE_URL: url,
      METABASE_ADMIN_EMAIL: "admin@momo.example.com",
      METABASE_ADMIN_PASSWORD: "momo-Metabase-2024",
      POSTGRES_DB: "momo",
      POSTGRES_USER: "momo",
      POSTGRES_PASSWORD: "momo",
    }),
    pollMs: 5,
  };
});
afterAll(() => metabase.stop());

describe("docker/metabase/setup.ts", () => {
  it("waits for health, creates the admin, then connects the warehouse's dwh schema", async () => {
    metabase.healthyAfter = 2;
    expect(await setupMetabase(setup)).toBe("added");
    const calls = metabase.requests.map((r) => `${r.method} ${r.path}`);
    expect(calls).toEqual([
      "GET /api/health",
      "GET /api/health",
      "GET /api/health",
      "GET /api/session/properties",
      "POST /api/setup",
      "GET /api/database",
      "POST /api/database",
    ]);
    const added = metabase.requests.at(-1);
    expect(added?.session).toBe("session-from-setup");
    expect(added?.body).toEqual({
      name: "momo warehouse",
      engine: "postgres",
      details: {
        host: "postgres",
        port: 5432,
        dbname: "momo",
        user: "momo",
        password: "momo",
        ssl: false,
        "schema-filters-type": "inclusion",
        "schema-filters-patterns": "dwh",
      },
    });
    expect(metabase.requests[4]?.body).toMatchObject({
      token: "token-1",
      user: { email: "admin@momo.example.com", password: "momo-Metabase-2024" },
    });
  });

  it("run again, logs in and adds nothing", async () => {
    metabase.requests.length = 0;
    expect(await setupMetabase(setup)).toBe("already present");
    expect(metabase.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /api/health",
      "GET /api/session/properties",
      "POST /api/session",
      "GET /api/database",
    ]);
    expect(metabase.databases.filter((d) => d.name === "momo warehouse")).toHaveLength(1);
  });

  it("gives up with the last answer when Metabase never becomes healthy", async () => {
    metabase.healthyAfter = 1_000;
    await expect(setupMetabase({ ...setup, waitMs: 50 })).rejects.toThrow(/not healthy after 0.05 s: .*503/);
    metabase.healthyAfter = 0;
  });

  it("names a missing variable", () => {
    expect(() => setupFromEnv({ METABASE_ADMIN_EMAIL: "a@b.c" })).toThrow(
      /METABASE_ADMIN_PASSWORD is not set/,
    );
  });
});

describe.runIf(POSTGRES_AVAILABLE)("docker/postgres/initdb/10-metabase-database.sh", () => {
  const script = fileURLToPath(
    new URL("../../docker/postgres/initdb/10-metabase-database.sh", import.meta.url),
  );
  const name = `momo_test_metabase_${process.pid}`;
  const admin = new URL(PG_ADMIN_URL);
  const run = () =>
    spawnSync("sh", [script], {
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        PGHOST: admin.hostname,
        PGPORT: admin.port || "5432",
        POSTGRES_USER: decodeURIComponent(admin.username) || "postgres",
        POSTGRES_DB: admin.pathname.slice(1) || "postgres",
        METABASE_DB: name,
      },
    });
  const exists = async () => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL });
    await client.connect();
    try {
      return (await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount === 1;
    } finally {
      await client.end();
    }
  };
  afterAll(async () => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name}`);
    await client.end();
  });

  it("creates Metabase's database once, and does nothing the second time", async () => {
    const first = run();
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/CREATE DATABASE/);
    expect(await exists()).toBe(true);
    const second = run();
    expect(second.status).toBe(0);
    expect(second.stdout).not.toMatch(/CREATE DATABASE/);
  });
});
