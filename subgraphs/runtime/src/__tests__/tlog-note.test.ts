import type { JsonWebKey } from "node:crypto";
import {
  addSignatureLines,
  type NoteKey,
  noteKeyFromJwk,
  noteSigner,
  openNote,
  parseVerifierKey,
  signNote,
  verifierKeyString,
} from "../tlog/index.js";
import { code, newKey } from "./tlog-support.js";

// The example of c2sp.org/signed-note ("Verifier keys"), used as data.
const SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
const SPEC_NOTE =
  "This is an example message.\n\n" +
  "\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const names = (keys: readonly NoteKey[]) => keys.map((k) => k.name);

describe("the signed-note spec's example", () => {
  it("parses the verifier key to its name, type and key ID 530d903a, and writes it back byte for byte", () => {
    const key = parseVerifierKey(SPEC_VKEY);
    expect(key.name).toBe("example.com/foo");
    expect(key.type).toBe(0x01);
    expect(hex(key.keyId)).toBe("530d903a");
    expect(key.publicKey).toHaveLength(32);
    expect(verifierKeyString(key)).toBe(SPEC_VKEY);
  });

  it("verifies the spec's signature and rejects it once the text changes", () => {
    const key = parseVerifierKey(SPEC_VKEY);
    const opened = openNote(SPEC_NOTE, [key]);
    expect(opened.text).toBe("This is an example message.\n");
    expect(opened.verifiedBy).toEqual([key]);
    expect(opened.lines).toHaveLength(1);
    expect(code(() => openNote(SPEC_NOTE.replace("example message", "example massage"), [key]))).toBe(
      "NOTE_BAD_SIGNATURE",
    );
  });
});

// The example of golang.org/x/mod/sumdb/note, the reference implementation, used as data: Ed25519 is
// deterministic, so signing its text with its key must give its note byte for byte.
const GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_SKEY_MATERIAL = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"; // 0x01 ‖ seed
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

describe("the Go reference implementation's example", () => {
  it("signs its text with its key into its note, byte for byte, and opens it", () => {
    const key = parseVerifierKey(GO_VKEY);
    expect(hex(key.keyId)).toBe("c74f20a3");
    const jwk: JsonWebKey = {
      kty: "OKP",
      crv: "Ed25519",
      d: Buffer.from(GO_SKEY_MATERIAL, "base64").subarray(1).toString("base64url"),
      x: Buffer.from(key.publicKey).toString("base64url"),
    };
    const signer = noteSigner("PeterNeumann", jwk);
    expect(verifierKeyString(signer)).toBe(GO_VKEY);
    expect(signNote(GO_TEXT, signer)).toBe(GO_NOTE);
    expect(openNote(GO_NOTE, [key]).text).toBe(GO_TEXT);
  });
});

describe("signing and opening notes", () => {
  const log = newKey("spx.example/log");
  const other = newKey("other.example/log");

  it("round-trips: the signature line is '— name base64(keyId ‖ sig)' over the text", () => {
    const note = signNote("hello\nworld\n", log.signer);
    expect(note.startsWith("hello\nworld\n\n\u2014 spx.example/log ")).toBe(true);
    expect(note.endsWith("\n")).toBe(true);
    const blob = Buffer.from(note.split(" ").at(-1)!.trim(), "base64");
    expect(blob).toHaveLength(68);
    expect(hex(blob.subarray(0, 4))).toBe(hex(log.signer.keyId));
    const key = noteKeyFromJwk("spx.example/log", log.publicJwk);
    expect(hex(key.keyId)).toBe(hex(log.signer.keyId));
    expect(openNote(note, [key]).text).toBe("hello\nworld\n");
    expect(parseVerifierKey(verifierKeyString(key))).toEqual(key);
  });

  it("keeps empty lines of the text: the signatures start after the last empty line", () => {
    const note = signNote("a\n\nb\n", log.signer);
    expect(openNote(note, [log.signer]).text).toBe("a\n\nb\n");
  });

  it("ignores unknown keys, even sharing a name or an ID with a known one", () => {
    const both = addSignatureLines(signNote("text\n", log.signer), [
      signNote("text\n", other.signer).split("\n\n")[1]!,
    ]);
    expect(names(openNote(both, [log.signer]).verifiedBy)).toEqual(["spx.example/log"]);
    expect(names(openNote(both, [log.signer, other.signer]).verifiedBy)).toEqual([
      "spx.example/log",
      "other.example/log",
    ]);
    // Same name as the log, another key (so another ID): ignored, the log's own signature still verifies.
    const impostor = newKey("spx.example/log");
    expect(names(openNote(both, [impostor.signer, log.signer]).verifiedBy)).toEqual(["spx.example/log"]);
    expect(code(() => openNote(both, [impostor.signer]))).toBe("NOTE_UNVERIFIED");
    // Same ID, another name: ignored.
    const renamed: NoteKey = { ...log.signer, name: "renamed.example/log" };
    expect(code(() => openNote(both, [renamed]))).toBe("NOTE_UNVERIFIED");
  });

  it("rejects the whole note when a known key's signature fails", () => {
    const note = signNote("text\n", log.signer);
    const line = note.split("\n\n")[1]!.trim();
    const blob = Buffer.from(line.split(" ")[2]!, "base64");
    blob[10]! ^= 1;
    const forged = `text\n\n\u2014 spx.example/log ${blob.toString("base64")}\n`;
    expect(code(() => openNote(forged, [log.signer]))).toBe("NOTE_BAD_SIGNATURE");
    // Even when another known key verifies.
    const twice = addSignatureLines(forged, [signNote("text\n", other.signer).split("\n\n")[1]!]);
    expect(code(() => openNote(twice, [log.signer, other.signer]))).toBe("NOTE_BAD_SIGNATURE");
    expect(code(() => openNote(signNote("other text\n", log.signer).replace("other ", ""), [log.signer]))).toBe(
      "NOTE_BAD_SIGNATURE",
    );
  });

  it("refuses control characters, a missing newline and broken signature blocks", () => {
    expect(code(() => signNote("tab\there\n", log.signer))).toBe("NOTE_MALFORMED");
    expect(code(() => signNote("no newline", log.signer))).toBe("NOTE_MALFORMED");
    expect(code(() => signNote("lone \ud800 surrogate\n", log.signer))).toBe("NOTE_MALFORMED");
    const note = signNote("text\n", log.signer);
    expect(code(() => openNote(note.replace("text", "te\rxt"), [log.signer]))).toBe("NOTE_MALFORMED");
    expect(code(() => openNote(note.slice(0, -1), [log.signer]))).toBe("NOTE_MALFORMED");
    expect(code(() => openNote("text\n", [log.signer]))).toBe("NOTE_MALFORMED");
    expect(code(() => openNote("text\n\n", [log.signer]))).toBe("NOTE_MALFORMED");
    expect(code(() => openNote(note.replace("\u2014", "-"), [log.signer]))).toBe("NOTE_MALFORMED");
    expect(code(() => openNote(`${note}\u2014 x.example not*base64\n`, [log.signer]))).toBe("NOTE_MALFORMED");
    expect(code(() => openNote(`${note}\u2014 x.example AAAA\n`, [log.signer]))).toBe("NOTE_MALFORMED");
  });

  it("accepts at least 16 signatures and drops exact duplicates when adding lines", () => {
    const keys = Array.from({ length: 20 }, (_, i) => newKey(`w${i}.example`).signer);
    const lines = keys.map((k) => signNote("text\n", k).split("\n\n")[1]!);
    const note = addSignatureLines(signNote("text\n", log.signer), [...lines, ...lines]);
    expect(note.split("\n").filter((l) => l.startsWith("\u2014"))).toHaveLength(21);
    expect(openNote(note, [log.signer, ...keys]).verifiedBy).toHaveLength(21);
    expect(
      addSignatureLines(
        note,
        lines.map((l) => l.trim()),
      ),
    ).toBe(note);
  });

  it("refuses unusable keys and names", () => {
    for (const name of ["", "with space", "with+plus", "tab\tname"]) {
      expect(code(() => noteSigner(name, log.jwk))).toBe("KEY_MALFORMED");
    }
    expect(code(() => noteSigner("a.example", { ...log.jwk, x: other.publicJwk.x }))).toBe("KEY_MALFORMED");
    expect(code(() => noteSigner("a.example", log.publicJwk))).toBe("KEY_MALFORMED");
    expect(code(() => noteKeyFromJwk("a.example", { kty: "EC", crv: "P-256", x: "AA", y: "AA" }))).toBe(
      "KEY_MALFORMED",
    );
    expect(code(() => parseVerifierKey(SPEC_VKEY.replace("530d903a", "530d903b")))).toBe("KEY_MALFORMED");
    expect(code(() => parseVerifierKey(SPEC_VKEY.replace("+Aeky", "+Aky")))).toBe("KEY_MALFORMED");
    expect(code(() => parseVerifierKey("example.com/foo+530d903a"))).toBe("KEY_MALFORMED");
    const type2 = Buffer.from(SPEC_VKEY.split("+")[2]!, "base64");
    type2[0] = 0x02;
    expect(code(() => parseVerifierKey(`example.com/foo+530d903a+${type2.toString("base64")}`))).toBe("KEY_MALFORMED");
    expect(code(() => signNote("text\n", newKey("w.example", 0x04).signer))).toBe("KEY_MALFORMED");
  });
});
