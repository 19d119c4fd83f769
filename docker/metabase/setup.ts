// Points Metabase at the warehouse through its HTTP API, once: creates the first admin if Metabase is new,
// then adds the PostgreSQL warehouse (schema dwh) unless a database of that name exists. Safe to run again.
import { pathToFileURL } from "node:url";

export interface MetabaseSetup {
  readonly url: string;
  readonly admin: { readonly email: string; readonly password: string };
  readonly warehouse: {
    readonly name: string;
    readonly host: string;
    readonly port: number;
    readonly dbname: string;
    readonly user: string;
    readonly password: string;
  };
  /** How long to wait for Metabase to answer healthy, and how often to ask. */
  readonly waitMs?: number;
  readonly pollMs?: number;
}

export type SetupOutcome = "added" | "already present";

export async function setupMetabase(
  setup: MetabaseSetup,
  log: (line: string) => void = () => {},
): Promise<SetupOutcome> {
  await waitHealthy(setup, log);
  const properties = await call<{ "setup-token": string | null; "has-user-setup": boolean }>(
    setup,
    "GET",
    "/api/session/properties",
  );
  const session = properties["has-user-setup"]
    ? await login(setup)
    : await createAdmin(setup, properties["setup-token"], log);
  const listed = await call<{ data: { name: string }[] } | { name: string }[]>(
    setup,
    "GET",
    "/api/database",
    {
      session,
    },
  );
  const databases = Array.isArray(listed) ? listed : listed.data;
  if (databases.some((db) => db.name === setup.warehouse.name)) {
    log(`metabase: "${setup.warehouse.name}" is already connected`);
    return "already present";
  }
  const { name, host, port, dbname, user, password } = setup.warehouse;
  await call(setup, "POST", "/api/database", {
    session,
    body: {
      name,
      engine: "postgres",
      details: {
        host,
        port,
        dbname,
        user,
        password,
        ssl: false,
        "schema-filters-type": "inclusion",
        "schema-filters-patterns": "dwh",
      },
    },
  });
  log(`metabase: connected "${name}" (postgres ${host}:${port}/${dbname}, schema dwh)`);
  return "added";
}

async function waitHealthy(setup: MetabaseSetup, log: (line: string) => void): Promise<void> {
  const deadline = Date.now() + (setup.waitMs ?? 300_000);
  let last = "no answer yet";
  while (Date.now() < deadline) {
    try {
      const health = await call<{ status: string }>(setup, "GET", "/api/health");
      if (health.status === "ok") return;
      last = `status ${health.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, setup.pollMs ?? 5_000));
  }
  log(`metabase: not healthy at ${setup.url}`);
  throw new Error(
    `Metabase at ${setup.url} is not healthy after ${(setup.waitMs ?? 300_000) / 1000} s: ${last}`,
  );
}

async function createAdmin(setup: MetabaseSetup, token: string | null, log: (line: string) => void) {
  if (!token)
    throw new Error("Metabase has no admin and gave no setup token: finish its setup in the browser");
  const { id } = await call<{ id: string }>(setup, "POST", "/api/setup", {
    body: {
      token,
      user: {
        email: setup.admin.email,
        password: setup.admin.password,
        first_name: "momo",
        last_name: "admin",
        site_name: "momo-dwh",
      },
      prefs: { site_name: "momo-dwh", allow_tracking: false },
    },
  });
  log(`metabase: created the admin ${setup.admin.email}`);
  return id;
}

async function login(setup: MetabaseSetup): Promise<string> {
  const { id } = await call<{ id: string }>(setup, "POST", "/api/session", {
    body: { username: setup.admin.email, password: setup.admin.password },
  });
  return id;
}

async function call<T = unknown>(
  setup: MetabaseSetup,
  method: "GET" | "POST",
  path: string,
  { session, body }: { session?: string; body?: unknown } = {},
): Promise<T> {
  const response = await fetch(new URL(path, setup.url), {
    method,
    headers: {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(session ? { "x-metabase-session": session } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`Metabase ${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : {}) as T;
}

/** The setup from the variables docker-compose.yml passes (the same as in .env.example). */
export function setupFromEnv(env: NodeJS.ProcessEnv): MetabaseSetup {
  const need = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set (see .env.example)`);
    return value;
  };
  return {
    url: env.METABASE_URL ?? "http://metabase:3000",
    admin: { email: need("METABASE_ADMIN_EMAIL"), password: need("METABASE_ADMIN_PASSWORD") },
    warehouse: {
      name: env.METABASE_WAREHOUSE_NAME ?? "momo warehouse",
      host: env.WAREHOUSE_HOST ?? "postgres",
      port: Number(env.WAREHOUSE_PORT ?? 5432),
      dbname: need("POSTGRES_DB"),
      user: need("POSTGRES_USER"),
      password: need("POSTGRES_PASSWORD"),
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await setupMetabase(setupFromEnv(process.env), (line) => process.stdout.write(`${line}\n`));
  } catch (error) {
    process.stderr.write(`metabase setup: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
