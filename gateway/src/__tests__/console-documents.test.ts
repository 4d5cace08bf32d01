import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  type ConsoleDocumentsFiles,
  consoleDocumentProblems,
  readConsoleDocuments,
  withConsoleDocuments,
  withEveryOwner,
} from "../cli/console-documents.js";
import { documentIdOf } from "../edge/document-id.js";
import { emptyManifest, type ManifestFile } from "../edge/trusted-documents.js";

/*
 * The console's documents against the manifests, on a scratch console: what codegen wrote must be
 * registered, exactly, in the manifests console/trusted-documents.json names for its folder.
 */

const STATS = "query ConsoleDashboardPopulation { populationStatistics(by: [REGION]) { count region } }";
const DESK = "query ConsoleDeskPerson($idcs: ID!) { person(idcs: $idcs) { idcs } }";

let dir: string;
let files: ConsoleDocumentsFiles;

function writeConsole(persisted: Record<string, string>, sources: Record<string, string>): void {
  rmSync(files.sources, { recursive: true, force: true });
  for (const [file, text] of Object.entries(sources)) {
    mkdirSync(path.dirname(path.join(files.sources, file)), { recursive: true });
    writeFileSync(path.join(files.sources, file), text);
  }
  mkdirSync(files.generated, { recursive: true });
  writeFileSync(files.persisted, JSON.stringify(persisted));
  // Codegen ran after the sources were written.
  const later = new Date(Date.now() + 1000);
  utimesSync(files.persisted, later, later);
}

const persistedOf = (...bodies: string[]) => Object.fromEntries(bodies.map((b) => [`sha256:${documentIdOf(b)}`, b]));

function manifest(owner: ManifestFile["owner"], operations: ManifestFile["manifest"]["operations"] = []): ManifestFile {
  return { owner, file: path.join(dir, `${owner}.json`), manifest: { ...emptyManifest(), operations } };
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "spx-console-documents-"));
  files = {
    owners: path.join(dir, "trusted-documents.json"),
    sources: path.join(dir, "src"),
    generated: path.join(dir, "src/generated"),
    persisted: path.join(dir, "src/generated/persisted-documents.json"),
  };
  writeFileSync(
    files.owners,
    JSON.stringify({ prefix: "Console", folders: { dashboard: ["MSPS", "CNDP"], desk: ["ANSS"] } }),
  );
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the console's trusted documents", () => {
  it("assigns each operation to its folder's manifests, and registering it satisfies the check", () => {
    writeConsole(persistedOf(STATS, DESK), {
      "dashboard/population.graphql": STATS,
      "desk/person.graphql": DESK,
    });
    const documents = readConsoleDocuments(files);
    expect(documents.problems).toEqual([]);
    expect(documents.operations.map((d) => [d.operation.name, d.owners])).toEqual([
      ["ConsoleDashboardPopulation", ["MSPS", "CNDP"]],
      ["ConsoleDeskPerson", ["ANSS"]],
    ]);
    const own = { id: documentIdOf("query Own { x }"), name: "Own", type: "query" as const, body: "query Own { x }" };
    const manifests = withEveryOwner(dir, [manifest("MSPS", [own])], documents);
    expect(manifests.map((m) => m.owner)).toEqual(["MSPS", "ANSS", "CNDP"]);

    expect(consoleDocumentProblems(manifests, documents)).toEqual([
      expect.stringMatching(/^MSPS\.json: console operation ConsoleDashboardPopulation .* is not registered$/),
      expect.stringMatching(/^ANSS\.json: console operation ConsoleDeskPerson .* is not registered$/),
      expect.stringMatching(/^CNDP\.json: console operation ConsoleDashboardPopulation .* is not registered$/),
    ]);
    const registered = withConsoleDocuments(manifests, documents);
    expect(consoleDocumentProblems(registered, documents)).toEqual([]);
    // The agency's own documents stay, first.
    expect(registered[0]?.manifest.operations.map((o) => o.name)).toEqual(["Own", "ConsoleDashboardPopulation"]);
  });

  it("fails on an old version of a console operation and on one the console no longer has", () => {
    const old = "query ConsoleDashboardPopulation { populationStatistics(by: [REGION]) { count } }";
    const gone = "query ConsoleDashboardGone { populationStatistics(by: [SEX]) { count } }";
    writeConsole(persistedOf(STATS), { "dashboard/population.graphql": STATS });
    const documents = readConsoleDocuments(files);
    const registered = (body: string) => ({
      id: documentIdOf(body),
      name: body.split(" ")[1] ?? "",
      type: "query" as const,
      body,
    });
    const manifests = [manifest("MSPS", [registered(old), registered(gone)]), manifest("CNDP", [registered(STATS)])];
    expect(consoleDocumentProblems(manifests, documents)).toEqual([
      expect.stringMatching(/^MSPS\.json: console operation ConsoleDashboardPopulation .* is not registered$/),
      expect.stringMatching(/^MSPS\.json: ConsoleDashboardPopulation .* is not one of the console's documents$/),
      expect.stringMatching(/^MSPS\.json: ConsoleDashboardGone .* is not one of the console's documents$/),
    ]);
    const fixed = withConsoleDocuments(manifests, documents);
    expect(fixed[0]?.manifest.operations.map((o) => o.body)).toEqual([STATS]);
  });

  it("refuses an operation outside the folders, one without the prefix, and codegen older than its sources", () => {
    const stray = "query ConsoleStray { populationStatistics(by: [SEX]) { count } }";
    const unprefixed = "query Population { populationStatistics(by: [SEX]) { count } }";
    writeConsole(persistedOf(stray, unprefixed), {
      "elsewhere/stray.graphql": stray,
      "dashboard/unprefixed.graphql": unprefixed,
    });
    expect(readConsoleDocuments(files).problems).toEqual([
      expect.stringMatching(/^console operation ConsoleStray: write it in a \.graphql file under a folder of/),
      "console operation Population: its name must start with Console",
    ]);

    writeConsole(persistedOf(STATS), { "dashboard/population.graphql": STATS });
    const edited = path.join(files.sources, "dashboard/population.graphql");
    const later = new Date(Date.now() + 60_000);
    utimesSync(edited, later, later);
    expect(readConsoleDocuments(files).problems).toEqual([
      expect.stringMatching(/^console codegen is older than dashboard\/population\.graphql: run npm run build/),
    ]);

    rmSync(files.persisted);
    expect(readConsoleDocuments(files).problems).toEqual([
      expect.stringMatching(/is missing: build the console first/),
    ]);
  });
});
