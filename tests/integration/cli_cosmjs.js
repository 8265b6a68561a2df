// cli_cosmjs.js — the `agora` CLI's keys and a real agorad against CosmJS,
// clients we did not write (from the npm registry):
//   keys     DirectSecp256k1HdWallet (prefix "agora", m/44'/118'/0'/0/0)
//            must give the address `agora keys` printed for each mnemonic;
//   chain    SigningStargateClient with that wallet queries a balance, sends
//            tokens (gas "auto": simulated by the node), and broadcasts a
//            MsgCreateOffer encoded by protobufjs from Agora's own proto.
//
//   node cli_cosmjs.js keys FILE            (lines "MNEMONIC<TAB>ADDRESS")
//   node cli_cosmjs.js chain RPC_URL PROTO_DIR MNEMONIC RECIPIENT
"use strict";
const fs = require("fs");
const path = require("path");
const modules = path.join(process.env.NPM_DIR, "node_modules");
const { DirectSecp256k1HdWallet, Registry } = require(path.join(modules, "@cosmjs/proto-signing"));
const { SigningStargateClient, GasPrice, defaultRegistryTypes } = require(path.join(modules, "@cosmjs/stargate"));
const protobuf = require(path.join(modules, "protobufjs"));

function check(cond, what) {
  if (!cond) {
    console.error("FAILED: " + what);
    process.exit(1);
  }
}

async function keys(file) {
  const lines = fs.readFileSync(file, "utf8").split("\n").filter((l) => l);
  for (const line of lines) {
    const [mnemonic, address] = line.split("\t");
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: "agora" });
    const [acc] = await wallet.getAccounts();
    check(acc.address === address, `CosmJS gives ${acc.address}, agora gave ${address}`);
  }
  console.log(`keys: ${lines.length} mnemonics give the same address in CosmJS and agora`);
}

function marketTypes(protoDir) {
  const root = new protobuf.Root();
  for (const f of ["cosmos/base/v1beta1/coin.proto", "agora/market/v1/types.proto", "agora/market/v1/tx.proto"]) {
    // bytes fields carry text (addresses, amounts): declared string, as a client would.
    const text = fs.readFileSync(path.join(protoDir, f), "utf8").replace(/\bbytes\b/g, "string");
    protobuf.parse(text, root, { keepCase: true });
  }
  root.resolveAll();
  return root;
}

async function chain(rpc, protoDir, mnemonic, recipient) {
  const root = marketTypes(protoDir);
  const MsgCreateOffer = root.lookupType("agora.market.v1.MsgCreateOffer");
  const registry = new Registry(defaultRegistryTypes);
  registry.register("/agora.market.v1.MsgCreateOffer", MsgCreateOffer);
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: "agora" });
  const [acc] = await wallet.getAccounts();
  const client = await SigningStargateClient.connectWithSigner(rpc, wallet, {
    registry,
    gasPrice: GasPrice.fromString("0.025uagora"),
  });
  const before = await client.getBalance(acc.address, "uagora");
  check(BigInt(before.amount) > 10000000n, `balance ${before.amount}`);
  console.log("balance:", before.amount, before.denom);

  const sent = await client.sendTokens(acc.address, recipient, [{ denom: "uagora", amount: "777" }], "auto", "cosmjs");
  check(sent.code === 0, `sendTokens code ${sent.code}: ${sent.rawLog}`);
  const got = await client.getBalance(recipient, "uagora");
  check(got.amount === "777", `recipient balance ${got.amount}`);
  console.log("sendTokens: height", sent.height, "gas", sent.gasUsed, "of", sent.gasWanted);

  const msg = {
    typeUrl: "/agora.market.v1.MsgCreateOffer",
    value: {
      provider: acc.address,
      host_uri: "https://cosmjs.example",
      attributes: [{ key: "region", value: "cosmjs" }],
      capacity: { cpu_millis: 4000, memory_bytes: 8589934592, storage_bytes: 0, gpus: 0, endpoints: 2 },
      floor_prices: { denom: "uagora", cpu: "3", memory: "1", storage: "0", gpu: "0", endpoint: "0" },
    },
  };
  const res = await client.signAndBroadcast(acc.address, [msg], "auto", "protobufjs offer");
  check(res.code === 0, `MsgCreateOffer code ${res.code}: ${res.rawLog}`);
  const ev = res.events.find((e) => e.type === "offer_created");
  check(ev, "no offer_created event");
  const id = ev.attributes.find((a) => a.key === "offer_id").value;
  console.log("MsgCreateOffer (protobufjs): offer", id, "at height", res.height);
  console.log("OFFER_ID " + id);
  client.disconnect();
}

const [mode, ...args] = process.argv.slice(2);
(mode === "keys" ? keys(args[0]) : chain(...args)).catch((e) => {
  console.error("FAILED:", e && e.stack ? e.stack : e);
  process.exit(1);
});
