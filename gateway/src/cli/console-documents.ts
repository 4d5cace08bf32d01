import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import {
  CONSOLE_DOCUMENT_OWNERS_FILE,
  CONSOLE_GENERATED_DIR,
  CONSOLE_PERSISTED_DOCUMENTS_FILE,
  CONSOLE_SOURCE_DIR,
} from "@spx/console";
import { Kind, parse } from "graphql";
import { z } from "zod";
import { normaliseDocumentId } from "../edge/document-id.js";
import {
  emptyManifest,
  isManifestOwner,
  type ManifestFile,
  type ManifestOperation,
  type ManifestOwner,
} from "../edge/trusted-documents.js";

/*
 * The console's operations are trusted documents like any agency's: codegen hashes each one
 * (console/src/generated/persisted-documents.json, what the browser sends by id), and
 * console/trusted-documents.json says which manifests each page folder's operations belong in.
 * `documents -- console` writes them there; `documents -- check` fails while a manifest lacks one,
 * holds an old version, or holds one the console no longer has, so that a console that would be
 * refused in production never passes CI.
 */

const ownersSchema = z
  .object({
    $comment: z.string().optional(),
    prefix: z.string().min(1),
    folders: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), z.array(z.string()).min(1)),
  })
  .strict();

export interface ConsoleDocumentsFiles {
  owners: string;
  persisted: string;
  sources: string;
  generated: string;
}

export const CONSOLE_FILES: ConsoleDocumentsFiles = {
  owners: CONSOLE_DOCUMENT_OWNERS_FILE,
  persisted: CONSOLE_PERSISTED_DOCUMENTS_FILE,
  sources: CONSOLE_SOURCE_DIR,
  generated: CONSOLE_GENERATED_DIR,
};

/** The console's operations, each with the manifests it must be registered in. */
export interface ConsoleDocuments {
  prefix: string;
  operations: { operation: ManifestOperation; owners: ManifestOwner[] }[];
  problems: string[];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(file) : [file];
  });
}

function operationsOf(body: string): { name: string | undefined; type: ManifestOperation["type"] }[] {
  return parse(body)
    .definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION)
    .map((d) => ({ name: d.name?.value, type: d.operation }));
}

/** Codegen's output is older than a source it is made from: registering it would register the past. */
function staleSources(files: ConsoleDocumentsFiles): string[] {
  const generatedAt = statSync(files.persisted).mtimeMs;
  return (
    filesUnder(files.sources)
      .filter((file) => !file.startsWith(files.generated + path.sep) && statSync(file).mtimeMs > generatedAt)
      // Documents are .graphql files, or graphql(`…`) calls in code (codegen reads both).
      .filter(
        (file) =>
          file.endsWith(".graphql") || (/\.tsx?$/.test(file) && readFileSync(file, "utf8").includes("graphql(")),
      )
      .map((file) => path.relative(files.sources, file))
  );
}

export function readConsoleDocuments(files: ConsoleDocumentsFiles = CONSOLE_FILES): ConsoleDocuments {
  const problems: string[] = [];
  const parsedOwners = ownersSchema.safeParse(JSON.parse(readFileSync(files.owners, "utf8")));
  if (!parsedOwners.success) {
    return {
      prefix: "",
      operations: [],
      problems: parsedOwners.error.issues.map((i) => `${files.owners}: ${i.path.join(".") || "(root)"}: ${i.message}`),
    };
  }
  const { prefix, folders } = parsedOwners.data;
  if (!existsSync(files.persisted)) {
    return {
      prefix,
      operations: [],
      problems: [`${files.persisted} is missing: build the console first (npm run build)`],
    };
  }
  const stale = staleSources(files);
  if (stale.length > 0) {
    problems.push(
      `console codegen is older than ${stale.join(", ")}: run npm run build (or npm run codegen -w @spx/console)`,
    );
  }

  // Which folder each operation name is written in (the .graphql files next to their pages).
  const folderOf = new Map<string, string>();
  for (const [folder, owners] of Object.entries(folders)) {
    for (const owner of owners.filter((o) => !isManifestOwner(o))) {
      problems.push(`${files.owners}: folders.${folder}: ${owner} is neither an agency of the catalogue nor CITIZEN`);
    }
    const dir = path.join(files.sources, folder);
    for (const file of existsSync(dir) ? filesUnder(dir).filter((f) => f.endsWith(".graphql")) : []) {
      for (const { name } of operationsOf(readFileSync(file, "utf8"))) {
        if (name) {
          folderOf.set(name, folder);
        }
      }
    }
  }

  const persisted = z.record(z.string(), z.string()).parse(JSON.parse(readFileSync(files.persisted, "utf8")));
  const operations: ConsoleDocuments["operations"] = [];
  for (const [hash, body] of Object.entries(persisted)) {
    const id = normaliseDocumentId(hash);
    const [only, ...others] = operationsOf(body);
    if (!id || !only?.name || others.length > 0) {
      problems.push(`console document ${hash}: must be one named operation with a sha256 id`);
      continue;
    }
    const folder = folderOf.get(only.name);
    if (!only.name.startsWith(prefix)) {
      problems.push(`console operation ${only.name}: its name must start with ${prefix}`);
    } else if (!folder) {
      problems.push(
        `console operation ${only.name}: write it in a .graphql file under a folder of ${path.basename(files.owners)} (${Object.keys(folders).join(", ")})`,
      );
    } else {
      operations.push({
        operation: { id, name: only.name, type: only.type, body },
        owners: (folders[folder] ?? []).filter(isManifestOwner),
      });
    }
  }
  operations.sort((a, b) => a.operation.name.localeCompare(b.operation.name));
  return { prefix, operations, problems };
}

/** The manifests, with an empty one for each owner the console names that has none yet. */
export function withEveryOwner(
  dir: string,
  manifests: readonly ManifestFile[],
  documents: ConsoleDocuments,
): ManifestFile[] {
  const present = new Set(manifests.map((m) => m.owner));
  const missing = [...new Set(documents.operations.flatMap((d) => d.owners))].filter((o) => !present.has(o)).sort();
  return [
    ...manifests,
    ...missing.map((owner) => ({ owner, file: path.join(dir, `${owner}.json`), manifest: emptyManifest() })),
  ];
}

/** What the manifests must hold: each manifest's own operations, then the console's, by name. */
export function withConsoleDocuments(manifests: readonly ManifestFile[], documents: ConsoleDocuments) {
  return manifests.map((file) => {
    const own = file.manifest.operations.filter((o) => !o.name.startsWith(documents.prefix));
    const consoles = documents.operations.filter((d) => d.owners.includes(file.owner)).map((d) => d.operation);
    return { ...file, manifest: { ...file.manifest, operations: [...own, ...consoles] } };
  });
}

/** Where the manifests differ from what they must hold, one line per operation. */
export function consoleDocumentProblems(manifests: readonly ManifestFile[], documents: ConsoleDocuments): string[] {
  const problems: string[] = [];
  const wanted = withConsoleDocuments(manifests, documents);
  for (const [index, file] of manifests.entries()) {
    const has = file.manifest.operations.filter((o) => o.name.startsWith(documents.prefix));
    const must = (wanted[index]?.manifest.operations ?? []).filter((o) => o.name.startsWith(documents.prefix));
    for (const operation of must.filter((m) => !has.some((h) => h.id === m.id && h.body === m.body))) {
      problems.push(
        `${file.owner}.json: console operation ${operation.name} (sha256:${operation.id.slice(0, 12)}…) is not registered`,
      );
    }
    for (const operation of has.filter((h) => !must.some((m) => m.id === h.id))) {
      problems.push(
        `${file.owner}.json: ${operation.name} (sha256:${operation.id.slice(0, 12)}…) is not one of the console's documents`,
      );
    }
  }
  return problems;
}
