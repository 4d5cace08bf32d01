/*
 * The facts the population register keeps about a person, as every register's demo data and
 * reference checks see them.
 */

export type Sex = "MALE" | "FEMALE";
export type Milieu = "URBAN" | "RURAL";
export type ResidencyStatus = "CITIZEN" | "FOREIGN_RESIDENT";

/** A person as registered: every rule checked, normalized for storage. */
export interface PersonRecord {
  cin: string | null;
  firstName: string;
  lastName: string;
  firstNameAr: string;
  lastNameAr: string;
  nameKey: string;
  sex: Sex;
  birthDate: Date;
  birthPlace: string;
  nationality: string;
  residencyStatus: ResidencyStatus;
  regionCode: string;
  province: string;
  commune: string;
  milieu: Milieu;
  phone: string | null;
  registrationCentre: string;
  legalRepresentativeIdcs: string | null;
}
