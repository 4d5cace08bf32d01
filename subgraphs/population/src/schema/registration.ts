import { randomIdcs } from "@spx/reference/idcs";
import { assertRowAllowed, needs } from "@spx/runtime/access";
import { idempotencyScope, isUniqueViolation, once } from "@spx/runtime/database";
import { NotFoundError, PersonDeceasedError, ValidationError } from "@spx/runtime/errors";
import { ageOn } from "@spx/runtime/schema";
import { personBorn, personDied } from "../civil/civil-events.js";
import { endOnDeath, upsertFiliation } from "../civil/civil-store.js";
import type { Context } from "../context.js";
import { isoDay } from "../domain/civil-status.js";
import {
  checkAddress,
  checkRegistration,
  MAJORITY_AGE,
  type RegistrationInput,
  today,
} from "../domain/registration.js";
import { AlreadyDeceasedError, DuplicateCinError, PossibleDuplicateError } from "../errors.js";
import { builder } from "./builder.js";
import { recorder } from "./civil-mutations.js";
import { MilieuEnum, ResidencyStatusEnum, SexEnum } from "./enums.js";
import { requireIdcs } from "./idcs-arg.js";
import { PERSON_ROWS, Person } from "./person.js";

const AddressInput = builder.inputType("AddressInput", {
  fields: (t) => ({
    regionCode: t.string({ required: true, description: "Official region code, 01 to 12" }),
    province: t.string({ required: true }),
    commune: t.string({ required: true }),
    milieu: t.field({ type: MilieuEnum, required: true }),
  }),
});

const RegisterPersonInput = builder.inputType("RegisterPersonInput", {
  fields: (t) => ({
    cin: t.string({ required: false, description: "Required for citizens aged 18 or more" }),
    firstName: t.string({ required: true }),
    lastName: t.string({ required: true }),
    firstNameAr: t.string({ required: true }),
    lastNameAr: t.string({ required: true }),
    sex: t.field({ type: SexEnum, required: true }),
    birthDate: t.field({ type: "Date", required: true }),
    birthPlace: t.string({ required: true }),
    nationality: t.string({ required: true, description: "ISO 3166-1 alpha-3" }),
    residencyStatus: t.field({ type: ResidencyStatusEnum, required: true }),
    address: t.field({ type: AddressInput, required: true }),
    phone: t.string({ required: false }),
    registrationCentre: t.string({ required: true }),
    legalRepresentativeIdcs: t.id({ required: false, description: "Required for a minor" }),
    motherIdcs: t.id({ required: false, description: "The mother, when registered (filiation)" }),
    fatherIdcs: t.id({ required: false, description: "The father, when registered (filiation)" }),
    filiationDocument: t.string({
      required: false,
      description: "Reference of the birth certificate the filiation is taken from (default: the registration)",
    }),
    confirmedDistinctFrom: t.idList({
      required: false,
      description: "IDCS reported by POSSIBLE_DUPLICATE that the registrar confirmed are other people",
    }),
  }),
});

const PersonPayload = (name: string) =>
  builder.objectRef<{ idcs: string }>(name).implement({
    fields: (t) => ({
      person: t.field({
        type: Person,
        ...needs("identity:register"),
        resolve: async ({ idcs }, _args, context) => {
          const person = await context.loaders.person.load(idcs);
          if (!person) {
            throw new NotFoundError("Person");
          }
          return person;
        },
      }),
    }),
  });

const RegisterPersonPayload = PersonPayload("RegisterPersonPayload");
const RecordDeathPayload = PersonPayload("RecordDeathPayload");
const ChangeAddressPayload = PersonPayload("ChangeAddressPayload");

/** How many random IDCS are tried in one lookup; a collision among 800 million is rare. */
const IDCS_CANDIDATES = 4;

async function freshIdcs(tx: Pick<Context["prisma"], "person">): Promise<string> {
  const candidates = Array.from({ length: IDCS_CANDIDATES }, () => randomIdcs());
  const taken = await tx.person.findMany({ where: { idcs: { in: candidates } }, select: { idcs: true } });
  const free = candidates.find((candidate) => !taken.some((row) => row.idcs === candidate));
  if (!free) {
    throw new Error("No free IDCS among the candidates");
  }
  return free;
}

async function register(
  context: Context,
  input: RegistrationInput & {
    confirmedDistinctFrom?: readonly string[] | null;
    motherIdcs?: string | null;
    fatherIdcs?: string | null;
    filiationDocument?: string | null;
  },
  idempotencyKey: string | null | undefined,
): Promise<{ idcs: string }> {
  const day = today();
  const { value, problems } = checkRegistration(input, day);
  if (problems.length > 0) {
    throw new ValidationError(problems);
  }
  await assertRowAllowed(context, PERSON_ROWS, { region: value.regionCode }, "A person of this region");
  const confirmed = new Set(input.confirmedDistinctFrom ?? []);
  const motherIdcs = input.motherIdcs ? requireIdcs(input.motherIdcs) : null;
  const fatherIdcs = input.fatherIdcs ? requireIdcs(input.fatherIdcs) : null;
  try {
    return await context.prisma.$transaction((tx) =>
      once(
        tx,
        {
          scope: idempotencyScope(context.caller),
          key: idempotencyKey,
          operation: "registerPerson",
          // Dates as days: the idempotency hash sees a Date as an empty object.
          request: { ...input, birthDate: isoDay(input.birthDate) },
        },
        async () => {
          if (value.legalRepresentativeIdcs) {
            const representative = await tx.person.findUnique({ where: { idcs: value.legalRepresentativeIdcs } });
            const reason = !representative
              ? "is not in the register"
              : representative.lifeStatus === "DECEASED"
                ? "is deceased"
                : ageOn(representative.birthDate, day) < MAJORITY_AGE
                  ? "is a minor"
                  : null;
            if (reason) {
              throw new ValidationError([{ field: "legalRepresentativeIdcs", message: reason }]);
            }
          }
          if (value.cin && (await tx.person.findUnique({ where: { cin: value.cin }, select: { idcs: true } }))) {
            throw new DuplicateCinError();
          }
          const sameIdentity = await tx.person.findMany({
            where: { birthDate: value.birthDate, nameKey: value.nameKey },
            select: { idcs: true, birthPlace: true },
          });
          const candidates = sameIdentity
            .filter((row) => row.birthPlace.toLowerCase() === value.birthPlace.toLowerCase())
            .map((row) => row.idcs)
            .filter((idcs) => !confirmed.has(idcs));
          if (candidates.length > 0) {
            throw new PossibleDuplicateError(candidates);
          }
          const idcs = await freshIdcs(tx);
          await tx.person.create({ data: { idcs, ...value } });
          if (motherIdcs || fatherIdcs) {
            // The same checks as recordFiliation; a refused parent refuses the registration.
            await upsertFiliation(
              tx,
              recorder(context),
              {
                childIdcs: idcs,
                motherIdcs,
                fatherIdcs,
                sourceDocument: input.filiationDocument?.trim() || `Registration at ${value.registrationCentre}`,
              },
              day,
            );
            // Written for every registration naming a parent (upsertFiliation writes it for a baby only).
            if (day.getTime() - value.birthDate.getTime() >= 365 * 86_400_000) {
              await personBorn(tx, { idcs, birthDate: value.birthDate }, motherIdcs, fatherIdcs);
            }
          }
          return { idcs };
        },
      ),
    );
  } catch (error) {
    // Two registrations of one card racing each other: the unique index decides.
    if (isUniqueViolation(error, "cin")) {
      throw new DuplicateCinError();
    }
    throw error;
  }
}

builder.mutationFields((t) => ({
  registerPerson: t.field({
    type: RegisterPersonPayload,
    ...needs("identity:register"),
    description:
      "Registers a person and issues an IDCS. Refused with DUPLICATE_CIN for a known card, and with POSSIBLE_DUPLICATE when the same names, birth date and birth place are registered.",
    args: {
      input: t.arg({ type: RegisterPersonInput, required: true }),
      idempotencyKey: t.arg.string({
        required: false,
        description: "A retry with the same key returns the first result",
      }),
    },
    resolve: (_root, { input, idempotencyKey }, context) => register(context, input, idempotencyKey),
  }),
  recordDeath: t.field({
    type: RecordDeathPayload,
    ...needs("identity:register"),
    args: {
      idcs: t.arg.id({ required: true }),
      dateOfDeath: t.arg({ type: "Date", required: true }),
      idempotencyKey: t.arg.string({ required: false }),
    },
    resolve: (_root, args, context) => {
      const idcs = requireIdcs(args.idcs);
      return context.prisma.$transaction((tx) =>
        once(
          tx,
          {
            scope: idempotencyScope(context.caller),
            key: args.idempotencyKey,
            operation: "recordDeath",
            request: { idcs, dateOfDeath: isoDay(args.dateOfDeath) },
          },
          async () => {
            const person = await tx.person.findUnique({ where: { idcs } });
            if (!person) {
              throw new NotFoundError("Person");
            }
            await assertRowAllowed(context, PERSON_ROWS, { region: person.regionCode }, "This person");
            if (person.lifeStatus === "DECEASED") {
              throw new AlreadyDeceasedError();
            }
            if (args.dateOfDeath.getTime() > today().getTime()) {
              throw new ValidationError([{ field: "dateOfDeath", message: "is in the future" }]);
            }
            if (args.dateOfDeath.getTime() < person.birthDate.getTime()) {
              throw new ValidationError([{ field: "dateOfDeath", message: "is before the birth date" }]);
            }
            await tx.person.update({
              where: { idcs },
              data: { lifeStatus: "DECEASED", dateOfDeath: args.dateOfDeath },
            });
            await personDied(tx, idcs, args.dateOfDeath);
            await endOnDeath(tx, recorder(context), idcs, args.dateOfDeath);
            context.loaders.person.clear(idcs);
            return { idcs };
          },
        ),
      );
    },
  }),
  changeAddress: t.field({
    type: ChangeAddressPayload,
    ...needs("identity:register"),
    args: {
      idcs: t.arg.id({ required: true }),
      address: t.arg({ type: AddressInput, required: true }),
      idempotencyKey: t.arg.string({ required: false }),
    },
    resolve: (_root, args, context) => {
      const idcs = requireIdcs(args.idcs);
      const problems: { field: string; message: string }[] = [];
      const address = checkAddress(problems, args.address);
      if (problems.length > 0) {
        throw new ValidationError(problems);
      }
      return context.prisma.$transaction((tx) =>
        once(
          tx,
          {
            scope: idempotencyScope(context.caller),
            key: args.idempotencyKey,
            operation: "changeAddress",
            request: { idcs, address },
          },
          async () => {
            const person = await tx.person.findUnique({
              where: { idcs },
              select: { lifeStatus: true, regionCode: true },
            });
            if (!person) {
              throw new NotFoundError("Person");
            }
            // A case worker moves people out of their region, never into it from elsewhere.
            await assertRowAllowed(context, PERSON_ROWS, { region: person.regionCode }, "This person");
            if (person.lifeStatus === "DECEASED") {
              throw new PersonDeceasedError();
            }
            await tx.person.update({ where: { idcs }, data: address });
            context.loaders.person.clear(idcs);
            return { idcs };
          },
        ),
      );
    },
  }),
}));
