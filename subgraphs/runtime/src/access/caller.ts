import { REGION_CODES, type RegionCode } from "@spx/reference/regions";
import { z } from "zod";

export { REGION_CODES, type RegionCode };

/**
 * An agency's code, as `schema/agency-catalogue.json` lists it. Which codes exist is data, not
 * code: a token naming a well-formed code the catalogue does not list is refused where it is
 * checked against the catalogue (`listedCaller`), by the gateway and by every subgraph.
 */
export const AGENCY_CODE = /^[A-Z][A-Z0-9_]{1,31}$/;
export type Agency = string;

/** SERVICE is a register asking another register through the graph, under its own identity. */
export const ROLES = ["SYSTEM", "SERVICE", "CASE_WORKER", "ANALYST", "AUDITOR", "CITIZEN"] as const;
export type Role = (typeof ROLES)[number];

const idcsShape = z.string().regex(/^\d{10}$/, "must be 10 digits");

/**
 * Who is asking: the claims every token in this system carries, whether issued to a caller by
 * the identity provider or minted by the gateway for a subgraph. A case worker is bound to a
 * region and a citizen to their own IDCS.
 */
export const callerSchema = z
  .object({
    sub: z.string().min(1).max(200),
    agency: z.string().regex(AGENCY_CODE).optional(),
    role: z.enum(ROLES),
    region: z.enum(REGION_CODES).optional(),
    idcs: idcsShape.optional(),
    purpose: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]{1,63}$/)
      .optional(),
  })
  .superRefine((caller, ctx) => {
    if (caller.role === "CASE_WORKER" && !caller.region) {
      ctx.addIssue({ code: "custom", path: ["region"], message: "a case worker is bound to a region" });
    }
    if (caller.role === "CITIZEN" && !caller.idcs) {
      ctx.addIssue({ code: "custom", path: ["idcs"], message: "a citizen token names the citizen's IDCS" });
    }
    if (caller.role !== "CITIZEN" && !caller.agency) {
      ctx.addIssue({ code: "custom", path: ["agency"], message: "an official acts for an agency" });
    }
  });

export type Caller = z.infer<typeof callerSchema>;

/** Picks the caller's claims out of a verified JWT payload, dropping everything else. */
export function callerFromClaims(payload: Record<string, unknown>): Caller {
  const { sub, agency, role, region, idcs, purpose } = payload;
  return callerSchema.parse({ sub, agency, role, region, idcs, purpose });
}
