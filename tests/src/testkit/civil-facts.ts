import { randomUUID } from "node:crypto";
import type { RunningSystem } from "./start-system.js";

/** Facts recorded in the population register for one person, as the console tests read them back. */
export interface CivilFacts {
  spouse: { idcs: string; firstName: string; lastName: string };
  ward: { idcs: string; firstName: string; lastName: string };
  /** The disability's review date and diagnosis: a case worker's file must show neither. */
  reviewOn: string;
  diagnosis: string;
}

interface Row {
  idcs: string;
  first_name: string;
  last_name: string;
}

/**
 * Records through the graph, as the registrar would (ANR's SYSTEM grant, `civil:register`), a
 * marriage to a person of the other sex, a recognised disability with a review date and a
 * diagnosis, and a kafala of a child of the same region held by the person. The demo data has no
 * civil status yet, so the console tests make their own.
 */
export async function recordCivilFacts(system: RunningSystem, idcs: string, region: string): Promise<CivilFacts> {
  const sql = system.populationDb.database.sql;
  const [me] = await sql.query<{ sex: "MALE" | "FEMALE" }>("SELECT sex FROM person WHERE idcs = $1", [idcs]);
  const other = me!.sex === "MALE" ? "FEMALE" : "MALE";
  const [spouse] = await sql.query<Row>(
    `SELECT idcs, first_name, last_name FROM person
      WHERE region_code = $1 AND sex = $2 AND idcs <> $3 AND date_of_death IS NULL AND birth_date < '1995-01-01'
      ORDER BY idcs LIMIT 1`,
    [region, other, idcs],
  );
  const [ward] = await sql.query<Row>(
    `SELECT idcs, first_name, last_name FROM person
      WHERE region_code = $1 AND idcs NOT IN ($2, $3) AND date_of_death IS NULL
        AND birth_date > '2014-01-01' AND birth_date < '2024-01-01'
      ORDER BY idcs LIMIT 1`,
    [region, idcs, spouse!.idcs],
  );
  const token = await system.token({ sub: "test:registrar", agency: "ANR", role: "SYSTEM", purpose: "REGISTRATION" });
  const ask = async (document: string, variables: Record<string, unknown>) => {
    const { body } = await system.query(token, document, { ...variables, key: randomUUID() });
    if (body.errors?.length) {
      throw new Error(`recording a civil fact failed: ${JSON.stringify(body.errors)}`);
    }
  };
  const [husband, wife] = me!.sex === "MALE" ? [idcs, spouse!.idcs] : [spouse!.idcs, idcs];
  await ask(
    `mutation ($input: RecordMarriageInput!, $key: String) { recordMarriage(input: $input, idempotencyKey: $key) { marriageId } }`,
    {
      input: { husbandIdcs: husband, wifeIdcs: wife, since: "2012-06-16", sourceDocument: "Acte de mariage 2012/118" },
    },
  );
  const reviewOn = "2030-03-31";
  const diagnosis = "Diagnostic confidentiel de test";
  await ask(
    `mutation ($input: RecordDisabilityInput!, $key: String) { recordDisability(input: $input, idempotencyKey: $key) { person { idcs } } }`,
    {
      input: {
        idcs,
        certifyingAuthority: "Commission provinciale du handicap",
        certifiedOn: "2025-04-01",
        reviewOn,
        permanentIncapacity: false,
        diagnosis,
        sourceDocument: "Carte de handicap 2025/77",
      },
    },
  );
  await ask(
    `mutation ($input: RecordGuardianshipInput!, $key: String) { recordGuardianship(input: $input, idempotencyKey: $key) { guardianship { id } } }`,
    {
      input: {
        kind: "KAFALA",
        childIdcs: ward!.idcs,
        guardianIdcs: idcs,
        since: "2025-03-01",
        sourceDocument: "Ordonnance de kafala 2025/12",
      },
    },
  );
  const person = (row: Row) => ({ idcs: row.idcs, firstName: row.first_name, lastName: row.last_name });
  return { spouse: person(spouse!), ward: person(ward!), reviewOn, diagnosis };
}
