/**
 * Rendezvous (highest random weight) hashing: every node scores the key and the highest score
 * owns it. Removing a node moves only that node's keys; adding one moves about 1/(n+1) of the
 * keys, all of them to the new node. No ring, no virtual nodes, no shared state: any two
 * processes with the same `nodes` set agree on every owner, whatever the order of `nodes`.
 *
 * Contract: the weight function is part of the cluster protocol. Changing it (or how strings
 * are fed to it) moves conversations between nodes, so every node of a cluster must run the
 * same version; a deploy that changes it behaves like a full membership change.
 *
 * Cost: O(nodes × (node.length + key.length)) integer ops and no allocation. It runs on every
 * command, so it stays crypto-free.
 */
export function ownerOf(key: string, nodes: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const node of nodes) {
    const w = weight(node, key);
    // Ties (2^-53) fall back to the name so the answer never depends on the order of `nodes`.
    if (w > bestWeight || (w === bestWeight && best !== undefined && node > best)) {
      best = node;
      bestWeight = w;
    }
  }
  return best;
}

/**
 * The weight of `${node}\u0000${key}` (over UTF-16 code units) as a 53-bit integer: an FNV-1a
 * lane and a murmur-style multiply-rotate lane, each finished with murmur3's fmix32 so that
 * near-identical names ("node-1", "node-2") still get independent weights.
 */
export function weight(node: string, key: string): number {
  let a = 0x811c9dc5; // FNV-1a offset basis
  let b = 0x9747b28c; // a different seed for the second lane
  for (let i = 0, n = node.length + 1 + key.length; i < n; i++) {
    const c =
      i < node.length
        ? node.charCodeAt(i)
        : i === node.length
          ? 0
          : key.charCodeAt(i - node.length - 1);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b = (b << 13) | (b >>> 19);
  }
  const hi = fmix32(a ^ b);
  const lo = fmix32((b + Math.imul(a, 0x85ebca6b)) | 0);
  return hi * 0x200000 + (lo >>> 11); // 32 + 21 bits: exact in a double
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
