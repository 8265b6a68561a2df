// market_msg_compat.js — Agora's market message decoders against protobufjs.
// The schema is Agora's own proto/agora/market/v1/{types,tx}.proto and
// cosmos/base/v1beta1/coin.proto, with every `bytes` field declared `string`
// as a client would (same wire type): protobufjs encodes the messages, the C
// tool market_vectors decodes them through the message registry, and every
// field it reports must match; bad messages must be refused with the
// expected error code; the canonical workload the C side keeps must decode
// in protobufjs to the workload that was sent.
//
//   node market_msg_compat.js make DIR_OF_PROTOS > lines      ("TYPE_URL HEX" per line)
//   node market_msg_compat.js check DIR_OF_PROTOS lines results
'use strict';
const fs = require('fs');
const path = require('path');
const protobuf = require('protobufjs');

const [mode, protoDir, linesFile, resultsFile] = process.argv.slice(2);

function loadRoot() {
  const root = new protobuf.Root();
  for (const f of ['cosmos/base/v1beta1/coin.proto', 'agora/market/v1/types.proto',
                   'agora/market/v1/tx.proto']) {
    const text = fs.readFileSync(path.join(protoDir, f), 'utf8').replace(/\bbytes\b/g, 'string');
    protobuf.parse(text, root, { keepCase: true });
  }
  root.resolveAll();
  return root;
}

// bech32 (BIP-173) of 20 bytes, written here so the test needs protobufjs only.
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
function polymod(values) {
  const G = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const b = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((b >>> i) & 1) chk ^= G[i];
  }
  return chk >>> 0;
}
function bech32(hrp, bytes) {
  const words = [];
  let acc = 0, bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b; bits += 8;
    while (bits >= 5) { bits -= 5; words.push((acc >>> bits) & 31); }
  }
  if (bits) words.push((acc << (5 - bits)) & 31);
  const exp = [...hrp].map(c => c.charCodeAt(0) >> 5).concat([0], [...hrp].map(c => c.charCodeAt(0) & 31));
  const pm = polymod(exp.concat(words, [0, 0, 0, 0, 0, 0])) ^ 1;
  const chk = [0, 1, 2, 3, 4, 5].map(i => (pm >>> (5 * (5 - i))) & 31);
  return hrp + '1' + words.concat(chk).map(w => CHARSET[w]).join('');
}
const addr = (seed, hrp = 'agora') => bech32(hrp, Array.from({ length: 20 }, (_, i) => (seed * 31 + i) & 255));

const TENANT = addr(1), PROVIDER = addr(2);
const coin = (denom, amount) => ({ denom, amount });
const workload = {
  services: [
    { name: 'web', image: 'nginx:1.27', args: ['--port', '80'],
      env: [{ name: 'MODE', value: 'production' }],
      ports: [{ port: 80, protocol: 1, expose: 3 }, { port: 9090, protocol: 2, expose: 1 }],
      replicas: 3,
      resources: { cpu_millis: 500, memory_bytes: 268435456, storage_bytes: 1073741824, endpoints: 1 } },
    { name: 'trainer', image: 'ghcr.io/acme/train@sha256:abc', command: ['python', 'train.py'],
      replicas: 2,
      resources: { cpu_millis: 4000, memory_bytes: 17179869184, gpus: 2,
                   gpu_attributes: [{ key: 'model', value: 'a100' }, { key: 'vendor', value: 'nvidia' }] } },
  ],
};
const order = { tenant: TENANT, workload, placement: [{ key: 'region', value: 'eu-west' }],
                max_price: coin('uagora', '1000'), auction_blocks: 20, auto_award: true,
                deposit: coin('uagora', '5000000') };
const offer = { provider: PROVIDER, host_uri: 'https://provider.example.com:8443',
                attributes: [{ key: 'region', value: 'eu-west' }, { key: 'tier', value: 'gold' }],
                capacity: { cpu_millis: 64000, memory_bytes: 274877906944, storage_bytes: 4398046511104,
                            gpus: 8, endpoints: 32, gpu_attributes: [{ key: 'model', value: 'a100' }] },
                floor_prices: { denom: 'uagora', cpu: '10', memory: '5', storage: '1', gpu: '100', endpoint: '0' } };

// [name, type, object, expected fields or {error}, extra bytes appended]
function cases() {
  const bad = (o, patch) => Object.assign(JSON.parse(JSON.stringify(o)), patch);
  const badWorkload = JSON.parse(JSON.stringify(workload));
  badWorkload.services[0].replicas = 0;
  return [
    ['order', 'MsgCreateOrder', order, {
      signer: TENANT, services: 2, auction_blocks: 20, auto_award: true,
      total: { cpu_millis: 3 * 500 + 2 * 4000, memory_bytes: 3 * 268435456 + 2 * 17179869184,
               storage_bytes: 3 * 1073741824, gpus: 4, endpoints: 3 },
      gpu_attributes: [{ key: 'model', value: 'a100' }, { key: 'vendor', value: 'nvidia' }],
      placement: order.placement, max_price: order.max_price, deposit: order.deposit }],
    ['offer', 'MsgCreateOffer', offer, {
      signer: PROVIDER, offer_id: 0, host_uri: offer.host_uri, attributes: offer.attributes,
      capacity: { cpu_millis: 64000, memory_bytes: 274877906944, storage_bytes: 4398046511104, gpus: 8, endpoints: 32 },
      gpu_attributes: offer.capacity.gpu_attributes, floor_prices: offer.floor_prices }],
    ['update', 'MsgUpdateOffer', Object.assign({ offer_id: 7 }, offer), { signer: PROVIDER, offer_id: 7 }],
    ['deactivate', 'MsgDeactivateOffer', { provider: PROVIDER, offer_id: 3 }, { signer: PROVIDER, id: 3 }],
    ['deposit_order', 'MsgDepositOrder', { tenant: TENANT, order_id: 4, amount: coin('uagora', '250') },
     { signer: TENANT, id: 4, amount: coin('uagora', '250') }],
    ['close_order', 'MsgCloseOrder', { tenant: TENANT, order_id: 5 }, { signer: TENANT, id: 5 }],
    ['bid', 'MsgCreateBid', { provider: PROVIDER, order_id: 5, offer_id: 3, price: coin('uagora', '900'),
                              deposit: coin('uagora', '500000') },
     { signer: PROVIDER, order_id: 5, offer_id: 3, price: coin('uagora', '900'), deposit: coin('uagora', '500000') }],
    ['withdraw_bid', 'MsgWithdrawBid', { provider: PROVIDER, bid_id: 6 }, { signer: PROVIDER, id: 6 }],
    ['accept_bid', 'MsgAcceptBid', { tenant: TENANT, bid_id: 6 }, { signer: TENANT, id: 6 }],
    ['withdraw_lease', 'MsgWithdrawLease', { provider: PROVIDER, lease_id: '18446744073709551615' },
     { signer: PROVIDER, id: -1 }],
    ['deposit_lease', 'MsgDepositLease', { tenant: TENANT, lease_id: 8,
                                            amount: coin('uagora', '340282366920938463463374607431768211455') },
     { signer: TENANT, id: 8, amount: coin('uagora', '340282366920938463463374607431768211455') }],
    ['close_lease', 'MsgCloseLease', { signer: PROVIDER, lease_id: 8, reason: 'maintenance window' },
     { signer: PROVIDER, id: 8, reason: 'maintenance window' }],
    // refusals
    ['zero_replicas', 'MsgCreateOrder', bad(order, { workload: badWorkload }), { error: 'AG_ERR_DECODE' }],
    ['cosmos_prefix', 'MsgCreateOrder', bad(order, { tenant: addr(1, 'cosmos') }), { error: 'AG_ERR_PREFIX' }],
    ['leading_zero', 'MsgCreateBid', { provider: PROVIDER, order_id: 5, offer_id: 3, price: coin('uagora', '0900'),
                                        deposit: coin('uagora', '1') }, { error: 'AG_ERR_DECODE' }],
    ['overflow', 'MsgDepositLease', { tenant: TENANT, lease_id: 8,
                                      amount: coin('uagora', '340282366920938463463374607431768211456') },
     { error: 'AG_ERR_OVERFLOW' }],
    ['id_zero', 'MsgAcceptBid', { tenant: TENANT, bid_id: 0 }, { error: 'AG_ERR_DECODE' }],
    ['unknown_field', 'MsgCloseOrder', { tenant: TENANT, order_id: 5 }, { error: 'AG_ERR_DECODE' }, [0xf8, 0x01, 0x01]],
    ['dup_attr', 'MsgCreateOffer', bad(offer, { attributes: [{ key: 'a', value: '1' }, { key: 'a', value: '2' }] }),
     { error: 'AG_ERR_DECODE' }],
  ];
}

const root = loadRoot();
if (mode === 'make') {
  for (const [, type, obj, , extra] of cases()) {
    const T = root.lookupType('agora.market.v1.' + type);
    let bytes = Buffer.from(T.encode(T.fromObject(obj)).finish());
    if (extra) bytes = Buffer.concat([bytes, Buffer.from(extra)]);
    console.log(`/agora.market.v1.${type} ${bytes.toString('hex')}`);
  }
  process.exit(0);
}

const results = fs.readFileSync(resultsFile, 'utf8').trim().split('\n').map(l => JSON.parse(l));
const list = cases();
let failures = 0, oks = 0, refusals = 0;
if (results.length !== list.length) { console.error(`market_compat: ${results.length} results for ${list.length} cases`); process.exit(1); }
// Equal as JSON values, whatever the key order.
function canon(v) {
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map(k => [k, canon(v[k])]));
  return v;
}
function same(a, b) { return JSON.stringify(canon(a)) === JSON.stringify(canon(b)); }
list.forEach(([name, , , want], i) => {
  const got = results[i];
  if (want.error) {
    if (got.ok || got.error !== want.error) { failures++; console.error(`FAIL ${name}: want ${want.error}, got ${JSON.stringify(got)}`); }
    else refusals++;
    return;
  }
  if (!got.ok) { failures++; console.error(`FAIL ${name}: refused: ${got.error} ${got.detail}`); return; }
  for (const [k, v] of Object.entries(want)) {
    const g = got[k]; // (ids print as signed JSON integers: 2^64 - 1 is -1)
    if (!same(g, v)) { failures++; console.error(`FAIL ${name}.${k}: want ${JSON.stringify(v)}, got ${JSON.stringify(g)}`); }
  }
  if (got.workload) { // the canonical workload decodes to what was sent
    const W = root.lookupType('agora.market.v1.Workload');
    const back = W.toObject(W.decode(Buffer.from(got.workload, 'hex')), { longs: String, defaults: false });
    const sent = W.toObject(W.fromObject(workload), { longs: String, defaults: false });
    if (!same(back, sent)) { failures++; console.error(`FAIL ${name}: workload differs`); }
  }
  oks++;
});
if (failures) { console.error(`market_compat: ${failures} failures`); process.exit(1); }
console.log(`market_compat: ${oks} protobufjs-encoded market messages decoded with matching fields, ${refusals} bad ones refused with the expected error`);
