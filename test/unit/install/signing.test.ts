import { createPublicKey, generateKeyPairSync } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { publicKeyPem, signatureHeader, signatureHeaders, signAnswer, signedText, verifyAnswer, type SignedKind } from "../../../src/install/signing.js";

const { privateKey } = generateKeyPairSync("ed25519");
const publicKey = createPublicKey(privateKey);
const other = generateKeyPairSync("ed25519");
const n01 = { node: "n01", tokenSha256: "a".repeat(64) };
const plan = "#!/bin/sh\nset -eu\nsc_finish reboot\n";

describe("signed answers", () => {
  it("signs a header line binding kind, node and token digest, then the body as sent (lib.sh builds the same)", () => {
    expect(signedText("plan", n01, plan).toString()).toBe(`sysclone-signature v1 plan n01 ${"a".repeat(64)}\n${plan}`);
    expect(signedText("manifest", n01, Buffer.from([0xff, 0x00])).subarray(-2)).toEqual(Buffer.from([0xff, 0x00]));
  });

  it("verifies what it signed: a base64 Ed25519 signature", () => {
    const signature = signAnswer(privateKey, "plan", n01, plan);
    expect(signature).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    expect(verifyAnswer(publicKey, "plan", n01, plan, signature)).toBe(true);
    expect(verifyAnswer(publicKey, "plan", n01, Buffer.from(plan), signature)).toBe(true);
  });

  const signature = signAnswer(privateKey, "plan", n01, plan);
  it.each<[string, { kind?: SignedKind; node?: string; tokenSha256?: string; body?: string; key?: typeof publicKey; signature?: string }]>([
    ["a changed byte of the body", { body: plan.replace("reboot", "rebooT") }],
    ["a line added to the body", { body: `${plan}rm -rf /\n` }],
    ["the answer of another node (replay)", { node: "n02" }],
    ["the answer of another boot of the same node (replay)", { tokenSha256: "b".repeat(64) }],
    ["a plan passed off as a manifest", { kind: "manifest" }],
    ["another server's key", { key: createPublicKey(other.privateKey) }],
    ["no signature", { signature: "" }],
    ["a truncated signature", { signature: signature.slice(0, 40) }],
    ["a signature with a flipped bit", { signature: `${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}` }],
  ])("refuses %s", (_name, change) => {
    const install = { node: change.node ?? n01.node, tokenSha256: change.tokenSha256 ?? n01.tokenSha256 };
    expect(verifyAnswer(change.key ?? publicKey, change.kind ?? "plan", install, change.body ?? plan, change.signature ?? signature)).toBe(false);
  });

  it("answers false, never throws, for any signature text and body", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (text, body) => {
        expect(verifyAnswer(publicKey, "manifest", n01, body, text)).toBe(false);
      }),
    );
  });

  it("round-trips any body, and a changed body fails", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.nat(), (bytes, at) => {
        const body = Buffer.from(bytes);
        const signed = signAnswer(privateKey, "manifest", n01, body);
        expect(verifyAnswer(publicKey, "manifest", n01, body, signed)).toBe(true);
        const changed = Buffer.concat([body, Buffer.from([at % 256])]);
        expect(verifyAnswer(publicKey, "manifest", n01, changed, signed)).toBe(false);
      }),
      { numRuns: 50 },
    );
  });

  it("sends the signature header only when the server has a key", () => {
    expect(signatureHeaders(undefined, "plan", n01, plan)).toEqual({});
    const headers = signatureHeaders(privateKey, "plan", n01, plan);
    expect(Object.keys(headers)).toEqual([signatureHeader]);
    expect(verifyAnswer(publicKey, "plan", n01, plan, headers[signatureHeader] ?? "")).toBe(true);
  });

  it("gives the public half as PEM, the private half nowhere", () => {
    const pem = publicKeyPem(privateKey);
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/);
    expect(createPublicKey(pem).equals(publicKey)).toBe(true);
    expect(pem).not.toContain("PRIVATE");
  });
});
