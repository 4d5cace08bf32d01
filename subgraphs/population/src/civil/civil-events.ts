import { recordEvent } from "@spx/runtime/events";
import type { Prisma } from "../../generated/prisma/index.js";
import { isoDay } from "../domain/civil-status.js";

/*
 * The population register's events (contract section 2), written in the transaction that makes
 * the change, so that an event exists if and only if its change committed. Never a name, never a
 * diagnosis: other registers read what they need through the graph, under their own grants.
 */

type Tx = Prisma.TransactionClient;
const day = (d: Date | null) => (d ? isoDay(d) : null);

export function personDied(tx: Tx, idcs: string, dateOfDeath: Date) {
  return recordEvent(tx, { type: "person.died", subject: idcs, data: { idcs, dateOfDeath: isoDay(dateOfDeath) } });
}

export function personBorn(
  tx: Tx,
  child: { idcs: string; birthDate: Date },
  motherIdcs: string | null,
  fatherIdcs: string | null,
) {
  return recordEvent(tx, {
    type: "person.born",
    subject: child.idcs,
    data: { idcs: child.idcs, birthDate: isoDay(child.birthDate), motherIdcs, fatherIdcs },
  });
}

interface MarriageFacts {
  id: string;
  husbandIdcs: string;
  wifeIdcs: string;
  since: Date;
  endedOn: Date | null;
  endReason: string | null;
}

export function marriageRecorded(tx: Tx, m: MarriageFacts) {
  return recordEvent(tx, {
    type: "marriage.recorded",
    subject: m.id,
    data: { marriageId: m.id, spouses: [m.husbandIdcs, m.wifeIdcs], date: isoDay(m.since) },
  });
}

export function marriageEnded(tx: Tx, m: MarriageFacts) {
  return recordEvent(tx, {
    type: "marriage.ended",
    subject: m.id,
    data: { marriageId: m.id, spouses: [m.husbandIdcs, m.wifeIdcs], date: day(m.endedOn), reason: m.endReason },
  });
}

export function disabilityRecognised(tx: Tx, d: { idcs: string; certifiedOn: Date; reviewOn: Date | null }) {
  return recordEvent(tx, {
    type: "disability.recognised",
    subject: d.idcs,
    data: { idcs: d.idcs, certifiedOn: isoDay(d.certifiedOn), reviewOn: day(d.reviewOn) },
  });
}

interface GuardianshipFacts {
  id: string;
  kind: string;
  childIdcs: string;
  guardianIdcs: string;
  since: Date;
  until: Date | null;
}

export function guardianshipEvent(tx: Tx, type: "guardianship.recorded" | "guardianship.ended", g: GuardianshipFacts) {
  return recordEvent(tx, {
    type,
    subject: g.id,
    data: {
      id: g.id,
      kind: g.kind,
      childIdcs: g.childIdcs,
      guardianIdcs: g.guardianIdcs,
      since: isoDay(g.since),
      until: day(g.until),
    },
  });
}
