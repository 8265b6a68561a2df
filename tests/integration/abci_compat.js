// abci_compat.js — an ABCI client generated at run time by protobufjs from
// CometBFT v0.38's own .proto files, talking to Agora's ABCI server.
//
//   node abci_compat.js --addr unix:///path | tcp://127.0.0.1:PORT
//                       --ref DIR (CometBFT's proto/) --ours DIR (Agora's proto/)
//                       --shim DIR (holds gogoproto/gogo.proto)
//
// Checks, field by field: Echo, Info, InitChain, CheckTx (one and pipelined),
// FinalizeBlock, Commit, Query, ListSnapshots, over the four connections
// CometBFT opens; that an unknown request type gets an exception and a
// closed connection; and that every message in Agora's .proto files matches
// the reference (field numbers, types, labels, oneofs, enum values).
// Exits 0 when everything matched; prints what did not otherwise.
'use strict';
const path = require('path');
const net = require('net');
const crypto = require('crypto');
const protobuf = require('protobufjs');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
for (const k of ['addr', 'ref', 'ours', 'shim'])
  if (!args[k]) { console.error(`abci_compat: missing --${k}`); process.exit(2); }

let failures = 0;
function check(cond, what) {
  if (!cond) { failures++; console.error(`FAIL: ${what}`); }
}
function eq(got, want, what) {
  const g = Buffer.isBuffer(got) || got instanceof Uint8Array ? Buffer.from(got).toString('hex') : String(got);
  const w = Buffer.isBuffer(want) || want instanceof Uint8Array ? Buffer.from(want).toString('hex') : String(want);
  check(g === w, `${what}: got ${g}, want ${w}`);
}

// ---- loading protos: gogoproto resolves to the shim, nothing is edited ----
function loadRoot(dir, files) {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    if (target.startsWith('gogoproto/')) return path.join(args.shim, target);
    if (path.isAbsolute(target)) return target;
    return path.join(dir, target);
  };
  root.loadSync(files.map(f => path.join(dir, f)), { keepCase: false });
  root.resolveAll();
  return root;
}
const ref = loadRoot(args.ref, ['tendermint/abci/types.proto']);
const Request = ref.lookupType('tendermint.abci.Request');
const Response = ref.lookupType('tendermint.abci.Response');

// ---- our .proto files against the reference, message by message ----
function compareSchemas() {
  const ours = loadRoot(args.ours, ['tendermint/abci/types.proto']);
  let compared = 0;
  const walk = ns => {
    for (const obj of ns.nestedArray) {
      if (obj instanceof protobuf.Type) {
        const r = ref.lookup(obj.fullName);
        check(r instanceof protobuf.Type, `${obj.fullName} missing from the reference`);
        if (r instanceof protobuf.Type) {
          const names = new Set([...Object.keys(obj.fields), ...Object.keys(r.fields)]);
          for (const n of names) {
            const a = obj.fields[n], b = r.fields[n];
            check(a && b, `${obj.fullName}.${n}: present in only one of ours/reference`);
            if (!a || !b) continue;
            eq(a.id, b.id, `${obj.fullName}.${n} field number`);
            const ta = a.resolvedType ? a.resolvedType.fullName : a.type;
            const tb = b.resolvedType ? b.resolvedType.fullName : b.type;
            eq(ta, tb, `${obj.fullName}.${n} type`);
            eq(a.repeated, b.repeated, `${obj.fullName}.${n} repeated`);
            eq(a.partOf ? a.partOf.name : '', b.partOf ? b.partOf.name : '', `${obj.fullName}.${n} oneof`);
            compared++;
          }
        }
      } else if (obj instanceof protobuf.Enum) {
        const r = ref.lookup(obj.fullName);
        check(r instanceof protobuf.Enum, `enum ${obj.fullName} missing from the reference`);
        if (r instanceof protobuf.Enum)
          eq(JSON.stringify(obj.values), JSON.stringify(r.values), `enum ${obj.fullName} values`);
      }
      if (obj.nestedArray && !(obj instanceof protobuf.Enum)) walk(obj);
    }
  };
  for (const pkg of ['tendermint.abci', 'tendermint.types', 'tendermint.crypto']) walk(ours.lookup(pkg));
  check(compared > 150, `only ${compared} fields compared`);
  console.log(`schema: ${compared} fields of Agora's protos compared with CometBFT v0.38`);
}

// ---- a minimal socket-protocol client ----
function uvarint(n) {
  const out = [];
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128); }
  out.push(n);
  return Buffer.from(out);
}
function frame(obj) {
  const body = Request.encode(Request.create(obj)).finish();
  return Buffer.concat([uvarint(body.length), body]);
}

class Conn {
  constructor(name) { this.name = name; this.buf = Buffer.alloc(0); this.waiters = []; this.ready = []; this.closed = false; }
  open() {
    const u = new URL(args.addr);
    this.sock = u.protocol === 'unix:'
      ? net.createConnection(decodeURIComponent(u.pathname || u.host))
      : net.createConnection(Number(u.port), u.hostname);
    this.sock.on('data', d => { this.buf = Buffer.concat([this.buf, d]); this.pump(); });
    this.sock.on('close', () => { this.closed = true; this.pump(); });
    this.sock.on('error', e => { this.error = e; });
    return new Promise((res, rej) => { this.sock.once('connect', res); this.sock.once('error', rej); });
  }
  pump() {
    for (;;) {
      let len = 0, shift = 0, i = 0;
      for (; i < this.buf.length && i < 10; i++) {
        len += (this.buf[i] & 0x7f) * 2 ** shift; shift += 7;
        if (!(this.buf[i] & 0x80)) break;
      }
      if (i >= this.buf.length || this.buf.length < i + 1 + len) break;
      const body = this.buf.subarray(i + 1, i + 1 + len);
      this.buf = this.buf.subarray(i + 1 + len);
      this.ready.push(Response.decode(body));
    }
    while (this.waiters.length && (this.ready.length || this.closed)) this.waiters.shift()(this.ready.shift() || null);
  }
  next(timeoutMs = 5000) {
    return new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error(`${this.name}: no response in ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push(r => { clearTimeout(t); res(r); });
      this.pump();
    });
  }
  // Send requests followed by a Flush; return the responses, checking their order.
  async call(...reqs) {
    this.sock.write(Buffer.concat([...reqs.map(frame), frame({ flush: {} })]));
    const out = [];
    for (const r of reqs) {
      const resp = await this.next();
      check(resp !== null, `${this.name}: connection closed before the ${Object.keys(r)[0]} response`);
      if (!resp) return out;
      const want = Object.keys(r)[0];
      check(resp.value === want, `${this.name}: ${want} answered with ${resp.value}${resp.exception ? ' (' + resp.exception.error + ')' : ''}`);
      out.push(resp[want]);
    }
    const fl = await this.next();
    check(fl && fl.value === 'flush', `${this.name}: Flush not answered last`);
    return out;
  }
  close() { this.sock.end(); }
}

function stateHash(pairs) {
  const parts = [];
  for (const [k, v] of Object.entries(pairs).sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))) {
    parts.push(uvarint(Buffer.byteLength(k)), Buffer.from(k), uvarint(Buffer.byteLength(v)), Buffer.from(v));
  }
  return crypto.createHash('sha256').update(Buffer.concat(parts)).digest();
}

async function main() {
  compareSchemas();
  const consensus = new Conn('consensus'), mempool = new Conn('mempool'), query = new Conn('query'), snapshot = new Conn('snapshot');
  await Promise.all([consensus.open(), mempool.open(), query.open(), snapshot.open()]);

  const [echo] = await query.call({ echo: { message: 'hello from protobufjs' } });
  eq(echo.message, 'hello from protobufjs', 'Echo.message');

  const [info0] = await query.call({ info: { version: '0.38.17', blockVersion: 11, p2pVersion: 8, abciVersion: '2.0.0' } });
  eq(info0.version, '1.0.0', 'Info.version');
  eq(info0.appVersion, 1, 'Info.app_version');
  eq(info0.lastBlockHeight, 0, 'Info.last_block_height');
  eq(info0.data, '{"size":0}', 'Info.data');

  const [init] = await consensus.call({ initChain: {
    time: { seconds: 1700000000, nanos: 1 }, chainId: 'agora-compat',
    consensusParams: { block: { maxBytes: 22020096, maxGas: -1 }, abci: { voteExtensionsEnableHeight: 0 } },
    appStateBytes: Buffer.from('g=genesis\n'), initialHeight: 1 } });
  eq(init.appHash, stateHash({ g: 'genesis' }), 'InitChain.app_hash');
  eq(init.validators.length, 0, 'InitChain.validators');

  const [ok, bad] = await mempool.call({ checkTx: { tx: Buffer.from('k=v'), type: 0 } },
                                       { checkTx: { tx: Buffer.from('no-equals-sign'), type: 1 } });
  eq(ok.code, 0, 'CheckTx(k=v).code');
  eq(ok.gasWanted, 1, 'CheckTx(k=v).gas_wanted');
  eq(bad.code, 1, 'CheckTx(malformed).code');
  check(bad.log.includes('key=value'), `CheckTx(malformed).log: ${bad.log}`);

  // 200 CheckTx pipelined in one write, one Flush
  const many = [];
  for (let i = 0; i < 200; i++) many.push({ checkTx: { tx: Buffer.from(i % 3 ? `k${i}=v` : `bad${i}`) } });
  const manyResp = await mempool.call(...many);
  eq(manyResp.length, 200, 'pipelined CheckTx responses');
  manyResp.forEach((r, i) => eq(r.code, i % 3 ? 0 : 1, `pipelined CheckTx #${i}`));

  const [fin] = await consensus.call({ finalizeBlock: {
    txs: [Buffer.from('k=v'), Buffer.from('broken'), Buffer.from('a=1')],
    decidedLastCommit: { round: 0, votes: [] }, hash: Buffer.alloc(32, 7), height: 1,
    time: { seconds: 1700000001, nanos: 0 }, proposerAddress: Buffer.alloc(20, 1) } });
  eq(fin.txResults.length, 3, 'FinalizeBlock.tx_results');
  eq(fin.txResults[0].code, 0, 'tx_results[0].code');
  eq(fin.txResults[1].code, 1, 'tx_results[1].code');
  eq(fin.txResults[2].code, 0, 'tx_results[2].code');
  eq(fin.txResults[0].events[0].type, 'kv', 'tx_results[0].events[0].type');
  eq(fin.txResults[0].events[0].attributes[0].key, 'key', 'event attribute key');
  eq(fin.txResults[0].events[0].attributes[0].value, 'k', 'event attribute value');
  eq(fin.txResults[0].events[0].attributes[0].index, true, 'event attribute index');
  const hash1 = stateHash({ g: 'genesis', k: 'v', a: '1' });
  eq(fin.appHash, hash1, 'FinalizeBlock.app_hash');

  const [beforeCommit] = await query.call({ query: { data: Buffer.from('k'), path: '/store' } });
  eq(beforeCommit.code, 3, 'Query before Commit: not yet visible');

  const [commit] = await consensus.call({ commit: {} });
  eq(commit.retainHeight, 0, 'Commit.retain_height');

  const [q, missing] = await query.call({ query: { data: Buffer.from('k') } }, { query: { data: Buffer.from('nope') } });
  eq(q.code, 0, 'Query(k).code');
  eq(q.value, Buffer.from('v'), 'Query(k).value');
  eq(q.key, Buffer.from('k'), 'Query(k).key');
  eq(q.height, 1, 'Query(k).height');
  eq(missing.code, 3, 'Query(nope).code');

  const [info1] = await query.call({ info: {} });
  eq(info1.lastBlockHeight, 1, 'Info.last_block_height after Commit');
  eq(info1.lastBlockAppHash, hash1, 'Info.last_block_app_hash after Commit');

  const [snaps] = await snapshot.call({ listSnapshots: {} });
  eq(snaps.snapshots.length, 0, 'ListSnapshots (interval 10, height 1)');

  // An application error: an exception, and the connection stays usable.
  consensus.sock.write(Buffer.concat([frame({ finalizeBlock: { height: 9 } }), frame({ flush: {} })]));
  const ex = await consensus.next();
  check(ex && ex.value === 'exception' && /expected 2/.test(ex.exception.error), `FinalizeBlock(9): ${JSON.stringify(ex)}`);
  eq((await consensus.next()).value, 'flush', 'Flush after an exception');

  // An unknown request type (DeliverTx, field 9, retired in ABCI 2.0): exception, then closed.
  const rogue = new Conn('rogue');
  await rogue.open();
  rogue.sock.write(Buffer.from([0x04, 0x4a, 0x02, 0x0a, 0x00]));
  const rex = await rogue.next();
  check(rex && rex.value === 'exception' && /field 9/.test(rex.exception.error), `unknown request: ${JSON.stringify(rex)}`);
  check((await rogue.next()) === null, 'connection closed after an unknown request');

  for (const c of [consensus, mempool, query, snapshot]) c.close();
  if (failures) { console.error(`abci_compat: ${failures} check(s) failed`); process.exit(1); }
  console.log(`abci_compat: ${args.addr}: Echo, Info, InitChain, CheckTx x202, FinalizeBlock, Commit, Query, ListSnapshots, errors: all match`);
}

main().catch(e => { console.error(`abci_compat: ${e.stack || e}`); process.exit(1); });
