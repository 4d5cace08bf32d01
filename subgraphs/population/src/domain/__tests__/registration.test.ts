import { ADULT } from "../../__tests__/adult.js";
import { checkRegistration, type RegistrationInput } from "../registration.js";

const day = new Date(Date.UTC(2026, 5, 15));

const adult: RegistrationInput = {
  ...ADULT,
  birthDate: new Date(Date.UTC(1985, 2, 10)),
  legalRepresentativeIdcs: null,
};

function problemsOf(input: Partial<RegistrationInput>) {
  return checkRegistration({ ...adult, ...input }, day).problems;
}

describe("registration rules", () => {
  it("accepts a complete adult citizen and normalizes the values", () => {
    const { value, problems } = checkRegistration({ ...adult, cin: "be 123456" }, day);
    expect(problems).toEqual([]);
    expect(value.cin).toBe("BE123456");
    expect(value.phone).toBe("+212612345678");
    expect(value.nameKey).toBe("el idrissi fatima");
  });

  it.each([
    ["firstName", { firstName: "  " }, "is required"],
    ["lastName", { lastName: "x".repeat(101) }, "is longer than 100 characters"],
    ["firstName", { firstName: "فاطمة" }, "must be written in Latin letters"],
    ["lastNameAr", { lastNameAr: "Idrissi" }, "must be written in Arabic letters"],
    ["birthPlace", { birthPlace: "" }, "is required"],
    ["registrationCentre", { registrationCentre: "" }, "is required"],
    ["birthDate", { birthDate: new Date(Date.UTC(2026, 5, 16)) }, "is in the future"],
    ["birthDate", { birthDate: new Date(Date.UTC(1899, 11, 31)) }, "is before 1900"],
    ["nationality", { nationality: "XYZ" }, "must be an ISO 3166-1 alpha-3 country code"],
    ["nationality", { nationality: "FRA" }, "a citizen's nationality is MAR"],
    ["nationality", { residencyStatus: "FOREIGN_RESIDENT", cin: null }, "a foreign resident's nationality is not MAR"],
    ["cin", { cin: "12345" }, "must be 1–2 letters followed by 5–8 digits"],
    ["cin", { residencyStatus: "FOREIGN_RESIDENT", nationality: "FRA" }, "only citizens hold a national identity card"],
    ["cin", { cin: null }, "is required for citizens aged 18 or more"],
    ["phone", { phone: "12345" }, "must be a Moroccan number such as 0612345678 or +212612345678"],
    ["legalRepresentativeIdcs", { legalRepresentativeIdcs: "1234567891" }, "is not a valid IDCS"],
    ["legalRepresentativeIdcs", { cin: null, birthDate: new Date(Date.UTC(2015, 0, 1)) }, "is required for a minor"],
    [
      "address.regionCode",
      { address: { regionCode: "13", province: "Casablanca", commune: "Anfa", milieu: "URBAN" } },
      "must be one of the 12 official region codes 01–12",
    ],
    [
      "address.province",
      { address: { regionCode: "01", province: "Casablanca", commune: "Anfa", milieu: "URBAN" } },
      "is not a province or prefecture of region 01",
    ],
    [
      "address.commune",
      { address: { regionCode: "06", province: "Casablanca", commune: " ", milieu: "URBAN" } },
      "is required",
    ],
  ] as const)("%s: %s", (field, input, message) => {
    expect(problemsOf(input as Partial<RegistrationInput>)).toContainEqual({ field, message });
  });

  it("reports every problem at once", () => {
    const problems = problemsOf({ firstName: "", lastNameAr: "X", nationality: "ZZZ", phone: "1" });
    expect(problems.map((p) => p.field).sort()).toEqual(["firstName", "lastNameAr", "nationality", "phone"]);
  });

  it("lets a minor citizen register without a CIN when represented", () => {
    const problems = problemsOf({
      cin: null,
      birthDate: new Date(Date.UTC(2012, 0, 1)),
      legalRepresentativeIdcs: "4123456784",
    });
    expect(problems.filter((p) => p.field !== "legalRepresentativeIdcs")).toEqual([]);
  });

  it("matches provinces regardless of case and accents", () => {
    const { value, problems } = checkRegistration(
      { ...adult, address: { regionCode: "03", province: "FES", commune: "Agdal", milieu: "URBAN" } },
      day,
    );
    expect(problems).toEqual([]);
    expect(value.province).toMatch(/^F[èe]s$/);
  });
});
