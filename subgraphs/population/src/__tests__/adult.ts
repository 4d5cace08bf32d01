/**
 * An adult citizen of Casablanca, every field of their registration filled in and valid, as the
 * graph takes it (the birth date as text).
 */
export const ADULT = {
  cin: "BE123456",
  firstName: "Fatima",
  lastName: "El Idrissi",
  firstNameAr: "فاطمة",
  lastNameAr: "الإدريسي",
  sex: "FEMALE",
  birthDate: "1985-03-10",
  birthPlace: "Casablanca",
  nationality: "MAR",
  residencyStatus: "CITIZEN",
  address: { regionCode: "06", province: "Casablanca", commune: "Anfa", milieu: "URBAN" },
  phone: "0612345678",
  registrationCentre: "CSC Anfa",
} as const;
