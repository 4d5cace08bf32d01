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
import {
  consoleDocumentProblems,
  readConsoleDocuments,
  withConsoleDocuments,
  withEveryOwner,
} from "./console-documents.js";

/*
 * `npm run documents -- list [OWNER]`: the registered operations, by manifest.
 * `npm run documents -- add OWNER FILE.graphql`: registers one operation (its id computed).
 * `npm run documents -- check`: every manifest well formed, every id the hash of its body, every
 * body one operation that validates against the committed supergraph's API schema. Exit 1 on any
 * problem (a CI gate), 2 on a usage error. It also fails while the console's documents (built by
 * its codegen) are not registered exactly as console/trusted-documents.json says (in the committed
 * manifests; not with --dir).
 * `npm run documents -- console`: registers the console's documents there (and drops old versions).
 */
const SUPERGRAPH = SUPERGRAPH_FILE;
const usage = `Usage: npm run documents -- list [OWNER]
       npm run documents -- add OWNER FILE.graphql
       npm run documents -- check
       npm run documents -- console
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
  // The console is checked against the committed manifests only (--dir names a scratch folder).
  const consoleDocuments = path.resolve(dir) === path.resolve(TRUSTED_DOCUMENTS_DIR) ? readConsoleDocuments() : null;
  problems.push(...(consoleDocuments?.problems ?? []));
  if (consoleDocuments && consoleDocuments.problems.length === 0) {
    problems.push(
      ...consoleDocumentProblems(withEveryOwner(dir, files, consoleDocuments), consoleDocuments).map(
        (p) => `${p} (npm run -s documents -- console)`,
      ),
    );
  }
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

/** Writes the console's documents into the manifests console/trusted-documents.json names. */
async function registerConsole(dir: string, supergraph: string): Promise<void> {
  const documents = readConsoleDocuments();
  const { files, problems } = readManifests(dir);
  if (documents.problems.length > 0 || problems.length > 0) {
    return fail([...documents.problems, ...problems]);
  }
  const schema = await apiSchemaOf(readFileSync(supergraph, "utf8"));
  const invalid = documents.operations.flatMap(({ operation }) =>
    documentProblems(schema, operation).map((p) => `console operation ${operation.name} ${p}`),
  );
  if (invalid.length > 0) {
    return fail(invalid);
  }
  const before = withEveryOwner(dir, files, documents);
  const changed = consoleDocumentProblems(before, documents);
  for (const [index, file] of withConsoleDocuments(before, documents).entries()) {
    // Unchanged manifests are left alone (and an owner the console names gets a file only if it needs one).
    if (JSON.stringify(file.manifest) !== JSON.stringify(before[index]?.manifest)) {
      writeFileSync(file.file, `${JSON.stringify(file.manifest, null, 2)}\n`);
      if (!files.some((f) => f.file === file.file)) {
        // The cluster mounts the manifests one by one (tests/src/deployment-manifests.test.ts checks it).
        process.stdout.write(`${file.owner}.json: new manifest, list it in schema/kustomization.yaml\n`);
      }
    }
  }
  for (const line of changed) {
    process.stdout.write(
      `${line.replace(/ is not registered$/, ": registered").replace(/ is not one of the console's documents$/, ": removed")}\n`,
    );
  }
  process.stdout.write(`console documents: ${documents.operations.length} operations, ${changed.length} change(s)\n`);
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
  } else if (command === "console" && rest.length === 0) {
    await registerConsole(dir, supergraph);
  } else {
    throw new UsageError(command ? `unknown command or arguments: ${positionals.join(" ")}` : "no command");
  }
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${usage}\n`);
  process.exitCode = 2;
}
