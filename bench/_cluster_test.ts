import assert from "node:assert/strict";
import { DOCUMENTED_NATIVE_LISTEN, nativeListen, nodeSettings } from "./_cluster.ts";

const README = new URL("../README.md", import.meta.url);

Deno.test("nativeListen() of the documented example is the block README's HAProxy config shows", async () => {
  const readme = await Deno.readTextFile(README);
  const block = nativeListen(DOCUMENTED_NATIVE_LISTEN);
  assert.ok(readme.includes(block), `README.md lacks, as the bench writes it:\n${block}`);
});

Deno.test("nativeListen() sends a PROXY v2 header to every node, health checks included", () => {
  const listen = nativeListen({
    bind: "127.0.0.1:4000",
    nodes: [{ name: "a", host: "127.0.0.1", port: 5001 }, {
      name: "b",
      host: "127.0.0.1",
      port: 5002,
    }],
  });
  assert.match(listen, /^ {2}bind 127\.0\.0\.1:4000$/m);
  assert.match(listen, /^ {2}server a 127\.0\.0\.1:5001 send-proxy-v2 check$/m);
  assert.match(listen, /^ {2}server b 127\.0\.0\.1:5002 send-proxy-v2 check$/m);
});

Deno.test("nodeSettings() turns the PROXY protocol on only behind a balancer", () => {
  assert.deepEqual(nodeSettings({ nodeId: "n1", workers: 1 }), { "node_id": "n1", workers: "1" });
  assert.deepEqual(nodeSettings({ nodeId: "n2", workers: 2, proxyFrom: "127.0.0.1" }), {
    "node_id": "n2",
    workers: "2",
    "proxy_protocol": "true",
    "proxy_from": "127.0.0.1",
  });
});
