import { BlockList, isIP } from "node:net";

/** Header the server (server.ts) sets from the socket; a client-sent copy is always overwritten. */
export const CLIENT_IP_HEADER = "x-kubewise-client-ip";

/** "10.0.0.0/8, 192.168.1.7" -> a BlockList of trusted proxy addresses; throws on a bad entry. */
export function parseTrustedProxies(list: string | undefined): BlockList {
  const trusted = new BlockList();
  for (const entry of (list ?? "").split(",").map((e) => e.trim())) {
    if (entry === "") continue;
    const [address = "", bits] = entry.split("/");
    const family = isIP(address);
    if (family === 0)
      throw new Error(
        `KUBEWISE_TRUSTED_PROXIES: ${entry} is not an IP or CIDR`,
      );
    const type = family === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) trusted.addAddress(address, type);
    else trusted.addSubnet(address, Number(bits), type);
  }
  return trusted;
}

function normalize(address: string): string {
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

function isTrusted(trusted: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && trusted.check(address, family === 6 ? "ipv6" : "ipv4");
}

/**
 * The client's address: the socket peer, unless the peer is a configured proxy, in which case
 * X-Forwarded-For is walked from the right past trusted proxies (the first untrusted hop is the
 * client). A header from anyone else is ignored, so it cannot move a client's throttling key.
 */
export function resolveClientIp(
  socketAddress: string | undefined,
  forwardedFor: string | undefined,
  trusted: BlockList,
): string {
  let client = normalize(socketAddress ?? "unknown");
  if (!isTrusted(trusted, client)) return client;
  const hops = (forwardedFor ?? "")
    .split(",")
    .map((hop) => normalize(hop.trim()))
    .filter((hop) => isIP(hop) !== 0);
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    client = hops[i] ?? client;
    if (!isTrusted(trusted, client)) return client;
  }
  return client;
}
