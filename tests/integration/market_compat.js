// The market application against CosmJS (npm: @cosmjs/stargate,
// @cosmjs/proto-signing, @cosmjs/amino), clients we did not write:
// CosmJS signs MsgSend txs offline, the app (tests/tools/market_shell,
// in-process, driven over stdin/stdout) runs them in blocks, and CosmJS's
// own QueryClient (auth, bank and tx extensions) reads the results through
// ABCI Query, decoding our responses with its generated protobuf types.
//   node market_compat.js SHELL
"use strict";
const path = require("path");
const { spawn } = require("child_process");
const readline = require("readline");
const mod = (name) => require(path.join(process.env.NPM_DIR, "node_modules", name));
const ps = mod("@cosmjs/proto-signing");
const amino = mod("@cosmjs/amino");
const sg = mod("@cosmjs/stargate");
const { toBase64, fromBase64 } = mod("@cosmjs/encoding");
const { TxRaw } = mod("cosmjs-types/cosmos/tx/v1beta1/tx");

const MNEMONIC = "enlist hip relief stomach skate base shallow young switch frequent cry park";
const CHAIN = "agora-compat-1";

function check(cond, what) {
  if (!cond) throw new Error("market_compat: " + what);
}

function shell(bin) {
  const child = spawn(bin, [], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting = [];
  lines.on("line", (l) => waiting.shift()(JSON.parse(l)));
  return {
    call(obj) {
      return new Promise((resolve) => {
        waiting.push(resolve);
        child.stdin.write(JSON.stringify(obj) + "\n");
      });
    },
    close() { child.stdin.end(); },
  };
}

async function main() {
  const sh = shell(process.argv[2]);
  const w = await ps.DirectSecp256k1HdWallet.fromMnemonic(MNEMONIC, {
    prefix: "agora", hdPaths: [amino.makeCosmoshubPath(0), amino.makeCosmoshubPath(1)],
  });
  const [a0, a1] = await w.getAccounts();
  const appState = {
    bank: { balances: [
      { address: a0.address, coins: [{ denom: "uagora", amount: "1000000" }, { denom: "ufoo", amount: "5" }] },
      { address: a1.address, coins: [{ denom: "uagora", amount: "1000" }] },
    ] },
  };
  await sh.call({ op: "init", chain_id: CHAIN, app_state: JSON.stringify(appState) });
  await sh.call({ op: "block", txs: [] }); // CosmJS wants a query height above 0

  // CosmJS's QueryClient over a CometClient whose abciQuery is our app.
  let lastHeight = 0;
  const comet = {
    async abciQuery(p) {
      const r = await sh.call({ op: "query", path: p.path, data: toBase64(p.data),
                                height: p.height ?? 0, prove: !!p.prove });
      return { code: r.code, log: r.log, codespace: r.codespace, value: fromBase64(r.value),
               key: fromBase64(r.key), height: r.height, index: 0, info: "" };
    },
  };
  const qc = sg.QueryClient.withExtensions(comet, sg.setupAuthExtension, sg.setupBankExtension,
                                           sg.setupTxExtension);

  // Simulate as CosmJS does (empty signature, sign mode unspecified, no fee).
  const send = { typeUrl: "/cosmos.bank.v1beta1.MsgSend",
                 value: { fromAddress: a0.address, toAddress: a1.address,
                          amount: [{ denom: "uagora", amount: "12345" }] } };
  const registry = new ps.Registry(sg.defaultRegistryTypes);
  const sim = await qc.tx.simulate([registry.encodeAsAny(send)], "hello", amino.encodeSecp256k1Pubkey(a0.pubkey), 0);
  const gasUsed = Number(sim.gasInfo.gasUsed);
  check(gasUsed > 10000 && gasUsed < 100000, "simulate gas " + gasUsed);

  // Sign offline with SigningStargateClient, run in a block.
  const client = await sg.SigningStargateClient.offline(w);
  const gas = Math.ceil(gasUsed * 1.5);
  const fee = { amount: [{ denom: "uagora", amount: String(Math.ceil(gas * 0.025)) }], gas: String(gas) };
  const signed = await client.sign(a0.address, [send], fee, "hello",
                                   { accountNumber: 2, sequence: 0, chainId: CHAIN });
  const txBytes = TxRaw.encode(signed).finish();
  const ct = await sh.call({ op: "check", tx: toBase64(txBytes) });
  check(ct.code === 0, "CheckTx: " + ct.log);
  const blk = await sh.call({ op: "block", txs: [toBase64(txBytes)] });
  check(blk.results[0].code === 0, "FinalizeBlock: " + blk.results[0].log);
  check(Math.abs(blk.results[0].gas_used - gasUsed) < 2000,
        `gas used ${blk.results[0].gas_used} vs simulated ${gasUsed}`);
  lastHeight = blk.height;

  // auth: BaseAccount in an Any, decoded by CosmJS's accountFromAny.
  const any = await qc.auth.account(a0.address);
  check(any && any.typeUrl === "/cosmos.auth.v1beta1.BaseAccount", "account type " + (any && any.typeUrl));
  const acc = sg.accountFromAny(any);
  check(acc.address === a0.address, "account address");
  check(acc.accountNumber === 2 && acc.sequence === 1, `account number/sequence ${acc.accountNumber}/${acc.sequence}`);
  check(acc.pubkey && acc.pubkey.value === toBase64(a0.pubkey), "account pubkey");

  // bank: Balance, AllBalances (paginated by CosmJS), TotalSupply.
  const bal = await qc.bank.balance(a1.address, "uagora");
  check(bal.amount === String(1000 + 12345) && bal.denom === "uagora", "balance " + JSON.stringify(bal));
  const all = await qc.bank.allBalances(a0.address);
  const feePaid = Number(fee.amount[0].amount);
  check(all.length === 2 && all[0].denom === "uagora" &&
        all[0].amount === String(1000000 - 12345 - feePaid) && all[1].denom === "ufoo",
        "allBalances " + JSON.stringify(all));
  const supply = await qc.bank.totalSupply();
  check(supply.supply.length === 2 && supply.supply[0].amount === "1001000", "totalSupply " + JSON.stringify(supply.supply));

  // A missing account is an error CosmJS surfaces.
  let threw = false;
  try { await qc.auth.account("agora1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqkc65ek"); } catch (e) { threw = /not found/.test(String(e)); }
  check(threw, "missing account not reported");

  // A replay of the same signed tx fails on its sequence (code 32).
  const again = await sh.call({ op: "check", tx: toBase64(txBytes) });
  check(again.code === 32, "replay code " + again.code);
  sh.close();
  console.log(`market_compat: CosmJS simulate (gas ${gasUsed}), offline-signed MsgSend executed at ` +
              `height ${lastHeight}; QueryClient auth/bank (Account, Balance, AllBalances, TotalSupply) ` +
              `decoded our responses; replay refused`);
}

main().catch((e) => { console.error(e); process.exit(1); });
