import { spawnSync } from "node:child_process";

/** `docker compose` (v2 plugin) or `docker-compose` (v1), whichever answers; null when neither does. */
function findCompose(): readonly string[] | null {
  for (const command of [["docker", "compose"], ["docker-compose"]]) {
    const [bin, ...args] = command as [string, ...string[]];
    if (spawnSync(bin, [...args, "version"], { encoding: "utf8" }).status === 0) return command;
  }
  return null;
}

export const COMPOSE = findCompose();
if (!COMPOSE && process.env.MOMO_REQUIRE_DOCKER_CLIENT === "1")
  throw new Error("MOMO_REQUIRE_DOCKER_CLIENT=1 but neither `docker compose` nor `docker-compose` runs here");
if (!COMPOSE)
  console.warn("no Docker Compose client (docker compose / docker-compose): the Compose tests are skipped");
