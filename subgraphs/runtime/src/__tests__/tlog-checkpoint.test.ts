import { createPublicKey, verify } from "node:crypto";
import {
  addSignatureLines,
  checkpointText,
  cosignatureLine,
  EMPTY_ROOT,
  leafHash,
  openCheckpoint,
  parseCheckpoint,
  signNote,
} from "../tlog/index.js";
import { code, signer } from "./tlog-support.js";

// The example of c2sp.org/tlog-checkpoint, used as data.
const SPEC_TEXT = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

describe("checkpoint text", () => {
  it("parses the spec's example and writes it back byte for byte", () => {
    const checkpoint = parseCheckpoint(SPEC_TEXT);
    expect(checkpoint.origin).toBe("example.com/behind-the-sofa");
    expect(checkpoint.size).toBe(20852163);
    expect(Buffer.from(checkpoint.root).toString("base64")).toBe("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
    expect(checkpointText(checkpoint)).toBe(SPEC_TEXT);
    expect(checkpointText({ origin: "spx.localhost/access-log", size: 0, root: EMPTY_ROOT })).toBe(
      "spx.localhost/access-log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
    );
  });

  it("is strict: leading zeros, signs, bad base64, wrong root length, missing or extra lines", () => {
    const root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
    const bad = [
      `o\n007\n${root}\n`,
      `o\n00\n${root}\n`,
      `o\n-1\n${root}\n`,
      `o\n+1\n${root}\n`,
      `o\n1.0\n${root}\n`,
      `o\n 1\n${root}\n`,
      `o\n9007199254740993\n${root}\n`,
      `o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n`,
      `o\n1\nCsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=\n`,
      `o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n`,
      `o\n1\n${Buffer.alloc(31).toString("base64")}\n`,
      `o\n1\n${Buffer.alloc(33).toString("base64")}\n`,
      `o\n1\n`,
      `o\n1\n${root}`,
      `o\n1\n${root}\nextension\n`,
      `\n1\n${root}\n`,
      `o\r\n1\n${root}\n`,
      "",
    ];
    for (const text of bad) {
      expect([text, code(() => parseCheckpoint(text))]).toEqual([text, "CHECKPOINT_MALFORMED"]);
    }
    expect(code(() => checkpointText({ origin: "a\nb", size: 1, root: EMPTY_ROOT }))).toBe("CHECKPOINT_MALFORMED");
    expect(code(() => checkpointText({ origin: "o", size: -1, root: EMPTY_ROOT }))).toBe("RANGE");
    expect(code(() => checkpointText({ origin: "o", size: 1, root: new Uint8Array(31) }))).toBe("HASH_LENGTH");
  });
});

describe("signed checkpoints and cosignatures", () => {
  const log = signer("spx.example/access-log");
  const witness = signer("witness.example", 0x04);
  const text = checkpointText({ origin: "spx.example/access-log", size: 42, root: leafHash(Uint8Array.of(42)) });
  const note = signNote(text, log);
  const time = 1_767_225_600;

  it("a cosignature/v1 line signs 'cosignature/v1', 'time <t>' and the checkpoint text", () => {
    const line = cosignatureLine(text, witness, time);
    expect(line.startsWith("\u2014 witness.example ")).toBe(true);
    const blob = Buffer.from(line.split(" ")[2]!, "base64");
    expect(blob).toHaveLength(4 + 8 + 64);
    expect(Buffer.from(blob.subarray(0, 4))).toEqual(Buffer.from(witness.keyId));
    expect(blob.readBigUInt64BE(4)).toBe(BigInt(time));
    const publicKey = createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(witness.publicKey).toString("base64url") },
      format: "jwk",
    });
    const message = Buffer.from(`cosignature/v1\ntime ${time}\n${text}`);
    expect(verify(null, message, publicKey, blob.subarray(12))).toBe(true);
  });

  it("opens with the log key, returning each cosigner with its time", () => {
    const cosigned = addSignatureLines(note, [cosignatureLine(text, witness, time)]);
    const opened = openCheckpoint(cosigned, log, [witness]);
    expect(opened.checkpoint.size).toBe(42);
    expect(opened.checkpoint.origin).toBe("spx.example/access-log");
    expect(opened.cosignedBy).toEqual([{ name: "witness.example", time }]);
    expect(opened.note).toBe(cosigned);
    // Without the witness's key its line is just unknown.
    expect(openCheckpoint(cosigned, log).cosignedBy).toEqual([]);
  });

  it("a cosignature fails when its time or the text changes", () => {
    const line = cosignatureLine(text, witness, time);
    const blob = Buffer.from(line.split(" ")[2]!, "base64");
    blob.writeBigUInt64BE(BigInt(time + 1), 4);
    const retimed = `\u2014 witness.example ${blob.toString("base64")}`;
    expect(code(() => openCheckpoint(addSignatureLines(note, [retimed]), log, [witness]))).toBe("NOTE_BAD_SIGNATURE");

    const otherText = checkpointText({ origin: "spx.example/access-log", size: 43, root: EMPTY_ROOT });
    const moved = addSignatureLines(signNote(otherText, log), [line]);
    expect(code(() => openCheckpoint(moved, log, [witness]))).toBe("NOTE_BAD_SIGNATURE");
  });

  it("requires the log's own signature and a well-formed checkpoint", () => {
    const otherLog = signer("spx.example/access-log");
    const cosigned = addSignatureLines(signNote(text, otherLog), [cosignatureLine(text, witness, time)]);
    expect(code(() => openCheckpoint(cosigned, log, [witness]))).toBe("NOTE_UNVERIFIED");
    expect(code(() => openCheckpoint(signNote("not\na checkpoint\n", log), log))).toBe("CHECKPOINT_MALFORMED");
    expect(code(() => cosignatureLine(text, log, time))).toBe("KEY_MALFORMED");
    expect(code(() => cosignatureLine(text, witness, -1))).toBe("RANGE");
    expect(code(() => cosignatureLine("not a checkpoint\n", witness, time))).toBe("CHECKPOINT_MALFORMED");
  });
});
