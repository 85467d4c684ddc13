import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError, loadConfig } from "./config.ts";

async function loadWith(ini: string, overrides: Record<string, string> = {}) {
  const dir = await Deno.makeTempDir();
  try {
    const configPath = join(dir, "server.ini");
    await Deno.writeTextFile(configPath, ini);
    return await loadConfig({ configPath, overrides });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("loadConfig() reads the FTP options and lets --ftp-port override ftp_port", async () => {
  const config = await loadWith(
    "ftp_port = 2122\npasv_ports = 40000 - 40010\npasv_address = 203.0.113.7\n" +
      "active_mode = yes\ntls_cert = c.pem\ntls_key = k.pem\nrequire_tls = on\n",
  );
  assert.equal(config.ftpPort, 2122);
  assert.deepEqual(config.pasvPorts, { first: 40000, last: 40010 });
  assert.equal(config.pasvAddress, "203.0.113.7");
  assert.equal(config.activeMode, true);
  assert.equal(config.tlsCert, "c.pem");
  assert.equal(config.requireTls, true);
  const plain = await loadWith("tls_cert =\nrequire_tls = false\n");
  assert.equal(plain.tlsCert, null);
  assert.equal(plain.requireTls, false);
  assert.equal((await loadWith("ftp_port = off\n")).ftpPort, null);
  assert.equal((await loadWith("ftp_port = off\n", { ftp_port: "0" })).ftpPort, 0);
  assert.deepEqual((await loadWith("pasv_ports = 0\n")).pasvPorts, { first: 0, last: 0 });
});

Deno.test("loadConfig() refuses bad FTP values, naming the key", async () => {
  for (
    const [ini, key] of [
      ["ftp_port = 70000", "ftp_port"],
      ["ftp_port = on", "ftp_port"],
      ["pasv_ports = 50100-50000", "pasv_ports"],
      ["pasv_ports = 80-90", "pasv_ports"],
      ["pasv_ports = 50000", "pasv_ports"],
      ["pasv_address = example.com", "pasv_address"],
      ["pasv_address = 300.1.1.1", "pasv_address"],
      ["active_mode = maybe", "active_mode"],
    ]
  ) {
    await assert.rejects(
      loadWith(ini + "\n"),
      (error: unknown) => error instanceof ConfigError && error.message.includes(`"${key}"`),
      ini,
    );
  }
});
