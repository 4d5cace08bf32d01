import { idcsFromBody, idcsProblem, isValidVerhoeff, randomIdcs, verhoeffDigit } from "../idcs.js";

describe("Verhoeff check digit", () => {
  it("matches the published reference values", () => {
    expect(verhoeffDigit("236")).toBe(3);
    expect(verhoeffDigit("12345")).toBe(1);
    expect(isValidVerhoeff("2363")).toBe(true);
    expect(isValidVerhoeff("2364")).toBe(false);
  });

  const valid = idcsFromBody("412345678");

  it("catches every single-digit substitution", () => {
    for (let position = 0; position < valid.length; position++) {
      for (let digit = 0; digit <= 9; digit++) {
        const typo = valid.slice(0, position) + digit + valid.slice(position + 1);
        if (typo !== valid) {
          expect(isValidVerhoeff(typo)).toBe(false);
        }
      }
    }
  });

  it("catches every swap of two adjacent different digits", () => {
    for (let trial = 0; trial < 200; trial++) {
      const idcs = randomIdcs();
      for (let i = 0; i < idcs.length - 1; i++) {
        if (idcs[i] !== idcs[i + 1]) {
          const swapped = idcs.slice(0, i) + idcs[i + 1] + idcs[i] + idcs.slice(i + 2);
          expect(isValidVerhoeff(swapped)).toBe(false);
        }
      }
    }
  });
});

describe("IDCS", () => {
  it("issues 10 digits, first 1–8, with a valid check digit", () => {
    for (let i = 0; i < 1000; i++) {
      const idcs = randomIdcs();
      expect(idcs).toMatch(/^[1-8]\d{9}$/);
      expect(idcsProblem(idcs)).toBeNull();
    }
  });

  it("is random: a thousand draws are distinct", () => {
    const drawn = new Set(Array.from({ length: 1000 }, () => randomIdcs()));
    expect(drawn.size).toBe(1000);
  });

  it("names what is wrong with a malformed IDCS", () => {
    expect(idcsProblem("123")).toBe("FORMAT");
    expect(idcsProblem("12345678901")).toBe("FORMAT");
    expect(idcsProblem("12345abcde")).toBe("FORMAT");
    expect(idcsProblem("0123456789")).toBe("FORMAT");
    expect(idcsProblem("9123456789")).toBe("FORMAT");
    const valid = idcsFromBody("512345678");
    const wrong = valid.slice(0, 9) + ((Number(valid[9]) + 1) % 10);
    expect(idcsProblem(wrong)).toBe("CHECK_DIGIT");
  });

  it("refuses to build an IDCS from a body outside the issued range", () => {
    expect(() => idcsFromBody("012345678")).toThrow(RangeError);
    expect(() => idcsFromBody("12345678")).toThrow(RangeError);
  });
});
