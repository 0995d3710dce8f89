import ipaddr from 'ipaddr.js';

/**
 * A client address as the visitor and viewer per-IP limits count it (failed API keys count the
 * whole address: servers share a /64). An IPv6 host is given a whole /64 (it can pick any address
 * in it at will), so one host counts once, not 2^64 times; an IPv4-mapped IPv6 address is its
 * IPv4 address.
 * @example clientAddressKey('2001:db8:1:2:aaaa::7') // '2001:db8:1:2::/64'
 */
export function clientAddressKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const address = ipaddr.process(ip);
  if (address.kind() === 'ipv4') return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toString()}/64`;
}
