// What demand control adds to a request: microseconds per cost estimate of the benchmark's
// documents, against the committed supergraph, in one process (no network, no database). A
// measurement to read, not a test: `npm run build && node tests/bench/cost-estimate.mjs`.

import { readFileSync } from "node:fs";
import { readCostModel } from "@spx/gateway/edge/cost-model";
import { estimateCost } from "@spx/gateway/edge/estimate-cost";
import { readSupergraphPolicy } from "@spx/gateway/supergraph-policy";
import { SUPERGRAPH_FILE } from "@spx/schema";
import { buildSchema, parse, validate } from "graphql";
import { PERSON_360 } from "./harness.mjs";
import { microsPerCall } from "./per-call.mjs";

const sdl = readFileSync(SUPERGRAPH_FILE, "utf8");
const schema = buildSchema(readSupergraphPolicy(sdl).executableSdl, { assumeValidSDL: true });
const model = readCostModel(sdl);

const AGENCY_BATCH = `query AgencyBatch($idcs: [ID!]!) { people(idcs: $idcs) { idcs healthCoverage { regime role status } } }`;
/** @type {[string, string, Record<string, unknown>][]} */
const documents = [
  ["person-360", PERSON_360, { idcs: "1062609475" }],
  ["agency-batch (1,000 IDCS)", AGENCY_BATCH, { idcs: Array.from({ length: 1000 }, () => "1062609475") }],
];

/**
 * Median of 7 rounds of `calls` calls, in microseconds per call.
 * @param {() => unknown} fn
 */
const perCall = (fn, calls = 20_000) => microsPerCall(fn, { calls, rounds: 7 });

for (const [name, text, variables] of documents) {
  const document = parse(text);
  const estimate = perCall(() => estimateCost(schema, model, document, undefined, variables));
  // For scale: what Apollo Server already spends on the same document before any plugin runs.
  const validation = perCall(() => validate(schema, document), 5_000);
  const cost = estimateCost(schema, model, document, undefined, variables);
  console.log(
    `${name}: cost ${cost}, ${estimate.toFixed(1)} µs per estimate (graphql-js validate: ${validation.toFixed(1)} µs)`,
  );
}
