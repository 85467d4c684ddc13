/**
 * The cluster of `bench:cluster`: the HAProxy section in front of the nodes
 * (the one README's "Running several nodes" documents, printed by
 * `deno task bench:cluster --haproxy-config`) and each node's settings.
 */

/** A node as the balancer reaches it. */
export interface BalancedNode {
  name: string;
  host: string;
  port: number;
}

/** Where the balancer listens and which nodes it spreads the native connections over. */
export interface NativeListenOptions {
  /** HAProxy's `bind` argument: `:2121`, `127.0.0.1:40000`. */
  bind: string;
  nodes: BalancedNode[];
}

/**
 * The HAProxy `listen` section of the native port: TCP, round robin, a
 * PROXY v2 header on every connection (and on health checks, as a `LOCAL`
 * header: HAProxy sends one there when `send-proxy-v2` is set and the check
 * has no port of its own), so each node sees the client's address.
 */
export function nativeListen(options: NativeListenOptions): string {
  return [
    "listen ftpx_native",
    `  bind ${options.bind}`,
    "  balance roundrobin",
    ...options.nodes.map((node) =>
      `  server ${node.name} ${node.host}:${node.port} send-proxy-v2 check`
    ),
    "",
  ].join("\n");
}

/** The example README documents: two nodes on 10.0.1.1 and 10.0.1.2, the balancer on :2121. */
export const DOCUMENTED_NATIVE_LISTEN: NativeListenOptions = {
  bind: ":2121",
  nodes: [
    { name: "node1", host: "10.0.1.1", port: 2121 },
    { name: "node2", host: "10.0.1.2", port: 2121 },
  ],
};

/** Where a node is: its name in the shared database, and whether a balancer fronts it. */
export interface NodeSettingsOptions {
  nodeId: string;
  /** Server threads of this node (`workers`; 0: one per core). */
  workers: number;
  /** The balancer's address when it sends PROXY headers; none when clients connect directly. */
  proxyFrom?: string;
}

/** The INI keys of one node (beside the load limits): name, threads, PROXY protocol when balanced. */
export function nodeSettings(options: NodeSettingsOptions): Record<string, string> {
  const settings: Record<string, string> = {
    "node_id": options.nodeId,
    workers: String(options.workers),
  };
  if (options.proxyFrom !== undefined) {
    settings["proxy_protocol"] = "true";
    settings["proxy_from"] = options.proxyFrom;
  }
  return settings;
}
