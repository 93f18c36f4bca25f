import { SyscloneError } from "../errors/errors.js";
import { quoteInput } from "../objects/quote.js";

/** Where the remote CLI sends its requests, and the API token it sends. */
export interface RemoteSettings {
  /** The server's base URL (http or https, no user, query or fragment), without a trailing slash. */
  readonly url: string;
  readonly token: string;
  /** Where the token came from, for messages ("SYSCLONE_TOKEN_FILE /home/op/.sysclone-token"): never the token. */
  readonly tokenSource: string;
}

/** What reading the token file needs; the real one is node:fs. */
export interface TokenFileReader {
  /** The file's permission bits and whether it is a regular file; throws as fs.statSync does. */
  stat(file: string): { readonly mode: number; readonly isFile: boolean };
  read(file: string): string;
}

const setupHint = "put a token (sysclone user add or sysclone token add prints one) in a file only you can read (chmod 600) and set SYSCLONE_TOKEN_FILE to it";

/** An API token is one word of printable characters: anything else would be a broken header, or not one token. */
const TOKEN = /^[\x21-\x7e]{1,256}$/;

/**
 * The remote CLI's settings from the environment: undefined when SYSCLONE_URL is unset (the
 * commands use the local store). The token comes from SYSCLONE_TOKEN_FILE (a file of mode 600,
 * so it sits in no process's environment) or SYSCLONE_TOKEN; never both.
 */
export function remoteSettings(env: Readonly<Record<string, string | undefined>>, files: TokenFileReader): RemoteSettings | undefined {
  const text = env["SYSCLONE_URL"];
  if (text === undefined || text === "") return undefined;
  const url = parseServerUrl(text);
  const file = env["SYSCLONE_TOKEN_FILE"];
  const direct = env["SYSCLONE_TOKEN"];
  if (file !== undefined && file !== "" && direct !== undefined && direct !== "") {
    throw new SyscloneError("USAGE", "both SYSCLONE_TOKEN and SYSCLONE_TOKEN_FILE are set", { hint: "unset SYSCLONE_TOKEN and keep the token in the file only" });
  }
  if (file !== undefined && file !== "") return { url, token: readTokenFile(file, files), tokenSource: `SYSCLONE_TOKEN_FILE ${quoteInput(file)}` };
  if (direct !== undefined && direct !== "") {
    if (!TOKEN.test(direct.trim())) throw new SyscloneError("BAD_TOKEN_FILE", "SYSCLONE_TOKEN does not hold one API token (it holds spaces, line breaks or control characters)", { hint: setupHint });
    return { url, token: direct.trim(), tokenSource: "SYSCLONE_TOKEN" };
  }
  throw new SyscloneError("UNAUTHENTICATED", `SYSCLONE_URL is set (${url}) but no API token is`, { hint: setupHint });
}

/** SYSCLONE_URL: http or https to the server itself; a user or password in it would be sent and shown, so it is refused. */
export function parseServerUrl(text: string): string {
  const shown = quoteInput(text);
  const refuse = (why: string): never => {
    throw new SyscloneError("USAGE", `SYSCLONE_URL ${shown} ${why}`, { hint: "set it to the address sysclone serve printed, e.g. http://10.0.0.1:8080" });
  };
  if (!text.includes("://")) refuse("is not a URL: write the scheme too, http:// or https://");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse("is not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") refuse("is not an http:// or https:// address");
  if (url.username !== "" || url.password !== "") refuse("holds a user name or password; the API token goes in SYSCLONE_TOKEN_FILE");
  if (url.search !== "" || url.hash !== "") refuse("holds a query or fragment");
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

function readTokenFile(file: string, files: TokenFileReader): string {
  const shown = quoteInput(file);
  let stat;
  try {
    stat = files.stat(file);
  } catch (error) {
    throw new SyscloneError("BAD_TOKEN_FILE", `cannot read the token file ${shown} (SYSCLONE_TOKEN_FILE): ${(error as NodeJS.ErrnoException).code ?? "unreadable"}`, { hint: setupHint });
  }
  if (!stat.isFile) throw new SyscloneError("BAD_TOKEN_FILE", `the token file ${shown} (SYSCLONE_TOKEN_FILE) is not a regular file`, { hint: setupHint });
  if ((stat.mode & 0o077) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, "0");
    throw new SyscloneError("BAD_TOKEN_FILE", `the token file ${shown} is open to other users (mode ${mode}); a token anyone can read is anyone's`, { hint: `chmod 600 ${shown}, and ask an admin to revoke the token (sysclone token revoke) if others may have read it` });
  }
  let content: string;
  try {
    content = files.read(file);
  } catch (error) {
    throw new SyscloneError("BAD_TOKEN_FILE", `cannot read the token file ${shown} (SYSCLONE_TOKEN_FILE): ${(error as NodeJS.ErrnoException).code ?? "unreadable"}`, { hint: setupHint });
  }
  const token = content.trim();
  if (token === "") throw new SyscloneError("BAD_TOKEN_FILE", `the token file ${shown} is empty`, { hint: setupHint });
  if (!TOKEN.test(token)) throw new SyscloneError("BAD_TOKEN_FILE", `the token file ${shown} does not hold one API token (only the token, on one line)`, { hint: setupHint });
  return token;
}
