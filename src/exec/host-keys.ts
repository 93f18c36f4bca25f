/** The keys of a `hostkey` attribute: one or more "type base64", joined by ",". Apart from ssh.ts, so its users need not load ssh2. */
export function pinnedHostKeys(value: string | undefined): string[] {
  return (value ?? "").split(",").map((key) => key.trim()).filter((key) => key !== "");
}
