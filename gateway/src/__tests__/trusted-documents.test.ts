import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { HeaderMap, type HTTPGraphQLRequest } from "@apollo/server";
import { documentIdOf, normaliseDocumentId } from "../edge/document-id.js";
import { PersistedRequests } from "../edge/persisted-request.js";
import { ManifestError, TrustedDocuments } from "../edge/trusted-documents.js";

const BODY = "query One($idcs: ID!) { person(idcs: $idcs) { idcs } }";
const ID = documentIdOf(BODY);
const operation = { id: ID, name: "One", type: "query", body: BODY };
const manifest = (operations: unknown[]) =>
  JSON.stringify({ format: "apollo-persisted-query-manifest", version: 1, operations });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "spx-trusted-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("document ids", () => {
  it("meet in their bare lowercase form, whichever spelling the client used", () => {
    expect(normaliseDocumentId(`sha256:${ID}`)).toBe(ID);
    expect(normaliseDocumentId(`SHA256:${ID.toUpperCase()}`)).toBe(ID);
    expect(normaliseDocumentId(ID)).toBe(ID);
    expect(normaliseDocumentId(`sha1:${ID}`)).toBeUndefined();
    expect(normaliseDocumentId(ID.slice(1))).toBeUndefined();
  });
});

describe("the manifests", () => {
  it("register a document for every manifest it appears in", () => {
    writeFileSync(path.join(dir, "CNSS.json"), manifest([operation]));
    writeFileSync(path.join(dir, "CITIZEN.json"), manifest([operation]));
    const documents = TrustedDocuments.load(dir);
    expect(documents.size).toBe(1);
    expect([...(documents.get(ID)?.owners ?? [])].sort()).toEqual(["CITIZEN", "CNSS"]);
  });

  it("refuse to load with a prefixed id, a twice-registered document, or an owner nobody is", () => {
    writeFileSync(path.join(dir, "CNSS.json"), manifest([{ ...operation, id: `sha256:${ID}` }, operation, operation]));
    writeFileSync(path.join(dir, "ACME.json"), manifest([]));
    let error: unknown;
    try {
      TrustedDocuments.load(dir);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).problems).toEqual([
      "ACME.json: ACME is neither an agency of the catalogue nor CITIZEN",
      "CNSS.json: operation 0 (One): id must be 64 lowercase hex digits without a prefix",
      "CNSS.json: operation 2 (One): registered twice",
    ]);
  });
});

describe("a GET by id", () => {
  it("becomes a GET of the registered text, keeping the variables and other extensions", () => {
    writeFileSync(path.join(dir, "CNSS.json"), manifest([operation]));
    const requests = new PersistedRequests(TrustedDocuments.load(dir), true);
    const params = new URLSearchParams({
      documentId: `sha256:${ID}`,
      variables: JSON.stringify({ idcs: "1000000009" }),
      extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: ID }, trace: true }),
    });
    const request: HTTPGraphQLRequest = {
      method: "GET",
      headers: new HeaderMap(),
      search: `?${params}`,
      body: undefined,
    };
    const prepared = requests.prepare(request);
    if (!("request" in prepared)) {
      throw new Error(`refused: ${JSON.stringify(prepared.refused)}`);
    }
    const served = new URLSearchParams(prepared.request.search);
    expect(served.get("query")).toBe(BODY);
    expect(served.get("documentId")).toBeNull();
    expect(JSON.parse(served.get("variables") ?? "null")).toEqual({ idcs: "1000000009" });
    expect(JSON.parse(served.get("extensions") ?? "null")).toEqual({ trace: true });
    expect(requests.servedById(prepared.request)?.id).toBe(ID);
    expect(requests.servedById(request)).toBeUndefined();
  });
});
