import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { type Agency, type Caller, committedCatalogue } from "@spx/runtime/access";
import { TRUSTED_DOCUMENTS_DIR as SCHEMA_TRUSTED_DOCUMENTS_DIR } from "@spx/schema";
import { z } from "zod";
import { type DocumentId, documentIdOf, isBareDocumentId } from "./document-id.js";

/**
 * The registered documents are part of the contract, like the agency catalogue: one manifest per
 * agency (and one for citizens) under `schema/trusted-documents/`, reviewed and shipped with the
 * code, read once at start-up and never changed at run time.
 */
export const TRUSTED_DOCUMENTS_DIR = SCHEMA_TRUSTED_DOCUMENTS_DIR;

/** Whose manifest a document is registered in: an agency, or every citizen. */
export type ManifestOwner = Agency | "CITIZEN";

/** An agency the catalogue lists, or CITIZEN: a manifest named after anything else is refused. */
export function isManifestOwner(name: string): name is ManifestOwner {
  return name === "CITIZEN" || committedCatalogue().agency(name) !== undefined;
}

const operationSchema = z
  .object({
    id: z.string(),
    name: z.string().min(1),
    type: z.enum(["query", "mutation", "subscription"]),
    body: z.string().min(1),
  })
  .strict();

/** Apollo's persisted query manifest, as `@apollo/generate-persisted-query-manifest` writes it. */
export const manifestSchema = z
  .object({
    format: z.literal("apollo-persisted-query-manifest"),
    version: z.literal(1),
    operations: z.array(operationSchema),
  })
  .strict();

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestOperation = Manifest["operations"][number];

export interface ManifestFile {
  owner: ManifestOwner;
  file: string;
  manifest: Manifest;
}

export interface TrustedDocument {
  id: DocumentId;
  name: string;
  type: ManifestOperation["type"];
  body: string;
  /** The manifests it is registered in. */
  owners: ReadonlySet<ManifestOwner>;
}

export class ManifestError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`trusted documents: ${problems.join("; ")}`);
    this.name = "ManifestError";
  }
}

/** The manifest a caller's documents are looked up in; none for a caller without an agency. */
export function manifestOwner(caller: Pick<Caller, "agency" | "role">): ManifestOwner | undefined {
  return caller.role === "CITIZEN" ? "CITIZEN" : caller.agency;
}

export function emptyManifest(): Manifest {
  return { format: "apollo-persisted-query-manifest", version: 1, operations: [] };
}

/**
 * Reads every `<OWNER>.json` in `dir`. Problems (a file that is not a manifest, an owner nobody
 * is, an id that is not the hash of its body) are collected, not thrown, so that a reviewer sees
 * all of them at once.
 */
export function readManifests(dir: string = TRUSTED_DOCUMENTS_DIR): { files: ManifestFile[]; problems: string[] } {
  const files: ManifestFile[] = [];
  const problems: string[] = [];
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith(".json"))
    .sort()) {
    const file = path.join(dir, name);
    const owner = name.slice(0, -".json".length);
    if (!isManifestOwner(owner)) {
      problems.push(`${name}: ${owner} is neither an agency of the catalogue nor CITIZEN`);
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      problems.push(`${name}: not JSON (${(error as Error).message})`);
      continue;
    }
    const parsed = manifestSchema.safeParse(json);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push(`${name}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
      }
      continue;
    }
    problems.push(...operationProblems(name, parsed.data));
    files.push({ owner, file, manifest: parsed.data });
  }
  return { files, problems };
}

/** What is wrong with a manifest's operations, one line each. */
export function operationProblems(label: string, manifest: Manifest): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [index, operation] of manifest.operations.entries()) {
    const where = `${label}: operation ${index} (${operation.name})`;
    if (!isBareDocumentId(operation.id)) {
      problems.push(`${where}: id must be 64 lowercase hex digits without a prefix`);
    } else if (operation.id !== documentIdOf(operation.body)) {
      problems.push(`${where}: id is not the SHA-256 of its body (expected ${documentIdOf(operation.body)})`);
    }
    if (seen.has(operation.id)) {
      problems.push(`${where}: registered twice`);
    }
    seen.add(operation.id);
  }
  return problems;
}

/** The registered documents by id, each with the manifests it is registered in. */
export class TrustedDocuments {
  private readonly byId: Map<DocumentId, TrustedDocument>;

  constructor(files: readonly ManifestFile[]) {
    const byId = new Map<DocumentId, { document: Omit<TrustedDocument, "owners">; owners: Set<ManifestOwner> }>();
    for (const { owner, manifest } of files) {
      for (const operation of manifest.operations) {
        const id = operation.id as DocumentId;
        const known = byId.get(id) ?? {
          document: { id, name: operation.name, type: operation.type, body: operation.body },
          owners: new Set<ManifestOwner>(),
        };
        known.owners.add(owner);
        byId.set(id, known);
      }
    }
    this.byId = new Map([...byId].map(([id, { document, owners }]) => [id, { ...document, owners }]));
  }

  /** Reads and checks the manifests; refuses to start on any problem rather than serve half of them. */
  static load(dir: string = TRUSTED_DOCUMENTS_DIR): TrustedDocuments {
    const { files, problems } = readManifests(dir);
    if (problems.length > 0) {
      throw new ManifestError(problems);
    }
    return new TrustedDocuments(files);
  }

  get(id: DocumentId): TrustedDocument | undefined {
    return this.byId.get(id);
  }

  get size(): number {
    return this.byId.size;
  }

  /** The registered operations' names: the only operation names a metric label may carry. */
  get names(): string[] {
    return [...new Set([...this.byId.values()].map((document) => document.name))].sort();
  }
}
