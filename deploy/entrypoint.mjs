#!/usr/bin/env node
// The container image's one entry point: `entrypoint.mjs <service>` runs that service in this process
// (so that it receives SIGTERM itself and drains), `entrypoint.mjs migrate <database>` migrates one
// database and exits. The names and folders come from schema/subgraphs.json, as for `npm start`.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { SUBGRAPHS_FILE } from "@spx/schema";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** @type {{ name: string; directory?: string; envPrefix?: string; local?: boolean }[]} */
const subgraphs = JSON.parse(readFileSync(SUBGRAPHS_FILE, "utf8"));
const registers = subgraphs.flatMap((subgraph) =>
  subgraph.local || !subgraph.directory || !subgraph.envPrefix
    ? []
    : [{ name: subgraph.name, directory: subgraph.directory, envPrefix: subgraph.envPrefix }],
);

/** @type {Map<string, string>} service name → its built main module */
const services = new Map([
  ["gateway", "gateway/dist/main.js"],
  ...registers.map(
    (register) => /** @type {[string, string]} */ ([register.name, `${register.directory}/dist/main.js`]),
  ),
]);

/** @type {Map<string, import("@spx/runtime/migrate").MigrationTarget>} database name → how to migrate it */
const databases = new Map([
  ...registers.map(
    (register) =>
      /** @type {[string, import("@spx/runtime/migrate").MigrationTarget]} */ ([
        register.name,
        {
          name: register.name,
          urlSetting: `${register.envPrefix}_DATABASE_URL`,
          migrationsDir: path.join(root, register.directory, "prisma", "migrations"),
        },
      ]),
  ),
  [
    "access-log",
    {
      name: "access-log",
      urlSetting: "ACCESS_LOG_DATABASE_URL",
      migrationsDir: path.join(root, "gateway", "migrations"),
    },
  ],
]);

const usage = `Usage: entrypoint.mjs <service> | migrate <database>
  services:  ${[...services.keys()].join(", ")}
  databases: ${[...databases.keys()].join(", ")}`;

/** @param {string} problem */
function refuse(problem) {
  process.stderr.write(`${problem}\n${usage}\n`);
  process.exit(2);
}

const [command, target, ...rest] = process.argv.slice(2);
if (command === "migrate") {
  const database = target === undefined ? undefined : databases.get(target);
  if (!database || rest.length > 0) {
    refuse(target === undefined ? "migrate: which database?" : `migrate: unknown database ${target}`);
  } else {
    const { migrateOnce } = await import("@spx/runtime/migrate");
    await migrateOnce(database);
  }
} else {
  const main = command === undefined ? undefined : services.get(command);
  if (!main || target !== undefined) {
    refuse(
      command === undefined
        ? "Which service?"
        : `Unknown service: ${[command, target, ...rest].filter(Boolean).join(" ")}`,
    );
  } else {
    await import(pathToFileURL(path.join(root, main)).href);
  }
}
