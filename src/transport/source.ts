/**
 * What counts as one source for the per-source limits: an IPv4 address, or an IPv6 /64 (one
 * customer's network, as OpenSSH's PerSourceNetBlockSize defaults to). An IPv4-mapped IPv6
 * address (`::ffff:a.b.c.d`) is the IPv4 address. Pure.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** The source key of a remote address ("unknown" when the socket had none). */
export function sourceOf(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return address;
  return `${ipv6Groups(address.replace(/%.*$/, '')).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, as lower-case hex without leading zeros. */
function ipv6Groups(a: string): string[] {
  let s = a.toLowerCase();
  // A trailing dotted quad (e.g. 64:ff9b::1.2.3.4) is two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4 !== null) {
    const n = v4.slice(1, 5).map(Number);
    s = `${s.slice(0, v4.index)}${(((n[0] ?? 0) << 8) | (n[1] ?? 0)).toString(16)}:${(((n[2] ?? 0) << 8) | (n[3] ?? 0)).toString(16)}`;
  }
  const [head = '', tail] = s.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16).toString(16));
}
