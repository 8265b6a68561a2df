// Agora's RPC server against an unmodified @cosmjs/tendermint-rpc
// (Comet38Client): every call below parses Agora's JSON with CosmJS's own
// decoders, which assert CometBFT v0.38's shapes (string ints, base64,
// hex hashes, field names).
//   node rpc_compat.js PORT                the in-memory fixture chain
//                                          (tools/rpc_fixture: known blocks)
//   node rpc_compat.js PORT --node CHAIN   a running `agorad start` (one
//                                          kvstore validator, any blocks)
"use strict";
const path = require("path");
const modules = path.join(process.env.NPM_DIR, "node_modules");
const { Comet38Client } = require(path.join(modules, "@cosmjs/tendermint-rpc"));
const { toAscii, fromAscii, toHex } = require(path.join(modules, "@cosmjs/encoding"));

function check(cond, what) {
  if (!cond) {
    console.error("FAILED: " + what);
    process.exit(1);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const port = process.argv[2];
  // The fixture's chain has known contents; a real node only its chain id.
  const fixture = process.argv[3] !== "--node";
  const chainId = fixture ? "agora-rpc-test" : process.argv[4];
  const client = await Comet38Client.connect(`http://127.0.0.1:${port}`);

  const status = await client.status();
  check(status.nodeInfo.network === chainId, "status network");
  check(status.nodeInfo.version.startsWith("0.38."), "status version");
  check(status.syncInfo.latestBlockHeight >= (fixture ? 3 : 2), "status height");
  check(status.validatorInfo.votingPower === 10n, "status voting power");
  console.log("status: height", status.syncInfo.latestBlockHeight);

  const block = await client.block(2);
  check(block.block.header.height === 2, "block height");
  check(block.block.header.chainId === chainId, "block chain id");
  if (fixture)
    check(block.block.txs.length === 1 && fromAscii(block.block.txs[0]) === "beta=2", "block txs");
  check(block.blockId.hash.length === 32, "block id hash");
  check(block.block.lastCommit.signatures.length === 1, "last commit signatures");
  console.log("block 2:", toHex(block.blockId.hash).toUpperCase());

  if (fixture) {
    const results = await client.blockResults(1);
    check(results.height === 1, "block results height");
    check(results.results.length === 1 && results.results[0].code === 0, "block results tx");
    check(results.results[0].events[0].type === "kv", "block results events");
  }

  const vals = await client.validators({ height: 2 });
  check(vals.total === 1 && vals.validators[0].votingPower === 10n, "validators");
  check(vals.validators[0].pubkey.algorithm === "secp256k1", "validator key type");

  if (fixture) {
    const q = await client.abciQuery({ path: "/store", data: toAscii("alpha") });
    check(q.code === 0 && fromAscii(q.value) === "1", "abci query");
  }
  const info = await client.abciInfo();
  check(info.lastBlockHeight >= (fixture ? 3 : 2), "abci info");

  const tx = toAscii("cosmjs=hello");
  const res = await client.broadcastTxSync({ tx });
  check(res.code === 0, "broadcastTxSync code");
  console.log("broadcast:", toHex(res.hash).toUpperCase());

  let found = null;
  for (let i = 0; i < 50 && !found; i++) {
    try {
      found = await client.tx({ hash: res.hash });
    } catch (e) {
      await sleep(200);
    }
  }
  check(found !== null, "tx found");
  check(found.result.code === 0 && fromAscii(found.tx) === "cosmjs=hello", "tx result");
  const search = await client.txSearch({ query: "kv.key='cosmjs'" });
  check(search.totalCount === 1 && search.txs[0].height === found.height, "txSearch");
  const bsearch = await client.blockSearch({ query: `block.height = ${found.height}` });
  check(bsearch.totalCount === 1, "blockSearch");
  const results = await client.blockResults(found.height);
  check(results.results.length >= 1 && results.results[0].code === 0, "block results");
  const q = await client.abciQuery({ path: "/store", data: toAscii("cosmjs") });
  check(q.code === 0 && fromAscii(q.value) === "hello", "abci query of the tx's key");
  console.log("tx at height", found.height);
  client.disconnect();

  // a websocket subscription: the next block header and a tx event
  // (CosmJS appends /websocket itself)
  const ws = await Comet38Client.connect(`ws://127.0.0.1:${port}`);
  const header = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no NewBlockHeader event")), 10000);
    const sub = ws.subscribeNewBlockHeader().subscribe({
      next: (h) => {
        clearTimeout(timer);
        sub.unsubscribe();
        resolve(h);
      },
      error: (e) => reject(e),
    });
  });
  check(header.height > found.height, "new block header height");
  const txEvent = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no Tx event")), 10000);
    const sub = ws.subscribeTx("tm.event='Tx' AND kv.key='wstest'").subscribe({
      next: (e) => {
        clearTimeout(timer);
        sub.unsubscribe();
        resolve(e);
      },
      error: (e) => reject(e),
    });
  });
  await sleep(300);
  const http = await Comet38Client.connect(`http://127.0.0.1:${port}`);
  await http.broadcastTxAsync({ tx: toAscii("wstest=1") });
  const ev = await txEvent;
  check(fromAscii(ev.tx) === "wstest=1" && ev.result.code === 0, "tx event");
  console.log("websocket: header", header.height, "tx event at", ev.height);
  http.disconnect();
  ws.disconnect();
  console.log(`cosmjs Comet38Client against ${fixture ? "the fixture" : "agorad start"}: all checks passed`);
  process.exit(0);
}

main().catch((e) => {
  console.error("FAILED:", e);
  process.exit(1);
});
