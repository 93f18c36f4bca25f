/** The caller's address as tokens and rsync's `hosts allow` name it: IPv4 without the IPv4-mapped IPv6 prefix. */
export function clientAddress(ip: string): string {
  return ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
}

/** The step a failure in an install route is recorded under: the route's last path segment ("inventory", "log", …). */
export function routeStep(url: string | undefined): string {
  return url?.split("/").pop() || "request";
}
