import { idcsFromBody, idcsProblem } from "@spx/reference/idcs";
import { ADULT } from "./adult.js";
import { type Harness, startPopulation } from "./harness.js";

const REGISTER = /* GraphQL */ `
  mutation Register($input: RegisterPersonInput!, $key: String) {
    registerPerson(input: $input, idempotencyKey: $key) {
      person { idcs cin firstName lastName lifeStatus legalRepresentative { idcs } address { regionCode province } }
    }
  }
`;

interface Registered {
  registerPerson: { person: { idcs: string; legalRepresentative: { idcs: string } | null } } | null;
}

let h: Harness;
let cinCounter = 200_000;
const freshCin = () => `AB${cinCounter++}`;

beforeAll(async () => {
  h = await startPopulation("registration");
});
afterAll(async () => {
  await h?.stop();
});

async function countPersons(): Promise<number> {
  const [row] = await h.db.database.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM person");
  return row?.n ?? -1;
}

describe("registerPerson", () => {
  it("registers a person and issues a valid IDCS", async () => {
    const { status, body } = await h.call<Registered>(REGISTER, { input: { ...ADULT, cin: freshCin() } });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const idcs = body.data?.registerPerson?.person.idcs ?? "";
    expect(idcsProblem(idcs)).toBeNull();
    const read = await h.call<{ person: { lastName: string } }>(`{ person(idcs: "${idcs}") { lastName } }`);
    expect(read.body.data?.person.lastName).toBe("El Idrissi");
  });

  it("refuses a second registration of the same CIN with DUPLICATE_CIN", async () => {
    const cin = freshCin();
    await h.call(REGISTER, { input: { ...ADULT, firstName: "Amina", cin } });
    const before = await countPersons();
    const { body } = await h.call(REGISTER, { input: { ...ADULT, firstName: "Khadija", cin: cin.toLowerCase() } });
    expect(body.errors?.[0]?.extensions?.code).toBe("DUPLICATE_CIN");
    expect(await countPersons()).toBe(before);
  });

  it("flags a possible duplicate and registers once the registrar confirms", async () => {
    const first = await h.call<Registered>(REGISTER, {
      input: { ...ADULT, firstName: "Zineb", birthDate: "1990-01-01", cin: freshCin() },
    });
    const existing = first.body.data?.registerPerson?.person.idcs;
    const second = await h.call(REGISTER, {
      input: { ...ADULT, firstName: "ZINEB", birthDate: "1990-01-01", birthPlace: "casablanca", cin: freshCin() },
    });
    expect(second.body.errors?.[0]?.extensions).toMatchObject({ code: "POSSIBLE_DUPLICATE", candidates: [existing] });
    const confirmed = await h.call<Registered>(REGISTER, {
      input: {
        ...ADULT,
        firstName: "Zineb",
        birthDate: "1990-01-01",
        cin: freshCin(),
        confirmedDistinctFrom: [existing],
      },
    });
    expect(confirmed.body.errors).toBeUndefined();
    expect(confirmed.body.data?.registerPerson?.person.idcs).not.toBe(existing);
  });

  it("reports every validation problem with BAD_USER_INPUT and writes nothing", async () => {
    const before = await countPersons();
    const { status, body } = await h.call(REGISTER, {
      input: { ...ADULT, cin: "12", nationality: "XXX", address: { ...ADULT.address, regionCode: "13" } },
    });
    expect(status).toBe(200);
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const fields = ((body.errors?.[0]?.extensions?.problems ?? []) as { field: string }[]).map((p) => p.field);
    expect(fields.sort()).toEqual(["address.regionCode", "cin", "nationality"]);
    expect(JSON.stringify(body)).not.toMatch(/stack|prisma|at .*\.js/i);
    expect(await countPersons()).toBe(before);
  });

  it("rejects an impossible date as BAD_USER_INPUT", async () => {
    const { body } = await h.call(REGISTER, { input: { ...ADULT, cin: freshCin(), birthDate: "1990-02-30" } });
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("registers a minor with an adult legal representative, and refuses an unknown one", async () => {
    const parent = await h.call<Registered>(REGISTER, { input: { ...ADULT, firstName: "Salma", cin: freshCin() } });
    const parentIdcs = parent.body.data?.registerPerson?.person.idcs;
    const minor = { ...ADULT, cin: null, firstName: "Yasmine", birthDate: "2015-06-01", phone: null };
    const missing = await h.call(REGISTER, { input: minor });
    expect(missing.body.errors?.[0]?.extensions?.problems).toEqual([
      { field: "legalRepresentativeIdcs", message: "is required for a minor" },
    ]);
    const unknown = await h.call(REGISTER, { input: { ...minor, legalRepresentativeIdcs: idcsFromBody("811111111") } });
    expect(unknown.body.errors?.[0]?.extensions?.problems).toEqual([
      { field: "legalRepresentativeIdcs", message: "is not in the register" },
    ]);
    const ok = await h.call<Registered>(REGISTER, { input: { ...minor, legalRepresentativeIdcs: parentIdcs } });
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data?.registerPerson?.person.legalRepresentative?.idcs).toBe(parentIdcs);
  });

  it("refuses callers outside the register's operator with FORBIDDEN", async () => {
    const { body } = await h.call(
      REGISTER,
      { input: { ...ADULT, cin: freshCin() } },
      {
        sub: "test:cnss",
        agency: "CNSS",
        role: "SYSTEM",
      },
    );
    expect(body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});

describe("idempotency", () => {
  it("returns the first result for a retry with the same key and creates nothing twice", async () => {
    const input = { ...ADULT, firstName: "Hajar", cin: freshCin() };
    const first = await h.call<Registered>(REGISTER, { input, key: "register-hajar-0001" });
    const before = await countPersons();
    const retry = await h.call<Registered>(REGISTER, { input, key: "register-hajar-0001" });
    expect(retry.body.errors).toBeUndefined();
    expect(retry.body.data?.registerPerson?.person.idcs).toBe(first.body.data?.registerPerson?.person.idcs);
    expect(await countPersons()).toBe(before);
  });

  it("creates one person when retries race each other", async () => {
    const input = { ...ADULT, firstName: "Imane", cin: freshCin() };
    const before = await countPersons();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => h.call<Registered>(REGISTER, { input, key: "register-imane-0001" })),
    );
    const issued = new Set(results.map((r) => r.body.data?.registerPerson?.person.idcs));
    expect(results.map((r) => r.body.errors)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(issued.size).toBe(1);
    expect(await countPersons()).toBe(before + 1);
  });

  it("refuses a key reused for a different request", async () => {
    await h.call(REGISTER, { input: { ...ADULT, firstName: "Nadia", cin: freshCin() }, key: "register-nadia-0001" });
    const { body } = await h.call(REGISTER, {
      input: { ...ADULT, firstName: "Nora", cin: freshCin() },
      key: "register-nadia-0001",
    });
    expect(body.errors?.[0]?.extensions?.code).toBe("IDEMPOTENCY_KEY_REUSED");
  });
});

describe("recordDeath and changeAddress", () => {
  const DEATH = /* GraphQL */ `
    mutation Death($idcs: ID!, $date: Date!, $key: String) {
      recordDeath(idcs: $idcs, dateOfDeath: $date, idempotencyKey: $key) { person { lifeStatus dateOfDeath } }
    }
  `;
  const MOVE = /* GraphQL */ `
    mutation Move($idcs: ID!, $address: AddressInput!) {
      changeAddress(idcs: $idcs, address: $address) { person { address { regionCode province commune milieu } } }
    }
  `;

  async function registered(firstName: string): Promise<string> {
    const { body } = await h.call<Registered>(REGISTER, { input: { ...ADULT, firstName, cin: freshCin() } });
    return body.data?.registerPerson?.person.idcs ?? "";
  }

  it("records a death once; a retry with the key returns the same result", async () => {
    const idcs = await registered("Latifa");
    const first = await h.call(DEATH, { idcs, date: "2025-04-02", key: "death-latifa-0001" });
    expect(first.body.data).toEqual({ recordDeath: { person: { lifeStatus: "DECEASED", dateOfDeath: "2025-04-02" } } });
    const retry = await h.call(DEATH, { idcs, date: "2025-04-02", key: "death-latifa-0001" });
    expect(retry.body).toEqual(first.body);
    const again = await h.call(DEATH, { idcs, date: "2025-04-02" });
    expect(again.body.errors?.[0]?.extensions?.code).toBe("ALREADY_DECEASED");
  });

  it("refuses a death before birth, in the future, or of an unknown person", async () => {
    const idcs = await registered("Rachida");
    const beforeBirth = await h.call(DEATH, { idcs, date: "1980-01-01" });
    expect(beforeBirth.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const future = await h.call(DEATH, { idcs, date: "2999-01-01" });
    expect(future.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const unknown = await h.call(DEATH, { idcs: idcsFromBody("722222222"), date: "2025-01-01" });
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("changes an address, validating it against the territorial division", async () => {
    const idcs = await registered("Samira");
    const moved = await h.call(MOVE, {
      idcs,
      address: { regionCode: "04", province: "rabat", commune: "Agdal-Riyad", milieu: "URBAN" },
    });
    expect(moved.body.errors).toBeUndefined();
    expect(moved.body.data).toMatchObject({
      changeAddress: { person: { address: { regionCode: "04", province: "Rabat" } } },
    });
    const wrong = await h.call(MOVE, {
      idcs,
      address: { regionCode: "04", province: "Agadir Ida-Outanane", commune: "Agadir", milieu: "URBAN" },
    });
    expect(wrong.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("refuses to move a deceased person", async () => {
    const idcs = await registered("Ghita");
    await h.call(DEATH, { idcs, date: "2025-01-01" });
    const { body } = await h.call(MOVE, {
      idcs,
      address: { regionCode: "06", province: "Casablanca", commune: "Anfa", milieu: "URBAN" },
    });
    expect(body.errors?.[0]?.extensions?.code).toBe("PERSON_DECEASED");
  });
});

describe("IDCS arguments", () => {
  it.each([
    ["123", "FORMAT"],
    ["0123456789", "FORMAT"],
  ])("refuses %s with BAD_IDCS (%s)", async (idcs, reason) => {
    const { body } = await h.call(`{ person(idcs: "${idcs}") { idcs } }`);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_IDCS", reason });
  });

  it("refuses a wrong check digit with BAD_IDCS", async () => {
    const valid = idcsFromBody("312345678");
    const wrong = valid.slice(0, 9) + ((Number(valid[9]) + 3) % 10);
    const { body } = await h.call(`{ person(idcs: "${wrong}") { idcs } }`);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_IDCS", reason: "CHECK_DIGIT" });
  });

  it("answers null for a well-formed IDCS nobody holds", async () => {
    const { body } = await h.call(`{ person(idcs: "${idcsFromBody("633333333")}") { idcs } }`);
    expect(body).toEqual({ data: { person: null } });
  });
});
