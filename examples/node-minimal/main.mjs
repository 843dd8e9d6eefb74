// node-minimal: Node.js built-ins only. Hashes some words and reads the machine it runs on.
import { createHash } from "node:crypto";
import os from "node:os";

const words = ["sandbox", "container", "runtime"];

async function* hashed(list) {
  for (const word of list) {
    yield { word, sha256: createHash("sha256").update(word).digest("hex").slice(0, 12) };
  }
}

for await (const { word, sha256 } of hashed(words)) {
  console.log(`${word.padEnd(10)} ${sha256}`);
}
console.log(`node ${process.version} on ${os.platform()}/${os.arch()}, ${os.cpus().length} CPUs`);
