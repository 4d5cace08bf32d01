// `node tests/bench/trusted-documents.mjs` (after `npm run build`): prints the figures; not a timed test.
// How much the trusted-documents lookup adds per request, in process (no HTTP): resolving an id
// into the registered text (normalise, map lookup, body rewrite), checking an id sent with its
// text (one SHA-256 of the text), and the plugin's grant check (a map lookup by Apollo's hash).
import { HeaderMap } from "@apollo/server";
import { documentIdOf } from "../../gateway/dist/edge/document-id.js";
import { PersistedRequests } from "../../gateway/dist/edge/persisted-request.js";
import { TrustedDocuments } from "../../gateway/dist/edge/trusted-documents.js";
import { PERSON_360 } from "./harness.mjs";
import { microsPerCall } from "./per-call.mjs";

const documents = TrustedDocuments.load();
const requests = new PersistedRequests(documents, true);
const id = documentIdOf(PERSON_360);
const headers = new HeaderMap([["content-type", "application/json"]]);
const N = 200_000;
/**
 * @param {string} label
 * @param {(i: number) => unknown} make
 */
function time(label, make) {
  console.log(`${label}: ${microsPerCall(make, { calls: N, warmUp: 20_000 }).toFixed(2)} µs per request`);
}
time("by documentId (resolve + rewrite)", (i) =>
  requests.prepare({
    method: "POST",
    headers,
    search: "",
    body: { documentId: `sha256:${id}`, variables: { idcs: String(i) } },
  }),
);
time("by APQ hash (resolve + rewrite)", (i) =>
  requests.prepare({
    method: "POST",
    headers,
    search: "",
    body: { extensions: { persistedQuery: { version: 1, sha256Hash: id } }, variables: { idcs: String(i) } },
  }),
);
time("id sent with its text (one more SHA-256 of the text)", (i) =>
  requests.prepare({
    method: "POST",
    headers,
    search: "",
    body: { documentId: `sha256:${id}`, query: PERSON_360, variables: { idcs: String(i) } },
  }),
);
time("free text, no id (pass-through)", (i) =>
  requests.prepare({
    method: "POST",
    headers,
    search: "",
    body: { query: PERSON_360, variables: { idcs: String(i) } },
  }),
);
time("plugin's registration lookup by hash", () => documents.get(id));
console.log(`PERSON_360 is ${Buffer.byteLength(PERSON_360)} bytes; ${documents.size} documents registered`);
