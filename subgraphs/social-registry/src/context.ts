import type { GraphClient } from "@spx/runtime/clients";
import type { RequestContext } from "@spx/runtime/server";
import type { SigningKey } from "@spx/runtime/tokens";
import { createLoaders, type Loaders } from "./loaders.js";
import type { RegistryData } from "./registry-data.js";
import type { Reads, RegistryPrisma } from "./subgraph.js";

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
