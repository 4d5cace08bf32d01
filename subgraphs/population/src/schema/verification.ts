import { normalizeCin } from "@spx/reference/cin";
import { foldName } from "@spx/reference/name-key";
import { needs } from "@spx/runtime/access";
import { ValidationError } from "@spx/runtime/errors";
import { builder } from "./builder.js";
import { SexEnum } from "./enums.js";
import { requireIdcs } from "./idcs-arg.js";

const IdentityClaimsInput = builder.inputType("IdentityClaimsInput", {
  description: "Attributes a person declared to a programme, to be checked against the register",
  fields: (t) => ({
    cin: t.string({ required: false }),
    firstName: t.string({ required: false }),
    lastName: t.string({ required: false }),
    firstNameAr: t.string({ required: false }),
    lastNameAr: t.string({ required: false }),
    sex: t.field({ type: SexEnum, required: false }),
    birthDate: t.field({ type: "Date", required: false }),
    birthPlace: t.string({ required: false }),
    nationality: t.string({ required: false }),
    alive: t.boolean({ required: false, description: "true claims the person is alive" }),
  }),
});

const IdentityAttribute = builder.enumType("IdentityAttribute", {
  values: [
    "CIN",
    "FIRST_NAME",
    "LAST_NAME",
    "FIRST_NAME_AR",
    "LAST_NAME_AR",
    "SEX",
    "BIRTH_DATE",
    "BIRTH_PLACE",
    "NATIONALITY",
    "ALIVE",
  ] as const,
});

type Attribute = typeof IdentityAttribute.$inferType;

const AttributeMatch = builder.objectRef<{ attribute: Attribute; match: boolean }>("AttributeMatch").implement({
  fields: (t) => ({
    attribute: t.expose("attribute", { type: IdentityAttribute, ...needs("identity:verify") }),
    match: t.exposeBoolean("match", needs("identity:verify")),
  }),
});

const IdentityVerification = builder
  .objectRef<{ matched: boolean; attributes: { attribute: Attribute; match: boolean }[] }>("IdentityVerification")
  .implement({
    description: "Yes or no per claimed attribute; never the stored values",
    fields: (t) => ({
      matched: t.exposeBoolean("matched", {
        ...needs("identity:verify"),
        description: "Every claimed attribute matches",
      }),
      attributes: t.field({
        type: [AttributeMatch],
        ...needs("identity:verify"),
        // One per claimed attribute: at most every IdentityAttribute.
        listSize: { assumedSize: 10 },
        resolve: (result) => result.attributes,
      }),
    }),
  });

const sameText = (a: string, b: string) => foldName(a) === foldName(b);

builder.queryField("verifyIdentity", (t) =>
  t.field({
    type: IdentityVerification,
    ...needs("identity:verify"),
    description:
      "e-KYC: checks claimed attributes against the register. An unknown IDCS answers no-match on every attribute, so the answer does not reveal whether it exists.",
    args: {
      idcs: t.arg.id({ required: true }),
      claims: t.arg({ type: IdentityClaimsInput, required: true }),
    },
    resolve: async (_root, args, context) => {
      const idcs = requireIdcs(args.idcs);
      const claims = args.claims;
      const person = await context.loaders.person.load(idcs);
      // A yes/no about a registered person is still data about them.
      if (person) {
        context.trail.add(idcs);
      }
      const checks: [Attribute, unknown, (p: NonNullable<typeof person>) => boolean][] = [
        ["CIN", claims.cin, (p) => p.cin !== null && p.cin === normalizeCin(claims.cin ?? "")],
        ["FIRST_NAME", claims.firstName, (p) => sameText(p.firstName, claims.firstName ?? "")],
        ["LAST_NAME", claims.lastName, (p) => sameText(p.lastName, claims.lastName ?? "")],
        ["FIRST_NAME_AR", claims.firstNameAr, (p) => sameText(p.firstNameAr, claims.firstNameAr ?? "")],
        ["LAST_NAME_AR", claims.lastNameAr, (p) => sameText(p.lastNameAr, claims.lastNameAr ?? "")],
        ["SEX", claims.sex, (p) => p.sex === claims.sex],
        ["BIRTH_DATE", claims.birthDate, (p) => p.birthDate.getTime() === claims.birthDate?.getTime()],
        ["BIRTH_PLACE", claims.birthPlace, (p) => sameText(p.birthPlace, claims.birthPlace ?? "")],
        ["NATIONALITY", claims.nationality, (p) => p.nationality === claims.nationality?.trim().toUpperCase()],
        ["ALIVE", claims.alive, (p) => (p.lifeStatus === "ALIVE") === claims.alive],
      ];
      const claimed = checks.filter(([, value]) => value !== null && value !== undefined);
      if (claimed.length === 0) {
        throw new ValidationError([{ field: "claims", message: "claim at least one attribute" }]);
      }
      const attributes = claimed.map(([attribute, , matches]) => ({
        attribute,
        match: person ? matches(person) : false,
      }));
      return { matched: attributes.every((a) => a.match), attributes };
    },
  }),
);
