import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { SUPERGRAPH_FILE } from "@spx/schema";
import { Kind, parse } from "graphql";
import { apiSchemaOf, documentProblems } from "../edge/document-check.js";
import { documentIdOf } from "../edge/document-id.js";
import {
  emptyManifest,
  isManifestOwner,
  type Manifest,
  type ManifestOperation,
  readManifests,
  TRUSTED_DOCUMENTS_DIR,
} from "../edge/trusted-documents.js";

/*
 * `npm run documents -- list [OWNER]`: the registered operations, by manifest.
 * `npm run documents -- add OWNER FILE.graphql`: registers one operation (its id computed).
 * `npm run documents -- check`: every manifest well formed, every id the hash of its body, every
 * body one operation that validates against the committed supergraph's API schema. Exit 1 on any
 * problem (a CI gate), 2 on a usage error.
 */
const SUPERGRAPH = SUPERGRAPH_FILE;
const usage = `Usage: npm run documents -- list [OWNER]
       npm run documents -- add OWNER FILE.graphql
       npm run documents -- check
Options: --dir DIR (default schema/trusted-documents), --supergraph FILE (default schema/supergraph.graphql)
OWNER is an agency of the catalogue (ANR, CNSS, ...) or CITIZEN.`;

class UsageError extends Error {}

function fail(lines: readonly string[]): void {
  for (const line of lines) {
    process.stderr.write(`${line}\n`);
  }
  process.exitCode = 1;
}

function list(dir: string, owner: string | undefined): void {
  const { files, problems } = readManifests(dir);
  for (const file of files.filter((f) => !owner || f.owner === owner)) {
    process.stdout.write(`${file.owner} (${file.manifest.operations.length})\n`);
    for (const operation of file.manifest.operations) {
      process.stdout.write(`  sha256:${operation.id}  ${operation.type} ${operation.name}\n`);
    }
  }
  if (problems.length > 0) {
    fail(problems);
  }
}

async function add(dir: string, supergraph: string, owner: string, source: string): Promise<void> {
  if (!isManifestOwner(owner)) {
    return fail([`${owner} is neither an agency of the catalogue nor CITIZEN`]);
  }
  // Editors end files with a newline that clients do not send: the registered text ends at its last brace.
  const body = readFileSync(source, "utf8").trimEnd();
  let name: string | undefined;
  let type: ManifestOperation["type"] | undefined;
  try {
    const [operation, ...others] = parse(body).definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    name = others.length === 0 ? operation?.name?.value : undefined;
    type = operation?.operation;
  } catch (error) {
    return fail([`${source}: does not parse: ${(error as Error).message}`]);
  }
  if (!name || !type) {
    return fail([`${source}: must hold exactly one named operation`]);
  }
  const problems = documentProblems(await apiSchemaOf(readFileSync(supergraph, "utf8")), { name, type, body });
  if (problems.length > 0) {
    return fail(problems.map((p) => `${source}: ${name} ${p}`));
  }
  const { files, problems: manifestProblems } = readManifests(dir);
  if (manifestProblems.length > 0) {
    return fail(manifestProblems);
  }
  const file = path.join(dir, `${owner}.json`);
  const manifest: Manifest = files.find((f) => f.file === file)?.manifest ?? emptyManifest();
  const id = documentIdOf(body);
  if (manifest.operations.some((o) => o.id === id)) {
    process.stdout.write(`${owner}: ${name} is already registered as sha256:${id}\n`);
    return;
  }
  manifest.operations.push({ id, name, type, body });
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
  process.stdout.write(`${owner}: registered ${type} ${name} as sha256:${id}\n`);
}

async function check(dir: string, supergraph: string): Promise<void> {
  const { files, problems } = readManifests(dir);
  const schema = await apiSchemaOf(readFileSync(supergraph, "utf8"));
  let operations = 0;
  for (const { owner, manifest } of files) {
    for (const operation of manifest.operations) {
      operations += 1;
      for (const problem of documentProblems(schema, operation)) {
        problems.push(`${owner}.json: ${operation.name} (sha256:${operation.id.slice(0, 12)}…) ${problem}`);
      }
    }
  }
  if (problems.length > 0) {
    return fail([...problems, `trusted documents: ${problems.length} problem(s)`]);
  }
  process.stdout.write(`trusted documents: ${operations} operations in ${files.length} manifests, all valid\n`);
}

try {
  const { values, positionals } = parseArgs({
    options: { dir: { type: "string" }, supergraph: { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
  const dir = values.dir ?? TRUSTED_DOCUMENTS_DIR;
  const supergraph = values.supergraph ?? SUPERGRAPH;
  const [command, ...rest] = positionals;
  if (command === "list" && rest.length <= 1) {
    list(dir, rest[0]);
  } else if (command === "add" && rest.length === 2 && rest[0] && rest[1]) {
    await add(dir, supergraph, rest[0], rest[1]);
  } else if (command === "check" && rest.length === 0) {
    await check(dir, supergraph);
  } else {
    throw new UsageError(command ? `unknown command or arguments: ${positionals.join(" ")}` : "no command");
  }
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${usage}\n`);
  process.exitCode = 2;
}
