import { isValidCin, normalizeCin } from "@spx/reference/cin";
import { idcsProblem } from "@spx/reference/idcs";
import { nameKey } from "@spx/reference/name-key";
import type { Milieu, PersonRecord, ResidencyStatus, Sex } from "@spx/reference/person-record";
import { provinceOf, regionByCode } from "@spx/reference/regions";
import type { FieldProblem } from "@spx/runtime/errors";
import { ageOn } from "@spx/runtime/schema";
import { isCountryCode, MOROCCO } from "./countries.js";
import { normalizePhone } from "./phone.js";

export type { Milieu, ResidencyStatus, Sex } from "@spx/reference/person-record";

export interface AddressInput {
  regionCode: string;
  province: string;
  commune: string;
  milieu: Milieu;
}

export interface RegistrationInput {
  cin?: string | null;
  firstName: string;
  lastName: string;
  firstNameAr: string;
  lastNameAr: string;
  sex: Sex;
  birthDate: Date;
  birthPlace: string;
  nationality: string;
  residencyStatus: ResidencyStatus;
  address: AddressInput;
  phone?: string | null;
  registrationCentre: string;
  legalRepresentativeIdcs?: string | null;
}

/** A registration that passed every rule that needs no database, normalized for storage. */
export type ValidRegistration = PersonRecord;

/** Age of majority in Morocco (Family Code, art. 209). */
export const MAJORITY_AGE = 18;
const OLDEST_BIRTH_YEAR = 1900;
const LATIN_NAME = /^[\p{Script=Latin}][\p{Script=Latin}' -]*$/u;
const ARABIC_NAME = /^[\p{Script=Arabic}][\p{Script=Arabic}' -]*$/u;

/** Today's date at midnight UTC, the unit every date rule compares in. */
export function today(now: Date = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

function text(problems: FieldProblem[], field: string, value: string, pattern?: RegExp, what?: string): string {
  const trimmed = value.trim().replace(/\s+/g, " ");
  if (trimmed.length === 0) {
    problems.push({ field, message: "is required" });
  } else if (trimmed.length > 100) {
    problems.push({ field, message: "is longer than 100 characters" });
  } else if (pattern && !pattern.test(trimmed)) {
    problems.push({ field, message: `must be written in ${what}` });
  }
  return trimmed;
}

/** Checks an address against the territorial division; problems are named under `prefix`. */
export function checkAddress(problems: FieldProblem[], address: AddressInput, prefix = "address") {
  const region = regionByCode(address.regionCode);
  let province = address.province.trim();
  if (!region) {
    problems.push({ field: `${prefix}.regionCode`, message: "must be one of the 12 official region codes 01–12" });
  } else {
    const known = provinceOf(region.code, province);
    if (known) {
      province = known.name;
    } else {
      problems.push({
        field: `${prefix}.province`,
        message: `is not a province or prefecture of region ${region.code}`,
      });
    }
  }
  const commune = text(problems, `${prefix}.commune`, address.commune);
  return { regionCode: address.regionCode, province, commune, milieu: address.milieu };
}

/**
 * Applies every registration rule that needs no database and reports all problems together.
 * Rules: names in both scripts; a real birth date in the past; citizens are Moroccan and foreign
 * residents are not; a CIN belongs to citizens only and is required from the age of majority;
 * minors have a legal representative; the address is a real region and province.
 */
export function checkRegistration(
  input: RegistrationInput,
  day: Date,
): { value: ValidRegistration; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const firstName = text(problems, "firstName", input.firstName, LATIN_NAME, "Latin letters");
  const lastName = text(problems, "lastName", input.lastName, LATIN_NAME, "Latin letters");
  const firstNameAr = text(problems, "firstNameAr", input.firstNameAr, ARABIC_NAME, "Arabic letters");
  const lastNameAr = text(problems, "lastNameAr", input.lastNameAr, ARABIC_NAME, "Arabic letters");
  const birthPlace = text(problems, "birthPlace", input.birthPlace);
  const registrationCentre = text(problems, "registrationCentre", input.registrationCentre);

  if (input.birthDate.getTime() > day.getTime()) {
    problems.push({ field: "birthDate", message: "is in the future" });
  } else if (input.birthDate.getUTCFullYear() < OLDEST_BIRTH_YEAR) {
    problems.push({ field: "birthDate", message: `is before ${OLDEST_BIRTH_YEAR}` });
  }
  const age = ageOn(input.birthDate, day);

  const nationality = input.nationality.trim().toUpperCase();
  if (!isCountryCode(nationality)) {
    problems.push({ field: "nationality", message: "must be an ISO 3166-1 alpha-3 country code" });
  } else if (input.residencyStatus === "CITIZEN" && nationality !== MOROCCO) {
    problems.push({ field: "nationality", message: "a citizen's nationality is MAR" });
  } else if (input.residencyStatus === "FOREIGN_RESIDENT" && nationality === MOROCCO) {
    problems.push({ field: "nationality", message: "a foreign resident's nationality is not MAR" });
  }

  let cin: string | null = null;
  if (input.cin !== null && input.cin !== undefined && input.cin.trim() !== "") {
    cin = normalizeCin(input.cin);
    if (!isValidCin(cin)) {
      problems.push({ field: "cin", message: "must be 1–2 letters followed by 5–8 digits" });
    } else if (input.residencyStatus !== "CITIZEN") {
      problems.push({ field: "cin", message: "only citizens hold a national identity card" });
    }
  } else if (input.residencyStatus === "CITIZEN" && age >= MAJORITY_AGE) {
    problems.push({ field: "cin", message: `is required for citizens aged ${MAJORITY_AGE} or more` });
  }

  let legalRepresentativeIdcs: string | null = null;
  if (input.legalRepresentativeIdcs) {
    legalRepresentativeIdcs = input.legalRepresentativeIdcs.trim();
    if (idcsProblem(legalRepresentativeIdcs)) {
      problems.push({ field: "legalRepresentativeIdcs", message: "is not a valid IDCS" });
    }
  } else if (age < MAJORITY_AGE) {
    problems.push({ field: "legalRepresentativeIdcs", message: "is required for a minor" });
  }

  let phone: string | null = null;
  if (input.phone !== null && input.phone !== undefined && input.phone.trim() !== "") {
    phone = normalizePhone(input.phone);
    if (!phone) {
      problems.push({ field: "phone", message: "must be a Moroccan number such as 0612345678 or +212612345678" });
    }
  }

  const address = checkAddress(problems, input.address);
  return {
    problems,
    value: {
      cin,
      firstName,
      lastName,
      firstNameAr,
      lastNameAr,
      nameKey: nameKey(lastName, firstName),
      sex: input.sex,
      birthDate: input.birthDate,
      birthPlace,
      nationality,
      residencyStatus: input.residencyStatus,
      ...address,
      phone,
      registrationCentre,
      legalRepresentativeIdcs,
    },
  };
}
