import { readFileSync } from "node:fs";
import PQueue from "p-queue";
import { connectSsh } from "../src/exec/ssh.js";

/**
 * updatenode -P's floor: one SSH connection per node (ssh2, the same client and key) running the
 * benchmark postscript's own work as one command, `fanout` at a time; no store, probe or postscript
 * wrapper: `node ssh-bare.js KEYFILE FANOUT ADDRESS...`.
 */
const [keyFile = "", fanoutText = "64", ...hosts] = process.argv.slice(2);
const privateKey = readFileSync(keyFile);
const queue = new PQueue({ concurrency: Number(fanoutText) });
await queue.addAll(
  hosts.map((host) => async () => {
    // 100 nodes' sshd on one core take longer than the usual 15 s to finish 64 handshakes at once.
    const session = await connectSsh({ node: host, host, port: 22, user: "root", privateKey, pinnedHostKey: undefined, readyTimeoutMs: 120_000 });
    try {
      const result = await session.exec("env | sort > /etc/stamp");
      if (result.code !== 0) throw new Error(`${host}: exit ${result.code}: ${result.stderr}`);
    } finally {
      session.close();
    }
  }),
);
