// Cross-checks Agora's transaction decoder and signer against CosmJS (npm:
// @cosmjs/proto-signing, @cosmjs/crypto, @cosmjs/amino, cosmjs-types), a
// client we did not write. Offline: no network, fixed mnemonic, chain ids,
// account numbers and sequences.
//
//   node tx_compat.js make               CosmJS-signed txs as JSON lines, each with what
//                                        Agora must report (or the error it must give)
//   node tx_compat.js check VEC RES      compare tx_vectors' results with the expectations
//   node tx_compat.js c-signed < LINES   decode and verify txs signed by Agora's C code
"use strict";
const path = require("path");
const fs = require("fs");
const mod = (name) => require(path.join(process.env.NPM_DIR, "node_modules", name));
const ps = mod("@cosmjs/proto-signing");
const amino = mod("@cosmjs/amino");
const { Secp256k1, Secp256k1Signature, sha256 } = mod("@cosmjs/crypto");
const { toHex, fromHex, fromBase64 } = mod("@cosmjs/encoding");
const { TxRaw } = mod("cosmjs-types/cosmos/tx/v1beta1/tx");
const { MsgSend } = mod("cosmjs-types/cosmos/bank/v1beta1/tx");
const { PubKey } = mod("cosmjs-types/cosmos/crypto/secp256k1/keys");
const { SignMode } = mod("cosmjs-types/cosmos/tx/signing/v1beta1/signing");

const MNEMONIC = "enlist hip relief stomach skate base shallow young switch frequent cry park";
const SEND = "/cosmos.bank.v1beta1.MsgSend";
const registry = new ps.Registry();

async function wallet(prefix) {
  return ps.DirectSecp256k1HdWallet.fromMnemonic(MNEMONIC, {
    prefix, hdPaths: [amino.makeCosmoshubPath(0), amino.makeCosmoshubPath(1)],
  });
}

// Build and sign, the way CosmJS's SigningStargateClient.sign does offline.
async function signTx(w, accounts, { msgs, memo = "", timeoutHeight = 0, fee, gas, chainId,
                                     accountNumbers, sequences, signMode, tamper }) {
  let bodyBytes = registry.encodeTxBody({
    messages: msgs.map((m) => ({ typeUrl: SEND, value: MsgSend.fromPartial(m) })),
    memo, timeoutHeight: BigInt(timeoutHeight),
  });
  const authInfoBytes = ps.makeAuthInfoBytes(
    accounts.map((a, i) => ({ pubkey: ps.encodePubkey(amino.encodeSecp256k1Pubkey(a.pubkey)),
                              sequence: sequences[i] })),
    fee, gas, undefined, undefined, signMode);
  const signatures = [];
  for (let i = 0; i < accounts.length; i++) {
    const doc = ps.makeSignDoc(bodyBytes, authInfoBytes, chainId, accountNumbers[i]);
    const { signature } = await w.signDirect(accounts[i].address, doc);
    signatures.push(fromBase64(signature.signature));
  }
  if (tamper) // re-encode the body after signing: the signatures no longer cover it
    bodyBytes = registry.encodeTxBody({
      messages: tamper.map((m) => ({ typeUrl: SEND, value: MsgSend.fromPartial(m) })),
      memo, timeoutHeight: BigInt(timeoutHeight),
    });
  return TxRaw.encode(TxRaw.fromPartial({ bodyBytes, authInfoBytes, signatures })).finish();
}

async function make() {
  const w = await wallet("agora");
  const [a0, a1] = await w.getAccounts();
  const coins = (...c) => c.map(([denom, amount]) => ({ denom, amount }));
  const base = {
    msgs: [{ fromAddress: a0.address, toAddress: a1.address,
             amount: coins(["uagora", "123456789012345678901234567890"]) }],
    memo: "cosmjs \u2192 agora \u2713", timeoutHeight: 12345, fee: coins(["uagora", "2500"]),
    gas: 180000, chainId: "agora-devnet-1", accountNumbers: [7], sequences: [3],
  };
  const cases = [
    ["basic", [a0], base],
    ["two signers, two coins", [a0, a1], { ...base,
      msgs: [base.msgs[0], { fromAddress: a1.address, toAddress: a0.address,
                             amount: coins(["uagora", "1"], ["ugpu", "2"]) }],
      accountNumbers: [7, 8], sequences: [0, 5], memo: "" }],
    ["empty fee, no memo", [a0], { ...base, fee: [], gas: 100000, memo: "", timeoutHeight: 0,
                                   sequences: [0] }],
    ["tampered body", [a0], { ...base, tamper: [{ ...base.msgs[0],
                               amount: coins(["uagora", "123456789012345678901234567891"]) }] },
     "AG_ERR_VERIFY"],
    ["amino-json sign mode", [a0], { ...base, signMode: SignMode.SIGN_MODE_LEGACY_AMINO_JSON },
     "AG_ERR_UNSUPPORTED"],
    ["unsorted coins", [a0], { ...base, msgs: [{ ...base.msgs[0],
                               amount: coins(["ugpu", "1"], ["uagora", "1"]) }] },
     "AG_ERR_DECODE"],
    ["leading zero", [a0], { ...base, msgs: [{ ...base.msgs[0], amount: coins(["uagora", "01"]) }] },
     "AG_ERR_DECODE"],
  ];
  const out = [];
  for (const [name, accts, c, error] of cases) {
    const tx = await signTx(w, accts, c);
    const line = { name, tx: toHex(tx), chain_id: c.chainId, account_numbers: c.accountNumbers,
                   sequences: c.sequences };
    if (error) {
      out.push({ ...line, expect_error: error });
      continue;
    }
    const expect = {
      ok: true, hash: toHex(sha256(tx)).toUpperCase(), signers: accts.map((a) => a.address),
      msgs: c.msgs.map((m) => ({ type: SEND, from: m.fromAddress, to: m.toAddress, amount: m.amount })),
      memo: c.memo, timeout_height: String(c.timeoutHeight), gas_limit: String(c.gas), fee: c.fee,
    };
    out.push({ ...line, expect });
    if (name === "basic") { // the same tx presented with the wrong context
      out.push({ ...line, name: "wrong chain id", chain_id: "agora-devnet-2", expect_error: "AG_ERR_VERIFY" });
      out.push({ ...line, name: "wrong account number", account_numbers: [8], expect_error: "AG_ERR_VERIFY" });
      out.push({ ...line, name: "wrong sequence", sequences: [4], expect_error: "AG_ERR_STATE" });
    }
  }
  // a cosmos1... sender: a valid Cosmos tx, but not an Agora address
  const wc = await wallet("cosmos");
  const [c0] = await wc.getAccounts();
  const ctx = await signTx(wc, [c0], { ...base, msgs: [{ ...base.msgs[0], fromAddress: c0.address }] });
  out.push({ name: "cosmos prefix", tx: toHex(ctx), chain_id: base.chainId, account_numbers: [7],
             sequences: [3], expect_error: "AG_ERR_PREFIX" });
  for (const l of out) console.log(JSON.stringify(l));
}

function check(vecFile, resFile) {
  const read = (f) => fs.readFileSync(f, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const vecs = read(vecFile), res = read(resFile);
  if (vecs.length !== res.length) throw new Error(`${vecs.length} vectors, ${res.length} results`);
  let failures = 0, ok = 0, refused = 0;
  vecs.forEach((v, i) => {
    const r = res[i];
    if (v.expect_error) {
      if (r.ok || r.error !== v.expect_error) {
        console.error(`${v.name}: want ${v.expect_error}, got ${JSON.stringify(r)}`); failures++;
      } else refused++;
      return;
    }
    const want = JSON.stringify(v.expect), got = JSON.stringify(r);
    if (want !== got) {
      console.error(`${v.name}:\n  CosmJS: ${want}\n  Agora:  ${got}`); failures++;
    } else ok++;
  });
  console.log(`tx_compat: ${ok} CosmJS-signed txs decoded and verified with matching fields, ` +
              `${refused} bad ones refused with the expected error`);
  if (failures) { console.error(`tx_compat: ${failures} mismatches`); process.exit(1); }
}

async function cSigned() {
  const lines = fs.readFileSync(0, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  let failures = 0, sigs = 0;
  const fail = (m) => { console.error(m); failures++; };
  for (const l of lines) {
    const bytes = fromHex(l.tx);
    const raw = TxRaw.decode(bytes);
    const tx = ps.decodeTxRaw(bytes);
    if (toHex(TxRaw.encode(raw).finish()) !== l.tx) fail("TxRaw does not re-encode to the same bytes");
    if (tx.body.memo !== l.memo) fail(`memo ${tx.body.memo} != ${l.memo}`);
    for (let i = 0; i < l.signers.length; i++) {
      const si = tx.authInfo.signerInfos[i];
      if (si.publicKey.typeUrl !== "/cosmos.crypto.secp256k1.PubKey") fail("key type " + si.publicKey.typeUrl);
      if (si.modeInfo.single.mode !== SignMode.SIGN_MODE_DIRECT) fail("sign mode");
      if (Number(si.sequence) !== l.sequences[i]) fail("sequence");
      const pubkey = PubKey.decode(si.publicKey.value).key;
      const w = await ps.DirectSecp256k1Wallet.fromKey(fromHex(l.privkeys[i]), "agora");
      const [acct] = await w.getAccounts();
      if (acct.address !== l.signers[i]) fail(`address ${acct.address} != ${l.signers[i]}`);
      if (toHex(acct.pubkey) !== toHex(pubkey)) fail("public key differs");
      if (amino.pubkeyToAddress(amino.encodeSecp256k1Pubkey(pubkey), "agora") !== l.signers[i]) fail("pubkeyToAddress");
      const msg = tx.body.messages[i];
      const send = MsgSend.decode(msg.value);
      if (msg.typeUrl !== SEND || send.fromAddress !== l.signers[i] || send.amount[0].amount !== l.amount)
        fail(`message ${i}: ${JSON.stringify(send)}`);
      const sig = Secp256k1Signature.fromFixedLength(raw.signatures[i]);
      const digest = (chainId, acc) => sha256(ps.makeSignBytes(
        ps.makeSignDoc(raw.bodyBytes, raw.authInfoBytes, chainId, acc)));
      if (!(await Secp256k1.verifySignature(sig, digest(l.chain_id, l.account_numbers[i]), pubkey)))
        fail(`signature ${i} does not verify in CosmJS`);
      else sigs++;
      if (await Secp256k1.verifySignature(sig, digest(l.chain_id + "x", l.account_numbers[i]), pubkey))
        fail(`signature ${i} verifies for another chain id`);
      // CosmJS's own signature over the same sign doc is the same bytes (RFC 6979)
      const { signature } = await w.signDirect(acct.address,
        ps.makeSignDoc(raw.bodyBytes, raw.authInfoBytes, l.chain_id, l.account_numbers[i]));
      if (toHex(fromBase64(signature.signature)) !== toHex(raw.signatures[i]))
        fail(`signature ${i} differs from CosmJS's deterministic signature`);
    }
  }
  console.log(`tx_compat: ${lines.length} txs signed by Agora decoded by CosmJS, ${sigs} signatures ` +
              `verified and identical to CosmJS's own`);
  if (failures) process.exit(1);
}

const [mode, ...args] = process.argv.slice(2);
const run = { make, check: () => check(...args), "c-signed": cSigned }[mode];
if (!run) { console.error("usage: tx_compat.js make | check VEC RES | c-signed"); process.exit(2); }
Promise.resolve(run()).catch((e) => { console.error(e); process.exit(1); });
