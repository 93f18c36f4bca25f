import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from "node:crypto";
import { link, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { SyscloneError } from "../errors/errors.js";

/**
 * What the clone initrd receives is signed: the plan script and the verify list. The initrd carries
 * the server's Ed25519 public key (baked in by `sysclone initrd build`) and refuses an answer whose
 * signature does not check. The signed text binds the answer to one install: a plan signed for
 * node A's boot cannot be replayed to node B, nor to A's next boot, nor passed off as a manifest.
 */

/** The HTTP header that carries an answer's signature: base64 of the Ed25519 signature of signedText(). */
export const signatureHeader = "x-sysclone-signature";

/** What a signature may cover; the clone client names the kind it expects. */
export type SignedKind = "plan" | "manifest" | "prescripts";

/** The install an answer belongs to: its node and the sha256 (hex) of its token, which the node computes from its own. */
export interface SignedFor {
  readonly node: string;
  readonly tokenSha256: string;
}

/** The exact bytes signed: one header line binding kind, node and install, then the body as sent. agent/clone/lib.sh builds the same. */
export function signedText(kind: SignedKind, install: SignedFor, body: string | Buffer): Buffer {
  return Buffer.concat([Buffer.from(`sysclone-signature v1 ${kind} ${install.node} ${install.tokenSha256}\n`), typeof body === "string" ? Buffer.from(body, "utf8") : body]);
}

/** The header value for an answer: base64 of the signature. */
export function signAnswer(key: KeyObject, kind: SignedKind, install: SignedFor, body: string | Buffer): string {
  return sign(null, signedText(kind, install, body), key).toString("base64");
}

/** Whether `signature` (base64) is this key's signature of the answer for this install; anything malformed is false. */
export function verifyAnswer(publicKey: KeyObject, kind: SignedKind, install: SignedFor, body: string | Buffer, signature: string): boolean {
  if (!/^[A-Za-z0-9+/]{86}==$/.test(signature)) return false;
  return verify(null, signedText(kind, install, body), publicKey, Buffer.from(signature, "base64"));
}

/** The public half in PEM (SubjectPublicKeyInfo), as the initrd's openssl reads it. */
export function publicKeyPem(key: KeyObject): string {
  return createPublicKey(key).export({ type: "spki", format: "pem" }).toString();
}

/** The signing key file of a home: `var/signing.key`, PKCS#8 PEM, mode 600. */
export function signingKeyFile(state: string): string {
  return path.join(state, "signing.key");
}

function parseKey(file: string, pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new SyscloneError("BAD_SIGNING_KEY", `${file} is not a private key`, { hint: "move it away; the next `sysclone serve` or `sysclone initrd build` makes a new one (then rebuild every clone initrd)" });
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new SyscloneError("BAD_SIGNING_KEY", `${file} holds a ${key.asymmetricKeyType ?? "unknown"} key, not Ed25519`, { hint: "move it away; the next `sysclone serve` or `sysclone initrd build` makes a new one (then rebuild every clone initrd)" });
  }
  return key;
}

/**
 * The server's signing key, made on first use (mode 600, never printed). The server and
 * `sysclone initrd build` both call this; whichever comes first makes the key, the other reads it.
 */
export async function loadOrCreateSigningKey(file: string): Promise<KeyObject> {
  try {
    return parseKey(file, await readFile(file, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync("ed25519");
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  // Written aside and linked into place: a reader never sees half a key, and of two first users one wins.
  const aside = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.new`;
  await writeFile(aside, pem, { mode: 0o600, flag: "wx" });
  try {
    await link(aside, file);
    return privateKey;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return parseKey(file, await readFile(file, "utf8"));
  } finally {
    await rm(aside, { force: true });
  }
}

/** The header to send with an answer: its signature, or none on a server without a key (the node then refuses the answer). */
export function signatureHeaders(key: KeyObject | undefined, kind: SignedKind, install: SignedFor, body: string | Buffer): Record<string, string> {
  return key ? { [signatureHeader]: signAnswer(key, kind, install, body) } : {};
}
