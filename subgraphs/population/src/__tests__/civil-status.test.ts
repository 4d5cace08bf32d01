import {
  addDays,
  addYears,
  adult,
  anss,
  citizen,
  cnss,
  codeOf,
  count,
  day,
  disability,
  type ErrorBody,
  endMarriage,
  events,
  filiation,
  guardianship,
  marry,
  recordDeath,
  register,
  today,
} from "./civil-support.js";
import { type Harness, startPopulation } from "./harness.js";

let h: Harness;

beforeAll(async () => {
  h = await startPopulation("civil-status");
});
afterAll(async () => {
  await h?.stop();
});

const CIVIL = /* GraphQL */ `
  query($i: ID!) {
    person(idcs: $i) {
      maritalStatus
      marriages { id spouse { idcs } since endedOn endReason sourceDocument }
      mother { idcs }
      father { idcs }
      children { idcs }
      birthRank
      fatherless
      disabled
      inCareOf { kind guardian { idcs } since until }
      wards { kind child { idcs } }
    }
  }
`;

interface Civil {
  maritalStatus: string | null;
  marriages: {
    id: string;
    spouse: { idcs: string };
    since: string;
    endedOn: string | null;
    endReason: string | null;
  }[];
  mother: { idcs: string } | null;
  father: { idcs: string } | null;
  children: { idcs: string }[];
  birthRank: number | null;
  fatherless: boolean | null;
  disabled: boolean | null;
  inCareOf: { kind: string; guardian: { idcs: string }; since: string; until: string | null }[];
  wards: { kind: string; child: { idcs: string } }[];
}

async function civil(idcs: string): Promise<Civil> {
  const { body } = await h.call<{ person: Civil }>(CIVIL, { i: idcs });
  expect(body.errors).toBeUndefined();
  return body.data?.person as Civil;
}

const problemFields = (body: ErrorBody) =>
  ((body.errors?.[0]?.extensions?.problems as { field: string }[] | undefined) ?? []).map((p) => p.field);

describe("recordMarriage", () => {
  it("records a marriage for both spouses, with its history and its event", async () => {
    const husband = await adult(h, "MALE", 35);
    const wife = await adult(h, "FEMALE", 30);
    const since = addYears(today(), -5);
    const { id, body } = await marry(h, husband, wife, since);
    expect(body.errors).toBeUndefined();
    const his = await civil(husband);
    expect(his.maritalStatus).toBe("MARRIED");
    expect(his.marriages).toEqual([
      expect.objectContaining({ id, spouse: { idcs: wife }, since: day(since), endedOn: null, endReason: null }),
    ]);
    expect((await civil(wife)).marriages[0]?.spouse.idcs).toBe(husband);
    expect(await events(h, id)).toEqual([
      { type: "marriage.recorded", subject: id, data: { marriageId: id, spouses: [husband, wife], date: day(since) } },
    ]);
    const history = await h.db.database.sql.query<{ subject_idcs: string; kind: string; recorded_by: string }>(
      "SELECT subject_idcs, kind, recorded_by FROM civil_status_record WHERE fact_id = $1 ORDER BY subject_idcs",
      [id],
    );
    expect(history.map((r) => [r.subject_idcs, r.kind, r.recorded_by]).sort()).toEqual(
      [
        [husband, "MARRIAGE_RECORDED", "ANR/SYSTEM"],
        [wife, "MARRIAGE_RECORDED", "ANR/SYSTEM"],
      ].sort(),
    );
  });

  it("refuses a marriage dated tomorrow and accepts one dated today", async () => {
    const husband = await adult(h, "MALE", 30);
    const wife = await adult(h, "FEMALE", 28);
    const refused = await marry(h, husband, wife, addDays(today(), 1));
    expect(codeOf(refused.body)).toBe("BAD_USER_INPUT");
    expect(problemFields(refused.body)).toEqual(["since"]);
    expect((await marry(h, husband, wife, today())).body.errors).toBeUndefined();
  });

  it("refuses a marriage before a spouse's birth, and accepts one on that day", async () => {
    const husband = await adult(h, "MALE", 40);
    const born = addYears(today(), -20);
    const wife = await register(h, { sex: "FEMALE", birthDate: born });
    const before = await marry(h, husband, wife, addDays(born, -1));
    expect(problemFields(before.body)).toEqual(["wifeIdcs"]);
    expect((await marry(h, husband, wife, born)).body.errors).toBeUndefined();
  });

  it("refuses a marriage after a spouse's death; one on the day of death is recorded as ended by it", async () => {
    const husband = await adult(h, "MALE", 60);
    const wife = await adult(h, "FEMALE", 55);
    const death = addYears(today(), -2);
    expect((await recordDeath(h, husband, death)).errors).toBeUndefined();
    const after = await marry(h, husband, wife, addDays(death, 1));
    expect(problemFields(after.body)).toEqual(["husbandIdcs"]);
    const { id, body } = await marry(h, husband, wife, death);
    expect(body.errors).toBeUndefined();
    expect((await civil(wife)).marriages).toEqual([
      expect.objectContaining({ id, endedOn: day(death), endReason: "DEATH" }),
    ]);
    expect((await civil(wife)).maritalStatus).toBe("WIDOWED");
    expect((await events(h, id)).map((e) => e.type).sort()).toEqual(["marriage.ended", "marriage.recorded"]);
  });

  it("refuses a husband who is a woman and a wife who is a man", async () => {
    const a = await adult(h, "FEMALE", 30);
    const b = await adult(h, "MALE", 30);
    const { body } = await marry(h, a, b, addYears(today(), -1));
    expect(problemFields(body).sort()).toEqual(["husbandIdcs", "wifeIdcs"]);
  });

  it("lets a husband have four marriages in force, not five; a divorce frees a place", async () => {
    const husband = await adult(h, "MALE", 60);
    const since = addYears(today(), -10);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { id, body } = await marry(h, husband, await adult(h, "FEMALE", 40 + i), addDays(since, i));
      expect(body.errors).toBeUndefined();
      ids.push(id as string);
    }
    const fifthWife = await adult(h, "FEMALE", 35);
    const fifth = await marry(h, husband, fifthWife, addDays(since, 10));
    expect(codeOf(fifth.body)).toBe("MARRIAGE_LIMIT_REACHED");
    expect(fifth.body.errors?.[0]?.extensions).toMatchObject({ field: "husbandIdcs", limit: 4 });
    const divorce = addYears(today(), -1);
    expect((await endMarriage(h, ids[0] as string, divorce)).errors).toBeUndefined();
    // The four were in force the day before the divorce: still refused then, accepted from that day.
    expect(codeOf((await marry(h, husband, fifthWife, addDays(divorce, -1))).body)).toBe("MARRIAGE_LIMIT_REACHED");
    expect((await marry(h, husband, fifthWife, divorce)).body.errors).toBeUndefined();
    expect((await civil(husband)).marriages.filter((m) => m.endedOn === null)).toHaveLength(4);
  });

  it("lets a wife have one marriage in force", async () => {
    const wife = await adult(h, "FEMALE", 40);
    const first = await marry(h, await adult(h, "MALE", 45), wife, addYears(today(), -15));
    const second = await adult(h, "MALE", 42);
    const refused = await marry(h, second, wife, addYears(today(), -2));
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({
      code: "MARRIAGE_LIMIT_REACHED",
      field: "wifeIdcs",
      limit: 1,
    });
    const divorce = addYears(today(), -3);
    expect((await endMarriage(h, first.id as string, divorce)).errors).toBeUndefined();
    expect((await civil(wife)).maritalStatus).toBe("DIVORCED");
    expect((await marry(h, second, wife, addYears(today(), -2))).body.errors).toBeUndefined();
    expect((await civil(wife)).maritalStatus).toBe("MARRIED");
  });

  it("is idempotent: a retry with the same key returns the same marriage and writes nothing more", async () => {
    const husband = await adult(h, "MALE", 33);
    const wife = await adult(h, "FEMALE", 31);
    const since = addYears(today(), -3);
    const first = await marry(h, husband, wife, since, "marriage-key-0001");
    const eventsBefore = await count(h, "outbox_event");
    const retry = await marry(h, husband, wife, since, "marriage-key-0001");
    expect(retry.id).toBe(first.id);
    expect(await count(h, "outbox_event")).toBe(eventsBefore);
    expect((await civil(husband)).marriages).toHaveLength(1);
    const reused = await marry(h, husband, wife, addDays(since, 1), "marriage-key-0001");
    expect(codeOf(reused.body)).toBe("IDEMPOTENCY_KEY_REUSED");
  });
});

describe("recordMarriageEnd", () => {
  it("ends a marriage on or after its date, never before, never twice, never in the future", async () => {
    const since = addYears(today(), -4);
    const { id } = await marry(h, await adult(h, "MALE", 30), await adult(h, "FEMALE", 30), since);
    const marriageId = id as string;
    expect(problemFields(await endMarriage(h, marriageId, addDays(since, -1)))).toEqual(["endedOn"]);
    expect(problemFields(await endMarriage(h, marriageId, addDays(today(), 1)))).toEqual(["endedOn"]);
    expect((await endMarriage(h, marriageId, since)).errors).toBeUndefined();
    expect(codeOf(await endMarriage(h, marriageId, today()))).toBe("NOT_IN_FORCE");
    expect((await events(h, marriageId)).at(-1)).toMatchObject({
      type: "marriage.ended",
      data: { date: day(since), reason: "DIVORCE" },
    });
  });

  it("leaves a person whose only marriage was annulled single", async () => {
    const husband = await adult(h, "MALE", 30);
    const { id } = await marry(h, husband, await adult(h, "FEMALE", 30), addYears(today(), -1));
    expect((await endMarriage(h, id as string, today(), "ANNULMENT")).errors).toBeUndefined();
    expect((await civil(husband)).maritalStatus).toBe("SINGLE");
  });

  it("answers NOT_FOUND for an unknown marriage", async () => {
    expect(codeOf(await endMarriage(h, "00000000-0000-4000-8000-000000000000", today()))).toBe("NOT_FOUND");
  });
});

describe("recordFiliation", () => {
  it("records mother and father; children, birth rank (deceased included) and fatherless follow", async () => {
    const mother = await adult(h, "FEMALE", 45);
    const father = await adult(h, "MALE", 50);
    const eldest = await register(h, { sex: "MALE", birthDate: addYears(today(), -20) });
    const second = await register(h, { sex: "FEMALE", birthDate: addYears(today(), -15), representative: mother });
    const third = await register(h, { sex: "MALE", birthDate: addYears(today(), -8), representative: mother });
    for (const child of [third, eldest, second]) {
      expect((await filiation(h, child, { motherIdcs: mother, fatherIdcs: father })).errors).toBeUndefined();
    }
    expect((await recordDeath(h, eldest, addYears(today(), -1))).errors).toBeUndefined();
    expect((await civil(mother)).children.map((c) => c.idcs)).toEqual([eldest, second, third]);
    expect((await civil(father)).children.map((c) => c.idcs)).toEqual([eldest, second, third]);
    const thirdCivil = await civil(third);
    expect(thirdCivil).toMatchObject({
      mother: { idcs: mother },
      father: { idcs: father },
      birthRank: 3,
      fatherless: false,
    });
    expect((await recordDeath(h, father, addDays(today(), -10))).errors).toBeUndefined();
    expect((await civil(third)).fatherless).toBe(true);
    expect((await civil(mother)).birthRank).toBeNull();
    expect((await civil(mother)).fatherless).toBeNull();
  });

  it("refuses a mother who is a man and a father who is a woman", async () => {
    const child = await adult(h, "MALE", 20);
    const body = await filiation(h, child, {
      motherIdcs: await adult(h, "MALE", 50),
      fatherIdcs: await adult(h, "FEMALE", 50),
    });
    expect(problemFields(body).sort()).toEqual(["fatherIdcs", "motherIdcs"]);
  });

  it("needs a parent 12 years older than the child, to the day", async () => {
    const childBirth = addYears(today(), -20);
    const child = await register(h, { sex: "FEMALE", birthDate: childBirth });
    const tooYoung = await register(h, { sex: "FEMALE", birthDate: addDays(addYears(childBirth, -12), 1) });
    expect(problemFields(await filiation(h, child, { motherIdcs: tooYoung }))).toEqual(["motherIdcs"]);
    const justOld = await register(h, { sex: "FEMALE", birthDate: addYears(childBirth, -12) });
    expect((await filiation(h, child, { motherIdcs: justOld })).errors).toBeUndefined();
  });

  it("takes a father dead up to 365 days before the birth, and a mother alive at the birth", async () => {
    const childBirth = addYears(today(), -5);
    const child = await register(h, { sex: "MALE", birthDate: childBirth });
    const father366 = await adult(h, "MALE", 40);
    await recordDeath(h, father366, addDays(childBirth, -366));
    expect(problemFields(await filiation(h, child, { fatherIdcs: father366 }))).toEqual(["fatherIdcs"]);
    const father365 = await adult(h, "MALE", 41);
    await recordDeath(h, father365, addDays(childBirth, -365));
    expect((await filiation(h, child, { fatherIdcs: father365 })).errors).toBeUndefined();
    const motherDeadBefore = await adult(h, "FEMALE", 40);
    await recordDeath(h, motherDeadBefore, addDays(childBirth, -1));
    expect(problemFields(await filiation(h, child, { motherIdcs: motherDeadBefore }))).toEqual(["motherIdcs"]);
    const motherDeadAtBirth = await adult(h, "FEMALE", 41);
    await recordDeath(h, motherDeadAtBirth, childBirth);
    expect((await filiation(h, child, { motherIdcs: motherDeadAtBirth })).errors).toBeUndefined();
    expect(await civil(child)).toMatchObject({ mother: { idcs: motherDeadAtBirth }, father: { idcs: father365 } });
  });

  it("refuses to make someone their own ancestor (FILIATION_CYCLE), whatever the age rule says", async () => {
    // Only persons born on the same day can form a cycle once the age rule is 0: the rule is data.
    await h.db.database.sql.query("UPDATE civil_rule SET value = 0 WHERE name = 'MIN_PARENT_AGE_YEARS'");
    try {
      const born = addYears(today(), -30);
      const a = await register(h, { sex: "FEMALE", birthDate: born });
      const b = await register(h, { sex: "FEMALE", birthDate: born });
      const c = await register(h, { sex: "FEMALE", birthDate: born });
      expect((await filiation(h, b, { motherIdcs: a })).errors).toBeUndefined();
      expect((await filiation(h, c, { motherIdcs: b })).errors).toBeUndefined();
      const cycle = await filiation(h, a, { motherIdcs: c });
      expect(codeOf(cycle)).toBe("FILIATION_CYCLE");
      expect(codeOf(await filiation(h, a, { motherIdcs: a }))).toBe("BAD_USER_INPUT");
    } finally {
      await h.db.database.sql.query("UPDATE civil_rule SET value = 12 WHERE name = 'MIN_PARENT_AGE_YEARS'");
    }
  });

  it("writes person.born for a child under one year, at registration with a parent too", async () => {
    const mother = await adult(h, "FEMALE", 28);
    const baby = await register(h, {
      sex: "FEMALE",
      birthDate: addDays(today(), -30),
      representative: mother,
      motherIdcs: mother,
    });
    expect(await events(h, baby)).toEqual([
      {
        type: "person.born",
        subject: baby,
        data: { idcs: baby, birthDate: day(addDays(today(), -30)), motherIdcs: mother, fatherIdcs: null },
      },
    ]);
    expect((await civil(baby)).mother?.idcs).toBe(mother);
  });

  it("refuses a registration whose mother breaks a rule, and writes neither the person nor an event", async () => {
    const persons = await count(h, "person");
    const outbox = await count(h, "outbox_event");
    const man = await adult(h, "MALE", 40);
    await expect(
      register(h, { sex: "FEMALE", birthDate: addDays(today(), -3), representative: man, motherIdcs: man }),
    ).rejects.toThrow(/motherIdcs/);
    expect(await count(h, "person")).toBe(persons + 1);
    expect(await count(h, "outbox_event")).toBe(outbox);
  });
});

describe("recordDisability", () => {
  it("checks dates against today, the birth and the review; disabled holds until the review day", async () => {
    const born = addYears(today(), -10);
    const child = await register(h, { sex: "MALE", birthDate: born });
    expect(problemFields(await disability(h, child, addDays(today(), 1), null))).toEqual(["certifiedOn"]);
    expect(problemFields(await disability(h, child, addDays(born, -1), null))).toEqual(["certifiedOn"]);
    expect(problemFields(await disability(h, child, addYears(today(), -1), addYears(today(), -1)))).toEqual([
      "reviewOn",
    ]);
    expect((await disability(h, child, addYears(today(), -2), addDays(today(), -1))).errors).toBeUndefined();
    expect((await civil(child)).disabled).toBe(false);
    expect((await disability(h, child, addYears(today(), -1), today())).errors).toBeUndefined();
    expect((await civil(child)).disabled).toBe(true);
    const recognised = (await events(h, child)).filter((e) => e.type === "disability.recognised");
    expect(recognised).toHaveLength(2);
    expect(recognised[1]?.data).toEqual({
      idcs: child,
      certifiedOn: day(addYears(today(), -1)),
      reviewOn: day(today()),
    });
    expect(JSON.stringify(recognised)).not.toContain("Trisomie");
    const { body } = await h.call<{ person: { civilStatusHistory: { kind: string; recordedBy: string }[] } }>(
      "query($i: ID!) { person(idcs: $i) { civilStatusHistory { kind recordedBy summary } } }",
      { i: child },
    );
    expect(body.data?.person.civilStatusHistory.map((r) => r.kind)).toEqual([
      "DISABILITY_RECOGNISED",
      "DISABILITY_RECOGNISED",
    ]);
  });
});

describe("recordGuardianship and endGuardianship", () => {
  it("refuses a guardian dead before the start, accepts one alive on that day", async () => {
    const child = await register(h, { sex: "FEMALE", birthDate: addYears(today(), -8) });
    const grandmother = await adult(h, "FEMALE", 65);
    const since = addYears(today(), -1);
    const dead = await adult(h, "FEMALE", 70);
    await recordDeath(h, dead, addDays(since, -1));
    expect(problemFields((await guardianship(h, "KAFALA", child, dead, since)).body)).toEqual(["guardianIdcs"]);
    const { id, body } = await guardianship(h, "KAFALA", child, grandmother, since);
    expect(body.errors).toBeUndefined();
    expect((await civil(child)).inCareOf).toEqual([
      { kind: "KAFALA", guardian: { idcs: grandmother }, since: day(since), until: null },
    ]);
    expect((await civil(grandmother)).wards).toEqual([{ kind: "KAFALA", child: { idcs: child } }]);
    expect(codeOf((await guardianship(h, "KAFALA", child, grandmother, since)).body)).toBe("ALREADY_RECORDED");
    const end = (until: Date) =>
      h.call(
        `mutation($id: ID!, $u: Date!) { endGuardianship(id: $id, until: $u, sourceDocument: "Jugement 9/2026") { guardianship { until } } }`,
        { id, u: day(until) },
      );
    expect(problemFields((await end(addDays(since, -1))).body as ErrorBody)).toEqual(["until"]);
    expect(problemFields((await end(addDays(today(), 1))).body as ErrorBody)).toEqual(["until"]);
    expect((await end(today())).body.errors).toBeUndefined();
    expect(codeOf((await end(today())).body as ErrorBody)).toBe("NOT_IN_FORCE");
    expect((await events(h, id)).map((e) => e.type)).toEqual(["guardianship.recorded", "guardianship.ended"]);
  });

  it("takes custody and kafala of a minor only (17 yes, 18 no), by a guardian of 18 or more", async () => {
    const since = addYears(today(), -1);
    const seventeen = await register(h, { sex: "MALE", birthDate: addDays(addYears(since, -18), 1) });
    const eighteen = await register(h, { sex: "MALE", birthDate: addYears(since, -18) });
    const guardian = await adult(h, "FEMALE", 50);
    expect(problemFields((await guardianship(h, "KAFALA", eighteen, guardian, since)).body)).toEqual(["childIdcs"]);
    expect((await guardianship(h, "LEGAL_GUARDIANSHIP", eighteen, guardian, since)).body.errors).toBeUndefined();
    expect((await guardianship(h, "CUSTODY", seventeen, guardian, since)).body.errors).toBeUndefined();
    const minorGuardian = await register(h, { sex: "FEMALE", birthDate: addDays(addYears(since, -18), 1) });
    const child = await register(h, { sex: "FEMALE", birthDate: addYears(today(), -3) });
    expect(problemFields((await guardianship(h, "CUSTODY", child, minorGuardian, since)).body)).toEqual([
      "guardianIdcs",
    ]);
  });
});

describe("recordDeath", () => {
  it("ends the person's marriages and guardianships in force, with person.died and marriage.ended", async () => {
    const husband = await adult(h, "MALE", 55);
    const wives = [await adult(h, "FEMALE", 50), await adult(h, "FEMALE", 40)];
    const marriages = [];
    for (const wife of wives) {
      marriages.push((await marry(h, husband, wife, addYears(today(), -10))).id as string);
    }
    const ward = await register(h, { sex: "MALE", birthDate: addYears(today(), -6) });
    const { id: guardianshipId } = await guardianship(h, "LEGAL_GUARDIANSHIP", ward, husband, addYears(today(), -2));
    const death = addDays(today(), -3);
    expect((await recordDeath(h, husband, death)).errors).toBeUndefined();
    for (const wife of wives) {
      const seen = await civil(wife);
      expect(seen.maritalStatus).toBe("WIDOWED");
      expect(seen.marriages[0]).toMatchObject({ endedOn: day(death), endReason: "DEATH" });
    }
    expect((await civil(husband)).maritalStatus).toBe("MARRIED");
    expect((await civil(ward)).inCareOf[0]?.until).toBe(day(death));
    expect(await events(h, husband)).toEqual([
      { type: "person.died", subject: husband, data: { idcs: husband, dateOfDeath: day(death) } },
    ]);
    for (const id of marriages) {
      expect((await events(h, id)).map((e) => [e.type, e.data.reason ?? null])).toEqual([
        ["marriage.recorded", null],
        ["marriage.ended", "DEATH"],
      ]);
    }
    expect((await events(h, guardianshipId)).map((e) => e.type)).toEqual([
      "guardianship.recorded",
      "guardianship.ended",
    ]);
  });

  it("refuses a death dated before a marriage of the person, and writes nothing", async () => {
    const husband = await adult(h, "MALE", 40);
    await marry(h, husband, await adult(h, "FEMALE", 35), addYears(today(), -1));
    const outbox = await count(h, "outbox_event");
    const body = await recordDeath(h, husband, addYears(today(), -2));
    expect(problemFields(body)).toEqual(["dateOfDeath"]);
    expect(await count(h, "outbox_event")).toBe(outbox);
    expect((await civil(husband)).maritalStatus).toBe("MARRIED");
  });
});

describe("the civil-status history", () => {
  it("is append-only", async () => {
    await expect(h.db.database.sql.query("UPDATE civil_status_record SET summary = 'x'")).rejects.toThrow(
      /append-only/,
    );
    await expect(h.db.database.sql.query("DELETE FROM civil_status_record")).rejects.toThrow(/append-only/);
  });

  it("keeps every version of a corrected filiation", async () => {
    const child = await adult(h, "MALE", 20);
    await filiation(h, child, { fatherIdcs: await adult(h, "MALE", 50) });
    const corrected = await adult(h, "MALE", 52);
    await filiation(h, child, { fatherIdcs: corrected });
    const { body } = await h.call<{ person: { civilStatusHistory: { kind: string; summary: string }[] } }>(
      "query($i: ID!) { person(idcs: $i) { civilStatusHistory { kind summary sourceDocument recordedBy recordedAt } } }",
      { i: child },
    );
    expect(body.data?.person.civilStatusHistory.map((r) => r.summary)).toEqual([
      "Filiation recorded",
      "Filiation corrected",
    ]);
    expect((await civil(child)).father?.idcs).toBe(corrected);
  });
});

describe("who sees what", () => {
  let child: string;
  let mother: string;

  beforeAll(async () => {
    mother = await adult(h, "FEMALE", 38);
    const father = await adult(h, "MALE", 42);
    await marry(h, father, mother, addYears(today(), -15));
    child = await register(h, {
      sex: "MALE",
      birthDate: addYears(today(), -12),
      representative: mother,
      motherIdcs: mother,
      fatherIdcs: father,
    });
    await disability(h, child, addYears(today(), -1), null, "Paralysie cérébrale");
    await recordDeath(h, father, addDays(today(), -20));
  });

  const ALL = /* GraphQL */ `
    query($i: ID!) {
      person(idcs: $i) {
        maritalStatus fatherless disabled mother { idcs } birthRank
        disability { certifiedOn diagnosis }
        civilStatusHistory { kind }
      }
    }
  `;

  it("CNSS sees filiation and disabled, never the diagnosis nor the history", async () => {
    const { body } = await h.call<{ person: Record<string, unknown> }>(ALL, { i: child }, cnss);
    expect(body.data?.person).toMatchObject({
      maritalStatus: "SINGLE",
      disabled: true,
      mother: { idcs: mother },
      birthRank: 1,
    });
    expect(body.data?.person.fatherless).toBeNull();
    expect(body.data?.person.disability).toBeNull();
    expect(body.data?.person.civilStatusHistory).toBeNull();
    const refused = (body.errors ?? []).map((e) => [e.path?.at(-1), e.extensions?.code]);
    expect(refused).toEqual(
      expect.arrayContaining([
        ["fatherless", "FORBIDDEN"],
        ["disability", "FORBIDDEN"],
        ["civilStatusHistory", "FORBIDDEN"],
      ]),
    );
  });

  it("ANSS sees fatherless as yes/no and disabled, not the disability itself", async () => {
    const { body } = await h.call<{ person: Record<string, unknown> }>(ALL, { i: child }, anss);
    expect(body.data?.person).toMatchObject({ fatherless: true, disabled: true });
    expect(body.data?.person.disability).toBeNull();
  });

  it("a citizen sees their own file, diagnosis and history included, and nobody else's", async () => {
    const own = await h.call<{ person: { disability: { diagnosis: string }; civilStatusHistory: unknown[] } }>(
      ALL,
      { i: child },
      citizen(child),
    );
    // The mother is another person: she stays under Person's own row policy.
    expect((own.body.errors ?? []).map((e) => [e.path?.join("."), e.extensions?.code])).toEqual([
      ["person.mother", "FORBIDDEN"],
    ]);
    expect(own.body.data?.person.disability.diagnosis).toBe("Paralysie cérébrale");
    expect(own.body.data?.person.civilStatusHistory.length).toBeGreaterThan(0);
    const other = await h.call<{ person: unknown }>(ALL, { i: child }, citizen(mother));
    expect(other.body.data?.person).toBeNull();
    expect(codeOf(other.body as ErrorBody)).toBe("FORBIDDEN");
  });

  it("a case worker of the region sees marital status, fatherless and disabled, not the disability itself", async () => {
    const worker = { sub: "test:cw", agency: "ANSS", role: "CASE_WORKER", region: "06" } as const;
    const { body } = await h.call<{ person: Record<string, unknown> }>(ALL, { i: child }, worker);
    expect(body.data?.person).toMatchObject({ maritalStatus: "SINGLE", fatherless: true, disabled: true });
    expect(body.data?.person.disability).toBeNull();
    expect(body.data?.person.civilStatusHistory).toBeNull();
  });

  it("refuses the civil-status mutations to a programme agency", async () => {
    const { body } = await h.call(
      `mutation($i: RecordFiliationInput!) { recordFiliation(input: $i) { person { idcs } } }`,
      { i: { childIdcs: child, motherIdcs: mother, sourceDocument: "x" } },
      cnss,
    );
    expect(codeOf(body as ErrorBody)).toBe("FORBIDDEN");
  });
});

describe("idempotency keys and dates", () => {
  it("refuses a key reused for a death on another day (the date is part of the request)", async () => {
    const person = await adult(h, "MALE", 70);
    const death = (on: Date) =>
      h.call(
        `mutation($i: ID!, $d: Date!) { recordDeath(idcs: $i, dateOfDeath: $d, idempotencyKey: "death-key-0001") { person { idcs } } }`,
        { i: person, d: day(on) },
      );
    expect((await death(addDays(today(), -2))).body.errors).toBeUndefined();
    expect((await death(addDays(today(), -2))).body.errors).toBeUndefined();
    expect(codeOf((await death(addDays(today(), -1))).body as ErrorBody)).toBe("IDEMPOTENCY_KEY_REUSED");
    expect((await events(h, person)).filter((e) => e.type === "person.died")).toHaveLength(1);
  });
});
