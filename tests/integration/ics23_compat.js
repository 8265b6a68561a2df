// Verifies Agora's store proofs with @confio/ics23 (the reference JS
// verifier, a verifier we did not write). Reads JSON lines from stdin:
// {root, key, value, proof, exists} in hex, as written by store_vectors.
//
// Every existence proof must verify under the ICS23 SMT spec, and must stop
// verifying when the root, key or value is altered. @confio/ics23 0.6.x
// compares raw keys in non-existence proofs (it predates
// prehash_key_before_comparison), so those are counted and reported, not
// required; Agora's C verifier checks them in hashed-key order.
"use strict";
const path = require("path");
const ics = require(path.join(process.env.NPM_DIR, "node_modules/@confio/ics23"));
const { ics23 } = ics;

const spec = {
  leafSpec: {
    hash: ics23.HashOp.SHA256,
    prehashKey: ics23.HashOp.SHA256,
    prehashValue: ics23.HashOp.SHA256,
    length: ics23.LengthOp.NO_PREFIX,
    prefix: Uint8Array.from([0]),
  },
  innerSpec: {
    childOrder: [0, 1],
    childSize: 32,
    minPrefixLength: 1,
    maxPrefixLength: 1,
    emptyChild: new Uint8Array(32),
    hash: ics23.HashOp.SHA256,
  },
  maxDepth: 256,
};

const hex = (s) => Uint8Array.from(Buffer.from(s, "hex"));
const flip = (b) => { const c = Uint8Array.from(b); c[c.length - 1] ^= 1; return c; };
const tryVerify = (f) => { try { return f(); } catch (e) { return false; } };

let exist = 0, absent = 0, absentOk = 0, failures = 0;
const lines = require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean);
for (const line of lines) {
  const v = JSON.parse(line);
  const proof = ics23.CommitmentProof.decode(hex(v.proof));
  const root = hex(v.root), key = hex(v.key), value = hex(v.value);
  if (v.exists) {
    exist++;
    if (!tryVerify(() => ics.verifyMembership(proof, spec, root, key, value))) {
      console.error("existence proof rejected for key", v.key);
      failures++;
    }
    for (const [what, r, k, val] of [["root", flip(root), key, value],
                                     ["key", root, flip(key), value],
                                     ["value", root, key, flip(value)]]) {
      if (tryVerify(() => ics.verifyMembership(proof, spec, r, k, val))) {
        console.error("existence proof still verifies with altered", what);
        failures++;
      }
    }
  } else {
    absent++;
    if (tryVerify(() => ics.verifyNonMembership(proof, spec, root, key))) absentOk++;
  }
}
console.log(`@confio/ics23: ${exist} existence proofs verified, ${failures} failures; ` +
            `${absentOk}/${absent} non-existence proofs accepted by its raw-key ordering`);
process.exit(failures === 0 && exist > 0 ? 0 : 1);
