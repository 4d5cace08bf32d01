import type { GraphClient } from "@spx/runtime/clients";
import type { RequestContext } from "@spx/runtime/server";
import type { SigningKey } from "@spx/runtime/tokens";
import DataLoader from "dataloader";
import type { Declaration, Household, IndexComputation, Membership } from "../generated/prisma/index.js";
import type { RegistryData } from "./registry-data.js";
import type { Reads, RegistryPrisma } from "./subgraph.js";

export interface Loaders {
  household: DataLoader<string, Household | null>;
  /** The open membership of each person, if any. */
  membershipOfPerson: DataLoader<string, Membership | null>;
  /** Current members of each household. */
  members: DataLoader<string, Membership[]>;
  currentIndex: DataLoader<string, IndexComputation | null>;
  latestDeclaration: DataLoader<string, Declaration | null>;
}

/** How the register signs eligibility attestations. */
export interface AttestationSigning {
  key: SigningKey;
  issuer: string;
  ttlSeconds: number;
}

export interface Context extends RequestContext {
  prisma: RegistryPrisma;
  loaders: Loaders;
  data: RegistryData;
  graph: GraphClient;
  attestation: AttestationSigning;
  /**
   * The household the caller (a citizen, by `caller.idcs`) belongs to now, or null: asked at most
   * once per request, so that the `self` row policy costs no query per row.
   */
  callerHouseholdId: () => Promise<string | null>;
}

function byKey<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): (V | null)[] {
  const map = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => map.get(key) ?? null);
}

/** One SQL statement per loader per tick, however many households or persons are asked for. */
export function createLoaders(prisma: RegistryPrisma, reads: Reads): Loaders {
  return {
    household: new DataLoader(async (ids) =>
      byKey(ids, await reads.household.find({ key: "id", keys: ids }), (h) => h.id),
    ),
    membershipOfPerson: new DataLoader(async (idcs) =>
      byKey(
        idcs,
        await reads.membership.find({ key: "personIdcs", keys: idcs, where: { until: null } }),
        (m) => m.personIdcs,
      ),
    ),
    members: new DataLoader(async (ids) => {
      const rows = await reads.membership.find({
        key: "householdId",
        keys: ids,
        where: { until: null },
        orderBy: [
          ["since", "asc"],
          ["id", "asc"],
        ],
      });
      return ids.map((id) => rows.filter((row) => row.householdId === id));
    }),
    currentIndex: new DataLoader(async (ids) =>
      byKey(
        ids,
        await reads.indexComputation.find({ key: "householdId", keys: ids, where: { current: true } }),
        (c) => c.householdId,
      ),
    ),
    latestDeclaration: new DataLoader(async (ids) => {
      const rows = await prisma.$queryRawUnsafe<{ id: string; household_id: string }[]>(
        `SELECT DISTINCT ON (household_id) id, household_id FROM declaration
         WHERE household_id = ANY($1::uuid[]) ORDER BY household_id, version DESC`,
        [...ids],
      );
      const latest = await prisma.declaration.findMany({ where: { id: { in: rows.map((r) => r.id) } } });
      return byKey(ids, latest, (d) => d.householdId);
    }),
  };
}

/** Memoises the caller's own household for the request; callers without an IDCS have none. */
function callerHousehold(caller: RequestContext["caller"], loaders: Loaders): () => Promise<string | null> {
  let pending: Promise<string | null> | undefined;
  return () => {
    if (!pending) {
      const { idcs } = caller;
      pending = idcs
        ? loaders.membershipOfPerson.load(idcs).then((membership) => membership?.householdId ?? null)
        : Promise.resolve(null);
    }
    return pending;
  };
}

export function createContext(
  prisma: RegistryPrisma,
  reads: Reads,
  data: RegistryData,
  graph: GraphClient,
  attestation: AttestationSigning,
) {
  return (base: RequestContext): Context => {
    const loaders = createLoaders(prisma, reads);
    return {
      ...base,
      prisma,
      data,
      graph,
      attestation,
      loaders,
      callerHouseholdId: callerHousehold(base.caller, loaders),
    };
  };
}
