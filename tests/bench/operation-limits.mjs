// What the operation limits cost per request, in process: the README's person query measured
// (the first sight of a document) and checked from the shape cache (every later request), in a
// loop of many calls. A measurement, not a test: it prints microseconds per call.
//
//   node tests/bench/operation-limits.mjs [--calls 20000]
import { parseArgs } from "node:util";
import { exceededLimit } from "@spx/gateway/edge/operation-limits";
import { measureOperation } from "@spx/gateway/edge/operation-shape";
import { ShapeCache } from "@spx/gateway/edge/shape-cache";
import { catalogue } from "@spx/runtime/access";
import { parse } from "graphql";
import { microsPerCall } from "./per-call.mjs";

const { values } = parseArgs({ options: { calls: { type: "string" } } });
const calls = Number(values.calls ?? 20_000);
// The README's first example, as sent with curl.
const QUERY = `{ person(idcs: "1062609475") { firstName lastName address { regionCode } healthCoverage { regime role payer status } household { members { relationship person { firstName } } socioEconomicIndex { score modelVersion } eligibility { program eligible threshold } eligibilityExplanation(program: DIRECT_AID) { summary } directAid { status monthlyEntitlement { amount currency components { reason amount } } payments(last: 3) { month amount status } } } } }`;
const document = parse(QUERY);
const limits = catalogue().edge.limits;

/**
 * @param {string} label
 * @param {() => unknown} run
 */
function perCall(label, run) {
  const micros = microsPerCall(run, { calls, warmUp: 1000 });
  console.log(`${label}: ${micros.toFixed(2)} µs per call (${calls} calls)`);
}

console.log("shape:", JSON.stringify(measureOperation(document, null, QUERY)));
perCall("measure (first sight of a document)", () => exceededLimit(measureOperation(document, null, QUERY), limits));
const shapes = new ShapeCache();
perCall("check from the shape cache (every later request)", () =>
  exceededLimit(
    shapes.of("hash", null, () => measureOperation(document, null, QUERY)),
    limits,
  ),
);
