import { needs, rowAllowed } from "@spx/runtime/access";
import { isUuid, onceInTransaction } from "@spx/runtime/database";
import { ForbiddenError, NotFoundError, ValidationError } from "@spx/runtime/errors";
import {
  closeGuardianship,
  endMarriage,
  insertGuardianship,
  insertMarriage,
  type Recorder,
  requirePersons,
  upsertDisability,
  upsertFiliation,
} from "../civil/civil-store.js";
import type { Context } from "../context.js";
import { isoDay, recorderOf } from "../domain/civil-status.js";
import { today } from "../domain/registration.js";
import { builder } from "./builder.js";
import { GuardianshipKindEnum, GuardianshipRef } from "./civil-status.js";
import { requireIdcs } from "./idcs-arg.js";
import { PERSON_ROWS, Person } from "./person.js";

/*
 * Civil-status mutations (scope civil:register). Each runs in one transaction with its
 * idempotency key: the checks, the current state, its version in the history and its event
 * commit together or not at all.
 */

const REGISTER = needs("civil:register");

export function recorder(context: Context): Recorder {
  return { by: recorderOf(context.caller), subject: context.caller.sub };
}

/** A case worker acts on a fact when one of the persons it concerns lives in their region. */
export async function assertAnyRowAllowed(context: Context, regions: readonly string[], what: string): Promise<void> {
  for (const region of regions) {
    if (await rowAllowed(context, PERSON_ROWS, { region })) {
      return;
    }
  }
  throw new ForbiddenError(`${what} is outside the rows this caller may act on`);
}

function requireDocument(value: string, field = "sourceDocument"): string {
  const text = value.trim();
  if (text.length === 0 || text.length > 200) {
    throw new ValidationError([{ field, message: "is required, at most 200 characters" }]);
  }
  return text;
}

// Requests are hashed with their dates as days: the idempotency hash sees a Date as an empty object.
const KEY_DESCRIPTION = "A retry with the same key returns the first result";

const RecordMarriageInput = builder.inputType("RecordMarriageInput", {
  fields: (t) => ({
    husbandIdcs: t.id({ required: true }),
    wifeIdcs: t.id({ required: true }),
    since: t.field({ type: "Date", required: true, description: "Date of the marriage act" }),
    sourceDocument: t.string({ required: true, description: "Reference of the marriage act" }),
  }),
});

const MarriageDissolutionEnum = builder.enumType("MarriageDissolution", {
  values: ["DIVORCE", "ANNULMENT"] as const,
  description: "How a marriage ends other than by death (a death is recorded with recordDeath)",
});

const RecordFiliationInput = builder.inputType("RecordFiliationInput", {
  fields: (t) => ({
    childIdcs: t.id({ required: true }),
    motherIdcs: t.id({ required: false, description: "Kept as recorded when not given" }),
    fatherIdcs: t.id({ required: false, description: "Kept as recorded when not given" }),
    sourceDocument: t.string({ required: true, description: "Reference of the birth certificate or judgment" }),
  }),
});

const RecordDisabilityInput = builder.inputType("RecordDisabilityInput", {
  fields: (t) => ({
    idcs: t.id({ required: true }),
    certifyingAuthority: t.string({ required: true }),
    certifiedOn: t.field({ type: "Date", required: true }),
    reviewOn: t.field({ type: "Date", required: false, description: "None: no review planned" }),
    permanentIncapacity: t.boolean({ required: true }),
    diagnosis: t.string({ required: false }),
    sourceDocument: t.string({ required: true, description: "Reference of the disability card or certificate" }),
  }),
});

const RecordGuardianshipInput = builder.inputType("RecordGuardianshipInput", {
  fields: (t) => ({
    kind: t.field({ type: GuardianshipKindEnum, required: true }),
    childIdcs: t.id({ required: true }),
    guardianIdcs: t.id({ required: true }),
    since: t.field({ type: "Date", required: true }),
    sourceDocument: t.string({ required: true, description: "Reference of the judgment or kafala order" }),
  }),
});

const MarriagePayload = (name: string) =>
  builder.objectRef<{ marriageId: string; husbandIdcs: string; wifeIdcs: string }>(name).implement({
    fields: (t) => ({
      marriageId: t.id({ ...REGISTER, resolve: (p) => p.marriageId }),
      husband: t.field({ type: Person, ...REGISTER, resolve: (p, _a, c) => c.loaders.person.load(p.husbandIdcs) }),
      wife: t.field({ type: Person, ...REGISTER, resolve: (p, _a, c) => c.loaders.person.load(p.wifeIdcs) }),
    }),
  });

const CivilPersonPayload = (name: string) =>
  builder.objectRef<{ idcs: string }>(name).implement({
    fields: (t) => ({
      person: t.field({ type: Person, ...REGISTER, resolve: (p, _a, c) => c.loaders.person.load(p.idcs) }),
    }),
  });

const GuardianshipPayload = (name: string) =>
  builder.objectRef<{ id: string }>(name).implement({
    fields: (t) => ({
      guardianship: t.field({
        type: GuardianshipRef,
        ...REGISTER,
        resolve: (p, _a, c) => c.prisma.guardianship.findUnique({ where: { id: p.id } }),
      }),
    }),
  });

const RecordMarriagePayload = MarriagePayload("RecordMarriagePayload");
const RecordMarriageEndPayload = MarriagePayload("RecordMarriageEndPayload");
const RecordFiliationPayload = CivilPersonPayload("RecordFiliationPayload");
const RecordDisabilityPayload = CivilPersonPayload("RecordDisabilityPayload");
const RecordGuardianshipPayload = GuardianshipPayload("RecordGuardianshipPayload");
const EndGuardianshipPayload = GuardianshipPayload("EndGuardianshipPayload");

builder.mutationFields((t) => ({
  recordMarriage: t.field({
    type: RecordMarriagePayload,
    ...REGISTER,
    description:
      "Records a marriage. Refused with MARRIAGE_LIMIT_REACHED beyond the marriages a spouse may have in force (husband 4, wife 1: civil rules); recorded as ended by death when a spouse has died",
    args: {
      input: t.arg({ type: RecordMarriageInput, required: true }),
      idempotencyKey: t.arg.string({ required: false, description: KEY_DESCRIPTION }),
    },
    resolve: (_root, { input, idempotencyKey: key }, context) => {
      const value = {
        husbandIdcs: requireIdcs(input.husbandIdcs),
        wifeIdcs: requireIdcs(input.wifeIdcs),
        since: input.since,
        sourceDocument: requireDocument(input.sourceDocument),
      };
      return onceInTransaction(
        context.prisma,
        context.caller,
        { key, operation: "recordMarriage", request: { ...value, since: isoDay(value.since) } },
        async (tx) => {
          const persons = await requirePersons(tx, [
            ["husbandIdcs", value.husbandIdcs],
            ["wifeIdcs", value.wifeIdcs],
          ]);
          await assertAnyRowAllowed(
            context,
            [...persons.values()].map((p) => p.regionCode),
            "This marriage",
          );
          const m = await insertMarriage(tx, recorder(context), value, today());
          return { marriageId: m.id, husbandIdcs: m.husbandIdcs, wifeIdcs: m.wifeIdcs };
        },
      );
    },
  }),
  recordMarriageEnd: t.field({
    type: RecordMarriageEndPayload,
    ...REGISTER,
    description: "Records a divorce or an annulment; NOT_IN_FORCE when the marriage has already ended",
    args: {
      marriageId: t.arg.id({ required: true }),
      endedOn: t.arg({ type: "Date", required: true }),
      reason: t.arg({ type: MarriageDissolutionEnum, required: true }),
      sourceDocument: t.arg.string({ required: true, description: "Reference of the divorce or annulment judgment" }),
      idempotencyKey: t.arg.string({ required: false, description: KEY_DESCRIPTION }),
    },
    resolve: (_root, args, context) => {
      if (!isUuid(args.marriageId)) {
        throw new NotFoundError("Marriage");
      }
      const value = {
        marriageId: args.marriageId,
        endedOn: args.endedOn,
        reason: args.reason,
        sourceDocument: requireDocument(args.sourceDocument),
      };
      return onceInTransaction(
        context.prisma,
        context.caller,
        {
          key: args.idempotencyKey,
          operation: "recordMarriageEnd",
          request: { ...value, endedOn: isoDay(value.endedOn) },
        },
        async (tx) => {
          const m = await endMarriage(tx, recorder(context), value, today(), (regions) =>
            assertAnyRowAllowed(context, regions, "This marriage"),
          );
          return { marriageId: m.id, husbandIdcs: m.husbandIdcs, wifeIdcs: m.wifeIdcs };
        },
      );
    },
  }),
  recordFiliation: t.field({
    type: RecordFiliationPayload,
    ...REGISTER,
    description:
      "Records a child's mother and/or father (a correction is a new version). Refused with FILIATION_CYCLE when a parent descends from the child",
    args: {
      input: t.arg({ type: RecordFiliationInput, required: true }),
      idempotencyKey: t.arg.string({ required: false, description: KEY_DESCRIPTION }),
    },
    resolve: (_root, { input, idempotencyKey: key }, context) => {
      const value = {
        childIdcs: requireIdcs(input.childIdcs),
        motherIdcs: input.motherIdcs ? requireIdcs(input.motherIdcs) : null,
        fatherIdcs: input.fatherIdcs ? requireIdcs(input.fatherIdcs) : null,
        sourceDocument: requireDocument(input.sourceDocument),
      };
      return onceInTransaction(
        context.prisma,
        context.caller,
        { key, operation: "recordFiliation", request: value },
        async (tx) => {
          const persons = await requirePersons(tx, [["childIdcs", value.childIdcs]]);
          await assertAnyRowAllowed(
            context,
            [...persons.values()].map((p) => p.regionCode),
            "This child",
          );
          await upsertFiliation(tx, recorder(context), value, today());
          context.loaders.filiation.clear(value.childIdcs);
          return { idcs: value.childIdcs };
        },
      );
    },
  }),
  recordDisability: t.field({
    type: RecordDisabilityPayload,
    ...REGISTER,
    description: "Records a recognised disability; it replaces the current one, which stays in the history",
    args: {
      input: t.arg({ type: RecordDisabilityInput, required: true }),
      idempotencyKey: t.arg.string({ required: false, description: KEY_DESCRIPTION }),
    },
    resolve: (_root, { input, idempotencyKey: key }, context) => {
      const value = {
        idcs: requireIdcs(input.idcs),
        certifyingAuthority: input.certifyingAuthority,
        certifiedOn: input.certifiedOn,
        reviewOn: input.reviewOn ?? null,
        permanentIncapacity: input.permanentIncapacity,
        diagnosis: input.diagnosis ?? null,
        sourceDocument: requireDocument(input.sourceDocument),
      };
      return onceInTransaction(
        context.prisma,
        context.caller,
        {
          key,
          operation: "recordDisability",
          request: {
            ...value,
            certifiedOn: isoDay(value.certifiedOn),
            reviewOn: value.reviewOn ? isoDay(value.reviewOn) : null,
          },
        },
        async (tx) => {
          const persons = await requirePersons(tx, [["idcs", value.idcs]]);
          await assertAnyRowAllowed(
            context,
            [...persons.values()].map((p) => p.regionCode),
            "This person",
          );
          await upsertDisability(tx, recorder(context), value, today());
          context.loaders.disability.clear(value.idcs);
          return { idcs: value.idcs };
        },
      );
    },
  }),
  recordGuardianship: t.field({
    type: RecordGuardianshipPayload,
    ...REGISTER,
    description: "Records a legal guardianship, custody or kafala from a date",
    args: {
      input: t.arg({ type: RecordGuardianshipInput, required: true }),
      idempotencyKey: t.arg.string({ required: false, description: KEY_DESCRIPTION }),
    },
    resolve: (_root, { input, idempotencyKey: key }, context) => {
      const value = {
        kind: input.kind,
        childIdcs: requireIdcs(input.childIdcs),
        guardianIdcs: requireIdcs(input.guardianIdcs),
        since: input.since,
        sourceDocument: requireDocument(input.sourceDocument),
      };
      return onceInTransaction(
        context.prisma,
        context.caller,
        { key, operation: "recordGuardianship", request: { ...value, since: isoDay(value.since) } },
        async (tx) => {
          const persons = await requirePersons(tx, [
            ["childIdcs", value.childIdcs],
            ["guardianIdcs", value.guardianIdcs],
          ]);
          await assertAnyRowAllowed(
            context,
            [...persons.values()].map((p) => p.regionCode),
            "This guardianship",
          );
          const g = await insertGuardianship(tx, recorder(context), value, today());
          return { id: g.id };
        },
      );
    },
  }),
  endGuardianship: t.field({
    type: EndGuardianshipPayload,
    ...REGISTER,
    description: "Ends a guardianship, custody or kafala on a date; NOT_IN_FORCE when it has already ended",
    args: {
      id: t.arg.id({ required: true }),
      until: t.arg({ type: "Date", required: true }),
      sourceDocument: t.arg.string({ required: false }),
      idempotencyKey: t.arg.string({ required: false, description: KEY_DESCRIPTION }),
    },
    resolve: (_root, args, context) => {
      if (!isUuid(args.id)) {
        throw new NotFoundError("Guardianship");
      }
      const value = {
        id: args.id,
        until: args.until,
        sourceDocument: args.sourceDocument ? requireDocument(args.sourceDocument) : null,
      };
      return onceInTransaction(
        context.prisma,
        context.caller,
        { key: args.idempotencyKey, operation: "endGuardianship", request: { ...value, until: isoDay(value.until) } },
        async (tx) => {
          const g = await closeGuardianship(tx, recorder(context), value, today(), (regions) =>
            assertAnyRowAllowed(context, regions, "This guardianship"),
          );
          return { id: g.id };
        },
      );
    },
  }),
}));
