import { isValidCin, normalizeCin } from "@spx/reference/cin";
import { normalizePhone } from "../phone.js";

describe("CIN", () => {
  it.each(["AB123456", "K456789", "BE12345", "J12345678"])("accepts %s", (cin) => {
    expect(isValidCin(normalizeCin(cin))).toBe(true);
  });

  it("normalizes case and spaces", () => {
    expect(normalizeCin(" ab 123 456 ")).toBe("AB123456");
  });

  it.each(["", "123456", "ABC12345", "AB1234", "AB123456789", "A-123456", "ÀB123456"])("rejects %p", (cin) => {
    expect(isValidCin(normalizeCin(cin))).toBe(false);
  });
});

describe("phone numbers", () => {
  it.each([
    ["0612345678", "+212612345678"],
    ["+212 7 12 34 56 78", "+212712345678"],
    ["00212522123456", "+212522123456"],
  ])("normalizes %s", (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
  });

  it.each(["12345", "+33612345678", "0812345678", "06123456789"])("rejects %s", (input) => {
    expect(normalizePhone(input)).toBeNull();
  });
});
