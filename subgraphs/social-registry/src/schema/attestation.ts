import { idcsProblem } from "@spx/reference/idcs";
import { needs } from "@spx/runtime/access";
import { ValidationError } from "@spx/runtime/errors";
import { type AttestationProgram, signAttestation } from "@spx/runtime/tokens";
import { assertHouseholdAllowed, householdPersons } from "../access.js";
import { HouseholdNotFoundError } from "../errors.js";
import { builder } from "./builder.js";
import { eligibilityOf, ProgramEnum } from "./socio-economic-index.js";

interface AttestationShape {
  jws: string;
  idcs: string;
  program: AttestationProgram;
  eligible: boolean;
  asOf: Date;
  expiresAt: Date;
  issuer: string;
  keyId: string;
}

const ELIGIBILITY = needs("social:eligibility");

const EligibilityAttestation = builder.objectRef<AttestationShape>("EligibilityAttestation").implement({
  description:
    "A signed yes/no (compact JWS, typ spx-eligibility+jwt) that a person's household is eligible for a programme, verifiable offline with the published JWKS. It carries no index, threshold or declaration.",
  fields: (t) => ({
    jws: t.exposeString("jws", { ...ELIGIBILITY, description: "The signed statement" }),
    idcs: t.exposeID("idcs", ELIGIBILITY),
    program: t.expose("program", { type: ProgramEnum, ...ELIGIBILITY }),
    eligible: t.exposeBoolean("eligible", ELIGIBILITY),
    asOf: t.expose("asOf", { type: "DateTime", ...ELIGIBILITY, description: "When the statement holds (iat)" }),
    expiresAt: t.expose("expiresAt", {
      type: "DateTime",
      ...ELIGIBILITY,
      description: "When the statement stops holding (exp)",
    }),
    issuer: t.exposeString("issuer", ELIGIBILITY),
    keyId: t.exposeString("keyId", { ...ELIGIBILITY, description: "The signing key's kid in the JWKS" }),
  }),
});

builder.queryField("eligibilityAttestation", (t) =>
  t.field({
    type: EligibilityAttestation,
    ...ELIGIBILITY,
    description:
      "Signs whether the household this person belongs to now is eligible for the programme, from the index in force (no index yet: not eligible). NOT_FOUND when the person belongs to no household.",
    args: {
      idcs: t.arg.id({ required: true }),
      program: t.arg({ type: ProgramEnum, required: true }),
    },
    resolve: async (_root, args, context) => {
      if (idcsProblem(args.idcs)) {
        throw new ValidationError([{ field: "idcs", message: "is not a valid IDCS" }]);
      }
      const program: AttestationProgram = args.program;
      const membership = await context.loaders.membershipOfPerson.load(args.idcs);
      if (!membership) {
        throw new HouseholdNotFoundError();
      }
      const [household, index] = await Promise.all([
        context.loaders.household.load(membership.householdId),
        context.loaders.currentIndex.load(membership.householdId),
      ]);
      if (!household) {
        throw new HouseholdNotFoundError();
      }
      // The rows of Household: nationwide, the caller's region, or the caller's own household.
      await assertHouseholdAllowed(context, household);
      // The answer is about the household, so about each of its members.
      context.trail.add(householdPersons(household, context));
      // Whole seconds: the statement's as-of time is its `iat`.
      const asOf = new Date(Math.floor(Date.now() / 1000) * 1000);
      const decision = index ? eligibilityOf(context, index, asOf).find((e) => e.program === program) : undefined;
      const eligible = decision?.eligible ?? false;
      const { issuer, key, ttlSeconds } = context.attestation;
      const signed = await signAttestation(
        key,
        {
          idcs: args.idcs,
          program,
          eligible,
          modelVersion: decision?.modelVersion,
          asOf,
          audience: context.caller.agency,
        },
        { issuer, ttlSeconds },
      );
      return {
        jws: signed.jws,
        idcs: args.idcs,
        program,
        eligible,
        asOf,
        expiresAt: signed.expiresAt,
        issuer,
        keyId: signed.keyId,
      };
    },
  }),
);
