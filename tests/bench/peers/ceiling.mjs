// The ceiling for `npm run bench`: what the scenarios cost when nothing stands between the client
// and the subgraphs but the fetches themselves. A hand-written server that knows each benchmark
// operation by name and runs the very fetches a query planner would (same stages, same
// parallelism), with no parsing, validation, planning, authentication or policy, and merges the
// answers. Not a gateway: it answers the four benchmark operations only.
//
//   PORT=4900 POPULATION_URL=... SOCIAL_REGISTRY_URL=... HEALTH_INSURANCE_URL=... DIRECT_AID_URL=... node ceiling.mjs
import { createServer } from "node:http";

/** @param {string} name */
const env = (name) => {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is required`);
  }
  return value;
};
const urls = {
  population: env("POPULATION_URL"),
  socialRegistry: env("SOCIAL_REGISTRY_URL"),
  healthInsurance: env("HEALTH_INSURANCE_URL"),
  directAid: env("DIRECT_AID_URL"),
};

/**
 * The data of one subgraph answer; throws on any error. What the data holds is what `query`
 * selects: each caller names it.
 * @param {string} url
 * @param {string} query
 * @param {Record<string, unknown>} [variables]
 * @returns {Promise<unknown>}
 */
async function fetchGraphQL(url, query, variables) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const answer = /** @type {{ data?: unknown, errors?: unknown[] }} */ (await response.json());
  if (answer.errors) {
    throw new Error(JSON.stringify(answer.errors).slice(0, 300));
  }
  return answer.data;
}

/**
 * The `_entities` of `representations`, each with `selection` (null for one the subgraph lacks).
 * @template T what `selection` selects
 * @param {string} url
 * @param {string} selection
 * @param {{ __typename: string, idcs?: string, id?: string }[]} representations
 * @returns {Promise<(T | null | undefined)[]>}
 */
const entities = (url, selection, representations) =>
  fetchGraphQL(url, `query($r: [_Any!]!) { _entities(representations: $r) { ${selection} } }`, {
    r: representations,
  }).then((data) => /** @type {{ _entities: T[] }} */ (data)._entities);

/**
 * @typedef {object} RegistryHousehold The household as the social registry answers Person360.
 * @property {string} id
 * @property {{ relationship: string, person: { idcs?: string, firstName?: string | null } }[]} members
 *   as asked (idcs), then as answered (firstName)
 * @property {unknown} [directAid]
 */
/** @typedef {{ healthCoverage: unknown }} Coverage */

/**
 * The benchmark operations, by name: each runs the fetches a query planner would.
 * @type {Record<string, (variables: Record<string, unknown>) => Promise<unknown>>}
 */

const PLANS = {
  async Person360(variables) {
    const idcs = String(variables.idcs);
    const { person } = /** @type {{ person: Record<string, unknown> | null }} */ (
      await fetchGraphQL(
        urls.population,
        "query($idcs: ID!) { person(idcs: $idcs) { idcs firstName lastName address { regionCode } } }",
        { idcs },
      )
    );
    if (!person) {
      return { person: null };
    }
    const me = [{ __typename: "Person", idcs }];
    const [[coverage], [registry]] = await Promise.all([
      /** @type {typeof entities<Coverage>} */ (entities)(
        urls.healthInsurance,
        "... on Person { healthCoverage { regime role payer status } }",
        me,
      ),
      /** @type {typeof entities<{ household: RegistryHousehold | null }>} */ (entities)(
        urls.socialRegistry,
        `... on Person { household { id members { relationship person { idcs } } socioEconomicIndex { score modelVersion }
          eligibility { program eligible threshold } eligibilityExplanation(program: DIRECT_AID) { summary } } }`,
        me,
      ),
    ]);
    const household = registry?.household;
    if (household) {
      const [[aid], names] = await Promise.all([
        /** @type {typeof entities<{ directAid: unknown }>} */ (entities)(
          urls.directAid,
          `... on Household { directAid { status monthlyEntitlement { amount currency components { reason amount } }
            payments(last: 3) { month amount status } } }`,
          [{ __typename: "Household", id: household.id }],
        ),
        /** @type {typeof entities<{ firstName: string | null }>} */ (entities)(
          urls.population,
          "... on Person { firstName }",
          household.members.map((m) => ({ __typename: "Person", idcs: m.person.idcs })),
        ),
      ]);
      household.directAid = aid?.directAid ?? null;
      household.members = household.members.map((m, i) => ({
        relationship: m.relationship,
        person: { firstName: names[i]?.firstName ?? null },
      }));
    }
    return { person: { ...person, healthCoverage: coverage?.healthCoverage ?? null, household: household ?? null } };
  },

  async AgencyBatch({ idcs }) {
    const { people } = /** @type {{ people: ({ idcs: string } | null)[] }} */ (
      await fetchGraphQL(urls.population, "query($idcs: [ID!]!) { people(idcs: $idcs) { idcs } }", {
        idcs,
      })
    );
    const known = people.filter((p) => p !== null);
    const coverage = await /** @type {typeof entities<Coverage>} */ (entities)(
      urls.healthInsurance,
      "... on Person { healthCoverage { regime role status } }",
      known.map((p) => ({ __typename: "Person", idcs: p.idcs })),
    );
    const byIdcs = new Map(known.map((p, i) => [p.idcs, coverage[i]?.healthCoverage ?? null]));
    return { people: people.map((p) => (p ? { idcs: p.idcs, healthCoverage: byIdcs.get(p.idcs) } : null)) };
  },

  async Dashboard() {
    const [population, households, coverage] = await Promise.all([
      fetchGraphQL(urls.population, "{ populationStatistics(by: [REGION, MILIEU]) { region milieu count } }"),
      fetchGraphQL(
        urls.socialRegistry,
        "{ householdStatistics(by: [REGION]) { region households members eligibleAmoTadamon eligibleDirectAid } }",
      ),
      fetchGraphQL(
        urls.healthInsurance,
        "{ coverageStatistics(by: [REGION, REGIME]) { region regime beneficiaries } }",
      ),
    ]);
    return Object.assign({}, population, households, coverage);
  },

  Declare(variables) {
    return fetchGraphQL(
      urls.socialRegistry,
      `mutation($householdId: ID!, $input: LivingConditionsInput!, $key: String) {
        declareLivingConditions(householdId: $householdId, input: $input, idempotencyKey: $key) {
          household { id socioEconomicIndex { score modelVersion } } } }`,
      variables,
    );
  },
};

/**
 * @param {import("node:http").ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 */
function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

createServer(async (req, res) => {
  if (req.method === "GET") {
    send(res, 200, { status: "ready" });
    return;
  }
  /** @type {Buffer[]} */
  const chunks = [];
  for await (const chunk of req) {
    chunks.push(chunk);
  }
  try {
    const { query, variables = {} } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const name = /^\s*(?:query|mutation)\s+(\w+)/.exec(String(query))?.[1];
    const plan = name === undefined ? undefined : PLANS[name];
    if (!plan) {
      send(res, 400, { errors: [{ message: `the ceiling knows no operation ${name}` }] });
      return;
    }
    send(res, 200, { data: await plan(variables) });
  } catch (error) {
    send(res, 200, { errors: [{ message: error instanceof Error ? error.message : String(error) }] });
  }
}).listen(Number(env("PORT")), "127.0.0.1");
