import { capturedLogs } from "./testkit/captured-logs.js";
import { type RunningSystem, startSystem } from "./testkit/start-system.js";

const { logger, lines } = capturedLogs();

let system: RunningSystem;

beforeAll(async () => {
  system = await startSystem({ label: "logging", logger });
});
afterAll(async () => {
  await system?.stop();
});

const person = {
  cin: "QX918273",
  firstName: "Ouarda",
  lastName: "Zemmouri",
  firstNameAr: "وردة",
  lastNameAr: "الزموري",
  sex: "FEMALE",
  birthDate: "1979-09-09",
  birthPlace: "Settat",
  nationality: "MAR",
  residencyStatus: "CITIZEN",
  address: { regionCode: "06", province: "Settat", commune: "Settat", milieu: "URBAN" },
  phone: "+212661234987",
  registrationCentre: "CSC Settat",
};

describe("service logs", () => {
  it("carry the request id through gateway and subgraph, and never a token, name, CIN or phone", async () => {
    const token = await system.token({ sub: "registrar-7", agency: "ANR", role: "SYSTEM" });
    const registered = await system.query<{ registerPerson: { person: { idcs: string } } }>(
      token,
      "mutation($input: RegisterPersonInput!) { registerPerson(input: $input) { person { idcs firstName cin phone } } }",
      { input: person },
      { "x-request-id": "log-test-1" },
    );
    expect(registered.body.errors).toBeUndefined();
    await system.query(token, '{ person(idcs: "42") { idcs } }', undefined, { "x-request-id": "log-test-2" });
    await system.query(`${token}x`, "{ __typename }", undefined, { "x-request-id": "log-test-3" });

    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const first = entries.filter((entry) => entry.requestId === "log-test-1");
    expect(first.map((entry) => entry.service)).toEqual(expect.arrayContaining(["population", "gateway"]));
    expect(entries.some((entry) => entry.requestId === "log-test-2")).toBe(true);

    const everything = lines.join("\n");
    for (const secret of [
      token,
      token.split(".")[2] ?? token,
      person.cin,
      person.firstName,
      person.lastName,
      person.firstNameAr,
      person.lastNameAr,
      "661234987",
    ]) {
      expect(everything).not.toContain(secret);
    }
  });
});
