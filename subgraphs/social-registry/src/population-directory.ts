import type { GraphClient } from "@spx/runtime/clients";

export interface RegisteredPerson {
  idcs: string;
  birthDate: string;
  lifeStatus: "ALIVE" | "DECEASED";
}

/** Registered in schema/trusted-documents/ANR.json: sent by id, so the text must not drift. */
export const RSU_MEMBERSHIP_CHECK = /* GraphQL */ `query RsuMembershipCheck($idcs: [ID!]!) {
  people(idcs: $idcs) { idcs birthDate lifeStatus }
}`;

/** What the population register says about these persons, asked through the graph in one call. */
export async function lookUpPersons(
  graph: GraphClient,
  idcs: readonly string[],
): Promise<Map<string, RegisteredPerson>> {
  if (idcs.length === 0) {
    return new Map();
  }
  const data = await graph.query<{ people: (RegisteredPerson | null)[] }>(RSU_MEMBERSHIP_CHECK, {
    idcs: [...new Set(idcs)],
  });
  return new Map(data.people.filter((p): p is RegisteredPerson => p !== null).map((p) => [p.idcs, p]));
}
