// Lives outside the schema workspace, which holds only data: composing needs every register built, and
// every register reads the catalogue from that workspace.
// Prints each subgraph's SDL from its code, composes the supergraph with @apollo/composition
// (offline), checks that every field of the graph has an access rule, and writes the access-policy
// table. With --check, compares the results with the committed files and fails on any drift.
import { readFileSync, writeFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { printSubgraphSchema } from "@apollo/subgraph";
import { accessPolicyMarkdown, policyProblems, supergraphAccess } from "@spx/gateway/access-report";
import { catalogue } from "@spx/runtime/access";
import { parse } from "graphql";

const check = process.argv.includes("--check");
/** @param {string} file */
const here = (file) => new URL(`../schema/${file}`, import.meta.url);
/** @type {{ name: string, module: string, url?: string }[]} */
const subgraphs = JSON.parse(readFileSync(here("./subgraphs.json"), "utf8"));

/** @type {Map<string, string>} */
const outputs = new Map();
/** @type {Parameters<typeof composeServices>[0]} */
const services = [];
for (const { name, module, url } of subgraphs) {
  // Each subgraph's package exports its executable schema as `schema` (see subgraphs.json).
  const { schema } = /** @type {{ schema: import("graphql").GraphQLSchema }} */ (await import(module));
  const sdl = printSubgraphSchema(schema);
  outputs.set(`${name}.graphql`, sdl);
  services.push({ name, url, typeDefs: parse(sdl) });
}

const result = composeServices(services);
if (result.errors) {
  for (const error of result.errors) {
    console.error(error.message);
  }
  process.exit(1);
}
outputs.set("supergraph.graphql", result.supergraphSdl);

// Deny by default, checked here so that a new field cannot leak, or vanish, by omission.
const access = supergraphAccess(result.supergraphSdl, catalogue());
const problems = policyProblems(access);
if (problems.length > 0) {
  for (const problem of problems) {
    console.error(problem);
  }
  console.error(`${problems.length} field(s) without a reviewed access rule`);
  process.exit(1);
}
outputs.set("access-policy.md", accessPolicyMarkdown(access, catalogue()));

let stale = 0;
for (const [file, text] of outputs) {
  let committed = null;
  try {
    committed = readFileSync(here(`./${file}`), "utf8");
  } catch {}
  if (committed === text) {
    continue;
  }
  if (check) {
    console.error(`schema/${file} is out of date: run \`npm run compose\` and commit the result`);
    stale++;
  } else {
    writeFileSync(here(`./${file}`), text);
    console.log(`wrote schema/${file}`);
  }
}
process.exit(stale > 0 ? 1 : 0);
