import type { FamilyCivilStatus } from "@spx/reference/demo/demo-civil-status";
import { DEMO_PERSONS, DEMO_SEED, type GeneratedPerson, generateFamilies } from "@spx/reference/demo/demo-population";
import type { Prisma } from "../../generated/prisma/index.js";
import type { PopulationPrisma } from "../subgraph.js";

/** Distinct from the migration lock: seeding waits for migrations, not the other way round. */
const SEED_LOCK = 72707370;
const BATCH = 500;
/** Who recorded the demo's civil status, in its history (never a name). */
const DEMO_RECORDER = { recordedBy: "ANR/SYSTEM", recordedBySubject: "demo-seed" } as const;

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : null);

/** The demo's civil facts as rows of each table, with their first version in the history. */
export function civilRows(civil: FamilyCivilStatus) {
  const history: Prisma.CivilStatusRecordCreateManyInput[] = [];
  const version = (
    subjects: (string | null)[],
    kind: string,
    factId: string,
    sourceDocument: string,
    summary: string,
    data: Prisma.InputJsonObject,
  ) => {
    for (const subjectIdcs of new Set(subjects.filter((s): s is string => s !== null))) {
      history.push({ subjectIdcs, kind, factId, sourceDocument, summary, data, ...DEMO_RECORDER });
    }
  };
  for (const m of civil.marriages) {
    const data = {
      marriageId: m.id,
      husbandIdcs: m.husbandIdcs,
      wifeIdcs: m.wifeIdcs,
      since: day(m.since),
      endedOn: day(m.endedOn),
      endReason: m.endReason,
    };
    version(
      [m.husbandIdcs, m.wifeIdcs],
      "MARRIAGE_RECORDED",
      m.id,
      m.sourceDocument,
      `Married on ${day(m.since)}`,
      data,
    );
    if (m.endedOn) {
      version(
        [m.husbandIdcs, m.wifeIdcs],
        "MARRIAGE_ENDED",
        m.id,
        m.sourceDocument,
        `Marriage ended (${m.endReason?.toLowerCase()}) on ${day(m.endedOn)}`,
        data,
      );
    }
  }
  for (const f of civil.filiations) {
    version(
      [f.childIdcs, f.motherIdcs, f.fatherIdcs],
      "FILIATION_RECORDED",
      f.childIdcs,
      f.sourceDocument,
      "Filiation recorded",
      {
        childIdcs: f.childIdcs,
        motherIdcs: f.motherIdcs,
        fatherIdcs: f.fatherIdcs,
      },
    );
  }
  for (const d of civil.disabilities) {
    version(
      [d.idcs],
      "DISABILITY_RECOGNISED",
      d.idcs,
      d.sourceDocument,
      `Disability recognised on ${day(d.certifiedOn)}`,
      {
        certifyingAuthority: d.certifyingAuthority,
        certifiedOn: day(d.certifiedOn),
        reviewOn: day(d.reviewOn),
        permanentIncapacity: d.permanentIncapacity,
      },
    );
  }
  for (const g of civil.guardianships) {
    version(
      [g.childIdcs, g.guardianIdcs],
      "GUARDIANSHIP_RECORDED",
      g.id,
      g.sourceDocument,
      `${g.kind} from ${day(g.since)}`,
      {
        id: g.id,
        kind: g.kind,
        childIdcs: g.childIdcs,
        guardianIdcs: g.guardianIdcs,
        since: day(g.since),
        until: day(g.until),
      },
    );
  }
  return {
    marriage: civil.marriages.map((m) => ({ ...m, ...DEMO_RECORDER })),
    filiation: civil.filiations.map((f) => ({ ...f, ...DEMO_RECORDER })),
    disability: civil.disabilities.map((d) => ({ ...d, ...DEMO_RECORDER })),
    guardianship: civil.guardianships.map((g) => ({ ...g, ...DEMO_RECORDER })),
    history,
  };
}

/** Every person of a family, the main stream's first (representatives before the minors). */
export function personsOf(family: {
  deceased: GeneratedPerson[];
  members: { person: GeneratedPerson }[];
  civil: FamilyCivilStatus;
}) {
  return [
    ...family.deceased,
    ...family.members.map((m) => m.person),
    ...family.civil.relatives,
    ...family.civil.newMembers.map((m) => m.person),
  ];
}

/**
 * Loads the demo population into an empty register, with its civil status, in one transaction:
 * replicas starting together seed once, and a failure leaves the register empty rather than
 * half-filled. The civil facts are the demo's starting state: no event is written for them.
 * Returns how many persons were written (0 when the register already held data).
 */
export async function seedDemoIfEmpty(
  prisma: PopulationPrisma,
  options: { seed?: number; persons?: number } = {},
): Promise<number> {
  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe("SELECT pg_advisory_xact_lock($1)", SEED_LOCK);
      if ((await tx.person.findFirst({ select: { idcs: true } })) !== null) {
        return 0;
      }
      const persons: GeneratedPerson[] = [];
      const civil: ReturnType<typeof civilRows>[] = [];
      for (const family of generateFamilies({
        seed: options.seed ?? DEMO_SEED,
        persons: options.persons ?? DEMO_PERSONS,
      })) {
        persons.push(...personsOf(family));
        civil.push(civilRows(family.civil));
      }
      let written = 0;
      for (let i = 0; i < persons.length; i += BATCH) {
        written += (await tx.person.createMany({ data: persons.slice(i, i + BATCH) })).count;
      }
      // Every person first: a fact may name a person of a later batch.
      const inBatches = async <T>(rows: T[], create: (data: T[]) => Promise<unknown>) => {
        for (let i = 0; i < rows.length; i += BATCH) {
          await create(rows.slice(i, i + BATCH));
        }
      };
      await inBatches(
        civil.flatMap((c) => c.marriage),
        (data) => tx.marriage.createMany({ data }),
      );
      await inBatches(
        civil.flatMap((c) => c.filiation),
        (data) => tx.filiation.createMany({ data }),
      );
      await inBatches(
        civil.flatMap((c) => c.disability),
        (data) => tx.disability.createMany({ data }),
      );
      await inBatches(
        civil.flatMap((c) => c.guardianship),
        (data) => tx.guardianship.createMany({ data }),
      );
      await inBatches(
        civil.flatMap((c) => c.history),
        (data) => tx.civilStatusRecord.createMany({ data }),
      );
      return written;
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
}
