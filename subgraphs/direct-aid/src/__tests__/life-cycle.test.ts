import { randomUUID } from "node:crypto";
import type { Caller } from "@spx/runtime/access";
import { loadRuleBook } from "../context.js";
import { addDays, addMonths, endOfDaysAfter, localDay } from "../domain/calendar.js";
import { currentMonth } from "../domain/entitlement.js";
import type { AidHouseholdFacts, AidPerson } from "../domain/household-facts.js";
import { noticeSuspension } from "../services/notices.js";
import { anss, type Harness, startDirectAid } from "./harness.js";

let h: Harness;
const month = currentMonth();
const zone = "Africa/Casablanca";
const today = localDay(new Date(), zone);
const official: Caller = { sub: "anss-official-42", agency: "ANSS", role: "CASE_WORKER", region: "07" };
const elsewhere: Caller = { sub: "anss-official-7", agency: "ANSS", role: "CASE_WORKER", region: "01" };
const citizen = (idcs: string): Caller => ({ sub: `test:${idcs}`, role: "CITIZEN", idcs });

beforeAll(async () => {
  h = await startDirectAid("life-cycle");
});
afterAll(async () => {
  await h?.stop();
});

let next = 3_000_000_000;
function person(birthDate: string, extra: Partial<AidPerson> = {}): AidPerson {
  return { idcs: String(next++), birthDate, sex: "FEMALE", lifeStatus: "ALIVE", dateOfDeath: null, ...extra };
}

/** A married couple and two children (3 and 10, at school), eligible unless `eligible` is false. */
function family(eligible = true) {
  const year = Number(month.slice(0, 4));
  const wife = person("1986-02-02");
  const husband = person("1982-02-02", { sex: "MALE" });
  wife.maritalStatus = "MARRIED";
  wife.marriages = [{ spouse: { idcs: husband.idcs }, since: "2010-01-01", endedOn: null }];
  husband.maritalStatus = "MARRIED";
  husband.marriages = [{ spouse: { idcs: wife.idcs }, since: "2010-01-01", endedOn: null }];
  const parents = { mother: { idcs: wife.idcs }, father: { idcs: husband.idcs } };
  const young = person(`${year - 3}-01-15`, { ...parents, birthRank: 2 });
  const pupil = person(`${year - 10}-01-15`, { ...parents, birthRank: 1 });
  const facts: AidHouseholdFacts = {
    id: randomUUID(),
    regionCode: "07",
    eligibility: [{ program: "DIRECT_AID", eligible, scoreUsed: eligible ? "8.1000000" : "11.2000000" }],
    pendingRevision: false,
    members: [
      { relationship: "HEAD", person: wife },
      { relationship: "SPOUSE", person: husband },
      { relationship: "CHILD", person: young },
      { relationship: "CHILD", person: pupil },
    ],
    declaration: {
      members: [
        { idcs: wife.idcs, occupation: "HOMEMAKER", enrolment: null },
        { idcs: husband.idcs, occupation: "SELF_EMPLOYED", enrolment: null },
        { idcs: young.idcs, occupation: "CHILD", enrolment: null },
        {
          idcs: pupil.idcs,
          occupation: "CHILD",
          enrolment: { level: "PRIMARY", schoolYear: null },
        },
      ],
    },
  };
  h.households.set(facts.id, facts);
  return { facts, wife, husband, young, pupil };
}

const APPLY = /* GraphQL */ `
  mutation($id: ID!, $key: String) {
    applyForDirectAid(householdId: $id, input: { otherFamilyAllowance: false, paymentInstitution: CASH_PLUS }, idempotencyKey: $key) {
      id decision decidedAt appealDeadline
    }
  }
`;
const APPEAL = /* GraphQL */ `
  mutation($id: ID!) { appealDirectAidDecision(applicationId: $id, reason: "Our income fell after a job loss") {
    appeal { status filedAt answerDue } } }
`;
const DECIDE = /* GraphQL */ `
  mutation($id: ID!, $decision: DirectAidAppealDecision!, $key: String) {
    decideDirectAidAppeal(applicationId: $id, decision: $decision, reasons: ["The index was computed on a wrong declaration"], idempotencyKey: $key) {
      appeal { status decidedAt decidedBy decisionReasons }
    }
  }
`;
const RUN = `mutation($m: String!) { runMonthlyPayments(month: $m) { issued alreadyIssued skipped amount } }`;

interface Applied {
  applyForDirectAid: { id: string; decision: string; decidedAt: string; appealDeadline: string };
}

async function refused() {
  const f = family(false);
  const { body } = await h.call<Applied>(APPLY, { id: f.facts.id });
  expect(body.data?.applyForDirectAid.decision).toBe("REFUSED");
  return { ...f, application: body.data?.applyForDirectAid as Applied["applyForDirectAid"] };
}

async function orderOf(householdId: string, m: string) {
  const [order] = await h.db.database.sql.query<{
    amount: number;
    components: { reason: string; amount: number }[];
    beneficiary_idcs: string;
    beneficiary_basis: string;
  }>(
    "SELECT amount, components, beneficiary_idcs, beneficiary_basis FROM payment_order WHERE household_id = $1 AND month = $2",
    [householdId, m],
  );
  return order;
}

describe("appeals", () => {
  it("sets the appeal deadline at the end of the 15th calendar day in Morocco, and refuses an appeal after it", async () => {
    const r = await refused();
    const decided = new Date(r.application.decidedAt);
    expect(r.application.appealDeadline).toBe(endOfDaysAfter(decided, 15, zone).toISOString());
    // The last millisecond of the period is in time; one after it is not.
    await h.db.database.sql.query(
      "UPDATE application SET appeal_deadline = now() - interval '1 millisecond' WHERE id = $1",
      [r.application.id],
    );
    const late = await h.call(APPEAL, { id: r.application.id });
    expect(late.body.errors?.[0]?.extensions?.code).toBe("APPEAL_TOO_LATE");
    await h.db.database.sql.query(
      "UPDATE application SET appeal_deadline = now() + interval '1 minute' WHERE id = $1",
      [r.application.id],
    );
    const inTime = await h.call<{
      appealDirectAidDecision: { appeal: { status: string; filedAt: string; answerDue: string } };
    }>(APPEAL, { id: r.application.id });
    const appeal = inTime.body.data?.appealDirectAidDecision.appeal;
    expect(appeal?.status).toBe("OPEN");
    expect(appeal?.answerDue).toBe(endOfDaysAfter(new Date(appeal?.filedAt ?? 0), 30, zone).toISOString());
  });

  it("is decided by an ANSS official of the region with reasons, once; a rejection enrols nobody", async () => {
    const r = await refused();
    await h.call(APPEAL, { id: r.application.id });
    const other = await h.call(DECIDE, { id: r.application.id, decision: "REJECT" }, elsewhere);
    expect(other.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const payer: Caller = { sub: "test:barid", agency: "BARID_BANK", role: "SYSTEM" };
    expect(
      (await h.call(DECIDE, { id: r.application.id, decision: "REJECT" }, payer)).body.errors?.[0]?.extensions?.code,
    ).toBe("FORBIDDEN");
    const rejected = await h.call<{ decideDirectAidAppeal: { appeal: Record<string, unknown> } }>(
      DECIDE,
      { id: r.application.id, decision: "REJECT", key: "reject-once-1" },
      official,
    );
    expect(rejected.body.errors).toBeUndefined();
    expect(rejected.body.data?.decideDirectAidAppeal.appeal).toMatchObject({
      status: "DISMISSED",
      decidedBy: "anss-official-42",
      decisionReasons: ["The index was computed on a wrong declaration"],
    });
    // The same request again (a lost answer) gives the same answer; a new decision is refused.
    const retried = await h.call(DECIDE, { id: r.application.id, decision: "REJECT", key: "reject-once-1" }, official);
    expect(retried.body.data).toEqual(rejected.body.data);
    const again = await h.call(DECIDE, { id: r.application.id, decision: "ACCEPT" }, official);
    expect(again.body.errors?.[0]?.extensions?.code).toBe("APPEAL_ALREADY_DECIDED");
    expect(await h.app.prisma.enrolment.findUnique({ where: { householdId: r.facts.id } })).toBeNull();
    const notAppealed = await refused();
    const none = await h.call(DECIDE, { id: notAppealed.application.id, decision: "ACCEPT" }, official);
    expect(none.body.errors?.[0]?.extensions?.code).toBe("NOT_APPEALED");
  });

  it("accepted, reinstates from the refused decision's date and pays the arrears once, across runs and retries", async () => {
    const r = await refused();
    await h.call(APPEAL, { id: r.application.id });
    // The refusal was three months ago (the appeal reached the agency in time).
    const decidedAt = new Date(`${addMonths(month, -3)}-10T09:00:00Z`);
    await h.db.database.sql.query("UPDATE application SET decided_at = $2 WHERE id = $1", [
      r.application.id,
      decidedAt,
    ]);
    const accepted = await h.call<{ decideDirectAidAppeal: { appeal: { status: string } } }>(
      DECIDE,
      { id: r.application.id, decision: "ACCEPT" },
      official,
    );
    expect(accepted.body.errors).toBeUndefined();
    expect(accepted.body.data?.decideDirectAidAppeal.appeal.status).toBe("UPHELD");
    const enrolment = await h.app.prisma.enrolment.findUniqueOrThrow({ where: { householdId: r.facts.id } });
    expect(enrolment).toMatchObject({ status: "ACTIVE", since: decidedAt, arrearsFrom: addMonths(month, -3) });
    // The revision the appeal relied on: the household is eligible now.
    r.facts.eligibility = [{ program: "DIRECT_AID", eligible: true, scoreUsed: "8.1000000" }];

    // Two runs of the month at once (a retry while the first is still running).
    const [first, second] = await Promise.all([h.call(RUN, { m: month }, anss), h.call(RUN, { m: month }, anss)]);
    expect(first.body.errors ?? second.body.errors).toBeUndefined();
    const order = await orderOf(r.facts.id, month);
    const arrears = order?.components.filter((c) => c.reason.startsWith("Arrears")) ?? [];
    expect(arrears.map((c) => c.reason)).toEqual(
      [-3, -2, -1].map((d) => `Arrears for ${addMonths(month, d)} (appeal ${enrolmentAppealId(enrolment)})`),
    );
    expect(order?.amount).toBe(order?.components.reduce((s, c) => s + c.amount, 0));
    // A run of a month already paid as arrears issues nothing for it.
    const past = await h.call<{ runMonthlyPayments: { issued: number } }>(RUN, { m: addMonths(month, -1) }, anss);
    expect(past.body.errors).toBeUndefined();
    expect(await orderOf(r.facts.id, addMonths(month, -1))).toBeUndefined();
    const third = await h.call(RUN, { m: month }, anss);
    expect(third.body.errors).toBeUndefined();
    const rows = await h.db.database.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM arrears_payment WHERE household_id = $1",
      [r.facts.id],
    );
    expect(rows[0]?.n).toBe(3);
    expect((await orderOf(r.facts.id, month))?.amount).toBe(order?.amount);
  });
});

function enrolmentAppealId(enrolment: { arrearsAppealId: string | null }): string {
  return enrolment.arrearsAppealId ?? "";
}

describe("payee and orders", () => {
  it("records the husband as the beneficiary of the order; after his death, the mother", async () => {
    const f = family();
    await h.call(APPLY, { id: f.facts.id });
    await h.call(RUN, { m: month }, anss);
    expect(await orderOf(f.facts.id, month)).toMatchObject({
      beneficiary_idcs: f.husband.idcs,
      beneficiary_basis: "HUSBAND",
    });
    const previous = addMonths(month, -1);
    f.husband.lifeStatus = "DECEASED";
    f.husband.dateOfDeath = `${previous}-03`;
    await h.call(RUN, { m: previous }, anss);
    expect(await orderOf(f.facts.id, previous)).toMatchObject({
      beneficiary_idcs: f.wife.idcs,
      beneficiary_basis: "MOTHER",
    });
  });
});

describe("notices", () => {
  const NOTICES = /* GraphQL */ `
    query($id: ID!, $idcs: ID!) {
      _entities(representations: [{ __typename: "Household", id: $id }, { __typename: "Person", idcs: $idcs }]) {
        ... on Household { aidNotices { id kind status effectiveOn contest reason } }
        ... on Person { aidNotices { id status } }
      }
    }
  `;

  async function enrolledWithNotice() {
    const f = family();
    await h.call(APPLY, { id: f.facts.id });
    const book = await loadRuleBook(h.app.prisma);
    const notice = await h.app.prisma.$transaction((tx) =>
      noticeSuspension(tx, book, {
        householdId: f.facts.id,
        reason: "The household's index 11.2000000 is above the direct aid threshold 9.7430010",
        cause: "eligibility.changed",
        causeEventId: randomUUID(),
        today,
      }),
    );
    if (!notice) {
      throw new Error("no notice");
    }
    // Eligibility lost in the social register.
    f.facts.eligibility = [{ program: "DIRECT_AID", eligible: false, scoreUsed: "11.2000000" }];
    return { ...f, notice };
  }

  it("gives 30 days' notice, shown to the household's case workers and to the head, not to other regions", async () => {
    const f = await enrolledWithNotice();
    expect(f.notice.effectiveOn).toBe(addDays(today, 30));
    const mine = await h.call<{
      _entities: { aidNotices: { status: string; effectiveOn: string; contest: string }[] }[];
    }>(NOTICES, { id: f.facts.id, idcs: f.wife.idcs }, citizen(f.wife.idcs));
    expect(mine.body.errors).toBeUndefined();
    expect(mine.body.data?._entities[0]?.aidNotices).toEqual([
      expect.objectContaining({ kind: "SUSPENSION", status: "PENDING", effectiveOn: f.notice.effectiveOn }),
    ]);
    expect(mine.body.data?._entities[0]?.aidNotices[0]?.contest).toMatch(/revision/);
    expect(mine.body.data?._entities[1]?.aidNotices).toHaveLength(1);
    const listed = await h.call<{ aidNotices: { id: string }[] }>("{ aidNotices { id } }", {}, official);
    expect(listed.body.data?.aidNotices.map((n) => n.id)).toContain(f.notice.id);
    const far = await h.call<{ aidNotices: { id: string }[] }>("{ aidNotices { id } }", {}, elsewhere);
    expect(far.body.data?.aidNotices.map((n) => n.id)).not.toContain(f.notice.id);
  });

  it("suspends on the effective day, not the day before; waits while a revision is pending; the run skips with the notice", async () => {
    const f = await enrolledWithNotice();
    const dayBefore = addDays(f.notice.effectiveOn, -1);
    expect(await h.app.notices.applyDue(dayBefore)).toMatchObject({ applied: 0 });
    f.facts.pendingRevision = true;
    expect((await h.app.notices.applyDue(f.notice.effectiveOn)).waiting).toBeGreaterThanOrEqual(1);
    expect((await h.app.prisma.aidNotice.findUniqueOrThrow({ where: { id: f.notice.id } })).status).toBe("PENDING");
    f.facts.pendingRevision = false;
    await h.app.notices.applyDue(f.notice.effectiveOn);
    expect((await h.app.prisma.aidNotice.findUniqueOrThrow({ where: { id: f.notice.id } })).status).toBe("APPLIED");
    expect(await h.app.prisma.enrolment.findUniqueOrThrow({ where: { householdId: f.facts.id } })).toMatchObject({
      status: "SUSPENDED",
      suspendedByNotice: f.notice.id,
    });
    await h.call(RUN, { m: month }, anss);
    const [skip] = await h.db.database.sql.query<{ reason: string }>(
      "SELECT reason FROM payment_skip WHERE household_id = $1 AND month = $2",
      [f.facts.id, month],
    );
    expect(skip?.reason).toBe(
      `Suspended after notice ${f.notice.id}: The household's index 11.2000000 is above the direct aid threshold 9.7430010`,
    );
  });

  it("is cancelled when the household is eligible again by its effective day", async () => {
    const f = await enrolledWithNotice();
    f.facts.eligibility = [{ program: "DIRECT_AID", eligible: true, scoreUsed: "9.1000000" }];
    await h.app.notices.applyDue(f.notice.effectiveOn);
    expect(await h.app.prisma.aidNotice.findUniqueOrThrow({ where: { id: f.notice.id } })).toMatchObject({
      status: "CANCELLED",
      outcome: "The household is eligible again",
    });
    expect((await h.app.prisma.enrolment.findUniqueOrThrow({ where: { householdId: f.facts.id } })).status).toBe(
      "ACTIVE",
    );
  });
});
