import { randomUUID } from "node:crypto";
import { type FieldProblem, NotFoundError, ValidationError } from "@spx/runtime/errors";
import type { Prisma } from "../../generated/prisma/index.js";
import {
  CivilRules,
  checkDisability,
  checkGuardianship,
  checkParent,
  checkSpouses,
  endedByDeath,
  type GuardianshipKind,
  isoDay,
  notInFuture,
  overlaps,
  type PersonFacts,
  RULES,
} from "../domain/civil-status.js";
import { AlreadyRecordedError, FiliationCycleError, MarriageLimitError, NotInForceError } from "../errors.js";
import {
  disabilityRecognised,
  guardianshipEvent,
  marriageEnded,
  marriageRecorded,
  personBorn,
} from "./civil-events.js";

/*
 * Civil-status writes, inside the caller's transaction: check, write the current state, append
 * the version to civil_status_record (one row per person concerned) and write the event. Nothing
 * here commits; a refusal throws before anything is written or rolls the transaction back.
 */

type Tx = Prisma.TransactionClient;

/** Who records: the agency and role (shown) and the token subject (kept), never a name. */
export interface Recorder {
  by: string;
  subject: string;
}

const DAY_MS = 86_400_000;

export async function loadRules(tx: Tx): Promise<CivilRules> {
  return new CivilRules(await tx.civilRule.findMany());
}

/** The persons named, or a BAD_USER_INPUT naming the fields whose person is not registered. */
export async function requirePersons(
  tx: Tx,
  named: readonly (readonly [field: string, idcs: string])[],
): Promise<Map<string, PersonFacts & { regionCode: string }>> {
  const rows = await tx.person.findMany({
    where: { idcs: { in: named.map(([, idcs]) => idcs) } },
    select: { idcs: true, sex: true, birthDate: true, dateOfDeath: true, regionCode: true },
  });
  const found = new Map(rows.map((row) => [row.idcs, row]));
  const missing = named
    .filter(([, idcs]) => !found.has(idcs))
    .map(([field]) => ({ field, message: "is not in the register" }));
  if (missing.length > 0) {
    throw new ValidationError(missing);
  }
  return found;
}

function refuseIf(problems: FieldProblem[]): void {
  if (problems.length > 0) {
    throw new ValidationError(problems);
  }
}

interface HistoryRow {
  subjectIdcs: string;
  kind: string;
  factId: string;
  sourceDocument: string | null;
  summary: string;
  data: Prisma.InputJsonValue;
}

export async function appendHistory(tx: Tx, recorder: Recorder, rows: readonly HistoryRow[]): Promise<void> {
  if (rows.length > 0) {
    await tx.civilStatusRecord.createMany({
      data: rows.map((row) => ({ ...row, recordedBy: recorder.by, recordedBySubject: recorder.subject })),
    });
  }
}

type MarriageRow = Prisma.MarriageGetPayload<object>;

const marriageData = (m: MarriageRow) => ({
  marriageId: m.id,
  husbandIdcs: m.husbandIdcs,
  wifeIdcs: m.wifeIdcs,
  since: isoDay(m.since),
  endedOn: m.endedOn ? isoDay(m.endedOn) : null,
  endReason: m.endReason,
});

function marriageHistory(m: MarriageRow, kind: string, summary: string, sourceDocument: string | null): HistoryRow[] {
  return [m.husbandIdcs, m.wifeIdcs].map((subjectIdcs) => ({
    subjectIdcs,
    kind,
    factId: m.id,
    sourceDocument,
    summary,
    data: marriageData(m),
  }));
}

export interface MarriageInput {
  husbandIdcs: string;
  wifeIdcs: string;
  since: Date;
  sourceDocument: string;
}

/**
 * A marriage. A spouse already deceased ends it on the first death (recorded late, the marriage
 * is history). The number of marriages in force is checked over the new marriage's whole period.
 */
export async function insertMarriage(tx: Tx, recorder: Recorder, input: MarriageInput, today: Date) {
  const persons = await requirePersons(tx, [
    ["husbandIdcs", input.husbandIdcs],
    ["wifeIdcs", input.wifeIdcs],
  ]);
  const husband = persons.get(input.husbandIdcs) as PersonFacts;
  const wife = persons.get(input.wifeIdcs) as PersonFacts;
  const problems: FieldProblem[] = [];
  checkSpouses(problems, husband, wife, input.since, today);
  refuseIf(problems);
  const rules = await loadRules(tx);
  const death = endedByDeath(husband, wife);
  const period = { since: input.since, endedOn: death };
  const existing = await tx.marriage.findMany({
    where: { OR: [{ husbandIdcs: input.husbandIdcs }, { wifeIdcs: input.wifeIdcs }] },
  });
  const valid = existing.filter((m) => m.endReason !== "ANNULMENT" && overlaps(m, period));
  const husbandMax = rules.on(RULES.maxMarriagesHusband, input.since);
  const wifeMax = rules.on(RULES.maxMarriagesWife, input.since);
  if (valid.filter((m) => m.husbandIdcs === input.husbandIdcs).length >= husbandMax) {
    throw new MarriageLimitError("husbandIdcs", husbandMax);
  }
  if (valid.filter((m) => m.wifeIdcs === input.wifeIdcs).length >= wifeMax) {
    throw new MarriageLimitError("wifeIdcs", wifeMax);
  }
  const marriage = await tx.marriage.create({
    data: {
      id: randomUUID(),
      husbandIdcs: input.husbandIdcs,
      wifeIdcs: input.wifeIdcs,
      since: input.since,
      endedOn: death,
      endReason: death ? "DEATH" : null,
      sourceDocument: input.sourceDocument,
      recordedBy: recorder.by,
      recordedBySubject: recorder.subject,
    },
  });
  await appendHistory(
    tx,
    recorder,
    marriageHistory(marriage, "MARRIAGE_RECORDED", `Married on ${isoDay(input.since)}`, input.sourceDocument),
  );
  await marriageRecorded(tx, marriage);
  if (death) {
    await appendHistory(
      tx,
      recorder,
      marriageHistory(marriage, "MARRIAGE_ENDED", `Marriage ended by death on ${isoDay(death)}`, null),
    );
    await marriageEnded(tx, marriage);
  }
  return marriage;
}

export async function endMarriage(
  tx: Tx,
  recorder: Recorder,
  input: { marriageId: string; endedOn: Date; reason: "DIVORCE" | "ANNULMENT"; sourceDocument: string },
  today: Date,
  allowed: (regions: string[]) => Promise<void>,
) {
  const marriage = await tx.marriage.findUnique({ where: { id: input.marriageId } });
  if (!marriage) {
    throw new NotFoundError("Marriage");
  }
  const persons = await requirePersons(tx, [
    ["husbandIdcs", marriage.husbandIdcs],
    ["wifeIdcs", marriage.wifeIdcs],
  ]);
  await allowed([...persons.values()].map((p) => p.regionCode));
  if (marriage.endedOn) {
    throw new NotInForceError("This marriage");
  }
  const problems: FieldProblem[] = [];
  notInFuture(problems, "endedOn", input.endedOn, today);
  if (input.endedOn.getTime() < marriage.since.getTime()) {
    problems.push({ field: "endedOn", message: "is before the marriage date" });
  }
  refuseIf(problems);
  const ended = await tx.marriage.update({
    where: { id: marriage.id },
    data: { endedOn: input.endedOn, endReason: input.reason, endSourceDocument: input.sourceDocument },
  });
  const what = input.reason === "DIVORCE" ? "Divorced" : "Marriage annulled";
  await appendHistory(
    tx,
    recorder,
    marriageHistory(ended, "MARRIAGE_ENDED", `${what} on ${isoDay(input.endedOn)}`, input.sourceDocument),
  );
  await marriageEnded(tx, ended);
  return ended;
}

/** Whether `ancestor` descends from `idcs` through recorded filiation (a cycle if made a parent). */
async function isDescendant(tx: Tx, idcs: string, ancestor: string): Promise<boolean> {
  const rows = await tx.$queryRawUnsafe<{ found: boolean }[]>(
    `WITH RECURSIVE descendant(idcs) AS (
       SELECT child_idcs FROM filiation WHERE mother_idcs = $1 OR father_idcs = $1
       UNION
       SELECT f.child_idcs FROM filiation f JOIN descendant d ON f.mother_idcs = d.idcs OR f.father_idcs = d.idcs
     )
     SELECT EXISTS (SELECT 1 FROM descendant WHERE idcs = $2) AS found`,
    idcs,
    ancestor,
  );
  return rows[0]?.found === true;
}

export interface FiliationInput {
  childIdcs: string;
  motherIdcs?: string | null;
  fatherIdcs?: string | null;
  sourceDocument: string;
}

/**
 * A child's mother and/or father. A parent not named keeps what was recorded; naming another one
 * is a correction, kept as a new version. `person.born` is written for a child under one year.
 */
export async function upsertFiliation(tx: Tx, recorder: Recorder, input: FiliationInput, today: Date) {
  const named: [string, string][] = [["childIdcs", input.childIdcs]];
  if (input.motherIdcs) {
    named.push(["motherIdcs", input.motherIdcs]);
  }
  if (input.fatherIdcs) {
    named.push(["fatherIdcs", input.fatherIdcs]);
  }
  if (named.length === 1) {
    throw new ValidationError([{ field: "motherIdcs", message: "or fatherIdcs is required" }]);
  }
  const persons = await requirePersons(tx, named);
  const child = persons.get(input.childIdcs) as PersonFacts;
  const rules = await loadRules(tx);
  const problems: FieldProblem[] = [];
  for (const [field, idcs] of named.slice(1) as ["motherIdcs" | "fatherIdcs", string][]) {
    checkParent(problems, field, persons.get(idcs) as PersonFacts, child, rules);
  }
  refuseIf(problems);
  for (const [field, idcs] of named.slice(1)) {
    if (await isDescendant(tx, input.childIdcs, idcs)) {
      throw new FiliationCycleError(field);
    }
  }
  const previous = await tx.filiation.findUnique({ where: { childIdcs: input.childIdcs } });
  const motherIdcs = input.motherIdcs ?? previous?.motherIdcs ?? null;
  const fatherIdcs = input.fatherIdcs ?? previous?.fatherIdcs ?? null;
  const common = { sourceDocument: input.sourceDocument, recordedBy: recorder.by, recordedBySubject: recorder.subject };
  const filiation = await tx.filiation.upsert({
    where: { childIdcs: input.childIdcs },
    create: { childIdcs: input.childIdcs, motherIdcs, fatherIdcs, ...common },
    update: { motherIdcs, fatherIdcs, ...common, recordedAt: new Date() },
  });
  const data = { childIdcs: input.childIdcs, motherIdcs, fatherIdcs };
  const subjects = new Set([input.childIdcs, motherIdcs, fatherIdcs].filter((s): s is string => s !== null));
  await appendHistory(
    tx,
    recorder,
    [...subjects].map((subjectIdcs) => ({
      subjectIdcs,
      kind: "FILIATION_RECORDED",
      factId: input.childIdcs,
      sourceDocument: input.sourceDocument,
      summary: previous ? "Filiation corrected" : "Filiation recorded",
      data,
    })),
  );
  if (today.getTime() - child.birthDate.getTime() < 365 * DAY_MS) {
    await personBorn(tx, child, motherIdcs, fatherIdcs);
  }
  return filiation;
}

export interface DisabilityInput {
  idcs: string;
  certifyingAuthority: string;
  certifiedOn: Date;
  reviewOn?: Date | null;
  permanentIncapacity: boolean;
  diagnosis?: string | null;
  sourceDocument: string;
}

export async function upsertDisability(tx: Tx, recorder: Recorder, input: DisabilityInput, today: Date) {
  const persons = await requirePersons(tx, [["idcs", input.idcs]]);
  const person = persons.get(input.idcs) as PersonFacts;
  const problems: FieldProblem[] = [];
  const reviewOn = input.reviewOn ?? null;
  checkDisability(problems, person, input.certifiedOn, reviewOn, today);
  if (input.certifyingAuthority.trim() === "") {
    problems.push({ field: "certifyingAuthority", message: "is required" });
  }
  refuseIf(problems);
  const data = {
    certifyingAuthority: input.certifyingAuthority.trim(),
    certifiedOn: input.certifiedOn,
    reviewOn,
    permanentIncapacity: input.permanentIncapacity,
    diagnosis: input.diagnosis?.trim() || null,
    sourceDocument: input.sourceDocument,
    recordedBy: recorder.by,
    recordedBySubject: recorder.subject,
  };
  const disability = await tx.disability.upsert({
    where: { idcs: input.idcs },
    create: { idcs: input.idcs, ...data },
    update: { ...data, recordedAt: new Date() },
  });
  // The history keeps the diagnosis too: it is read under the same scopes as the current one.
  await appendHistory(tx, recorder, [
    {
      subjectIdcs: input.idcs,
      kind: "DISABILITY_RECOGNISED",
      factId: input.idcs,
      sourceDocument: input.sourceDocument,
      summary: `Disability recognised on ${isoDay(input.certifiedOn)}${reviewOn ? `, review on ${isoDay(reviewOn)}` : ""}`,
      data: {
        certifyingAuthority: data.certifyingAuthority,
        certifiedOn: isoDay(input.certifiedOn),
        reviewOn: reviewOn ? isoDay(reviewOn) : null,
        permanentIncapacity: input.permanentIncapacity,
      },
    },
  ]);
  await disabilityRecognised(tx, disability);
  return disability;
}

type GuardianshipRow = Prisma.GuardianshipGetPayload<object>;

function guardianshipHistory(
  g: GuardianshipRow,
  kind: string,
  summary: string,
  sourceDocument: string | null,
): HistoryRow[] {
  const data = {
    id: g.id,
    kind: g.kind,
    childIdcs: g.childIdcs,
    guardianIdcs: g.guardianIdcs,
    since: isoDay(g.since),
    until: g.until ? isoDay(g.until) : null,
  };
  return [g.childIdcs, g.guardianIdcs].map((subjectIdcs) => ({
    subjectIdcs,
    kind,
    factId: g.id,
    sourceDocument,
    summary,
    data,
  }));
}

export interface GuardianshipInput {
  kind: GuardianshipKind;
  childIdcs: string;
  guardianIdcs: string;
  since: Date;
  sourceDocument: string;
}

export async function insertGuardianship(tx: Tx, recorder: Recorder, input: GuardianshipInput, today: Date) {
  const persons = await requirePersons(tx, [
    ["childIdcs", input.childIdcs],
    ["guardianIdcs", input.guardianIdcs],
  ]);
  const rules = await loadRules(tx);
  const problems: FieldProblem[] = [];
  checkGuardianship(
    problems,
    input.kind,
    persons.get(input.childIdcs) as PersonFacts,
    persons.get(input.guardianIdcs) as PersonFacts,
    input.since,
    today,
    rules,
  );
  refuseIf(problems);
  const same = await tx.guardianship.findFirst({
    where: { kind: input.kind, childIdcs: input.childIdcs, guardianIdcs: input.guardianIdcs, until: null },
    select: { id: true },
  });
  if (same) {
    throw new AlreadyRecordedError("This guardianship is already in force");
  }
  const guardianship = await tx.guardianship.create({
    data: {
      id: randomUUID(),
      kind: input.kind,
      childIdcs: input.childIdcs,
      guardianIdcs: input.guardianIdcs,
      since: input.since,
      sourceDocument: input.sourceDocument,
      recordedBy: recorder.by,
      recordedBySubject: recorder.subject,
    },
  });
  await appendHistory(
    tx,
    recorder,
    guardianshipHistory(
      guardianship,
      "GUARDIANSHIP_RECORDED",
      `${input.kind} from ${isoDay(input.since)}`,
      input.sourceDocument,
    ),
  );
  await guardianshipEvent(tx, "guardianship.recorded", guardianship);
  return guardianship;
}

export async function closeGuardianship(
  tx: Tx,
  recorder: Recorder,
  input: { id: string; until: Date; sourceDocument: string | null },
  today: Date,
  allowed: (regions: string[]) => Promise<void>,
) {
  const guardianship = await tx.guardianship.findUnique({ where: { id: input.id } });
  if (!guardianship) {
    throw new NotFoundError("Guardianship");
  }
  const persons = await requirePersons(tx, [
    ["childIdcs", guardianship.childIdcs],
    ["guardianIdcs", guardianship.guardianIdcs],
  ]);
  await allowed([...persons.values()].map((p) => p.regionCode));
  if (guardianship.until) {
    throw new NotInForceError("This guardianship");
  }
  const problems: FieldProblem[] = [];
  notInFuture(problems, "until", input.until, today);
  if (input.until.getTime() < guardianship.since.getTime()) {
    problems.push({ field: "until", message: "is before since" });
  }
  refuseIf(problems);
  const ended = await tx.guardianship.update({
    where: { id: guardianship.id },
    data: { until: input.until, endSourceDocument: input.sourceDocument },
  });
  await appendHistory(
    tx,
    recorder,
    guardianshipHistory(
      ended,
      "GUARDIANSHIP_ENDED",
      `${ended.kind} ended on ${isoDay(input.until)}`,
      input.sourceDocument,
    ),
  );
  await guardianshipEvent(tx, "guardianship.ended", ended);
  return ended;
}

/**
 * What a death ends, on its day: the person's marriages in force (reason DEATH) and the
 * guardianships in force where they are the child or the guardian. A marriage or guardianship
 * that starts after the day of death makes the death's date incoherent: refused.
 */
export async function endOnDeath(tx: Tx, recorder: Recorder, idcs: string, dateOfDeath: Date): Promise<void> {
  const marriages = await tx.marriage.findMany({
    where: { OR: [{ husbandIdcs: idcs }, { wifeIdcs: idcs }] },
  });
  const guardianships = await tx.guardianship.findMany({
    where: { OR: [{ childIdcs: idcs }, { guardianIdcs: idcs }] },
  });
  const problems: FieldProblem[] = [];
  if (marriages.some((m) => m.since.getTime() > dateOfDeath.getTime())) {
    problems.push({ field: "dateOfDeath", message: "is before a recorded marriage of this person" });
  }
  if (guardianships.some((g) => g.since.getTime() > dateOfDeath.getTime())) {
    problems.push({ field: "dateOfDeath", message: "is before a recorded guardianship of this person" });
  }
  refuseIf(problems);
  for (const marriage of marriages.filter((m) => m.endedOn === null)) {
    const ended = await tx.marriage.update({
      where: { id: marriage.id },
      data: { endedOn: dateOfDeath, endReason: "DEATH" },
    });
    await appendHistory(
      tx,
      recorder,
      marriageHistory(ended, "MARRIAGE_ENDED", `Marriage ended by death on ${isoDay(dateOfDeath)}`, null),
    );
    await marriageEnded(tx, ended);
  }
  for (const guardianship of guardianships.filter((g) => g.until === null)) {
    const ended = await tx.guardianship.update({ where: { id: guardianship.id }, data: { until: dateOfDeath } });
    await appendHistory(
      tx,
      recorder,
      guardianshipHistory(ended, "GUARDIANSHIP_ENDED", `${ended.kind} ended by death on ${isoDay(dateOfDeath)}`, null),
    );
    await guardianshipEvent(tx, "guardianship.ended", ended);
  }
}
