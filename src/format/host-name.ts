/** RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens, at most 63 characters a label, 253 in all. */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Whether `text` is a host name: what may reach dnsmasq's host entries, /etc/hostname and /etc/hosts. Pure. */
export function isHostName(text: string): boolean {
  return HOST_NAME.test(text);
}
