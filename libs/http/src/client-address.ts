import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key a client's requests are counted under by the rate limiter.
 *
 * - IPv4: the address itself.
 * - IPv6: its /64 prefix (`2001:db8:1:2::/64`). One subscriber, one host even,
 *   is routinely handed a whole /64 and may use any address in it (privacy
 *   addresses rotate by design), so keying by the full address would give a
 *   client 2^64 budgets.
 * - An IPv4-mapped IPv6 address (`::ffff:192.0.2.7`, what a dual-stack socket
 *   reports for an IPv4 peer) is the IPv4 client it stands for, not a /64.
 *
 * `address` is Fastify's `request.ip`: the socket's peer, or with trusted
 * proxies the client they report. Anything that is not an IP address (a
 * proxy's garbage) is its own key.
 */
export function clientAddressKey(address: string): string {
  if (isIPv4(address)) return address;
  const groups = isIPv6(address) ? ipv6Groups(address) : undefined;
  if (!groups) return address;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (zone dropped, `::` expanded, a dotted IPv4 tail converted). */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.split('%', 1)[0];
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a, b, c, d] = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const front = parse(head);
  const back = parse(rest);
  const groups = rest === undefined ? front : [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}
