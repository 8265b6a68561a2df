// light_proxy.js — a lying full node for the light client tests: forwards
// JSON-RPC (POST or URI GET) to a real node and rewrites its answers.
//   node light_proxy.js UPSTREAM_PORT MODE      prints {"port": N}, serves until stdin closes
// MODE (each one lie):
//   none       pass everything through unchanged
//   signature  /commit: one commit signature forged (a byte flipped)
//   chain      /commit: the header claims another chain id
//   valset     /validators: validator 0's voting power changed (its set no longer hashes to the header's)
//   app_hash   /commit: the header's app_hash changed (the commit signs another header)
//   value      /abci_query: the value changed
//   proof      /abci_query: the proof bytes changed
//   absent     /abci_query: the value withheld (claims the key is absent)
//   invent     /abci_query: a value invented for an absent key
//   height     /abci_query: the response claims another height
'use strict';
const http = require('http');

const upstream = Number(process.argv[2]);
const mode = process.argv[3] || 'none';

function flipB64(s, at) {
  const b = Buffer.from(s, 'base64');
  b[Math.min(at, b.length - 1)] ^= 0x01;
  return b.toString('base64');
}

function tamper(method, body) {
  const r = body.result;
  if (!r) return body;
  if (method === 'commit') {
    const sh = r.signed_header;
    if (mode === 'signature') {
      const s = sh.commit.signatures.find((x) => x.signature);
      s.signature = flipB64(s.signature, 10);
    } else if (mode === 'chain') {
      sh.header.chain_id = 'another-chain';
    } else if (mode === 'app_hash') {
      sh.header.app_hash = (sh.header.app_hash[0] === 'A' ? 'B' : 'A') + sh.header.app_hash.slice(1);
    }
  } else if (method === 'validators' && mode === 'valset') {
    const v = r.validators[0];
    v.voting_power = String(BigInt(v.voting_power) + 1n);
  } else if (method === 'abci_query') {
    const q = r.response;
    if (mode === 'value' && q.value) q.value = flipB64(q.value, 0);
    if (mode === 'proof' && q.proofOps) q.proofOps.ops[0].data = flipB64(q.proofOps.ops[0].data, 40);
    if (mode === 'absent') q.value = null;
    if (mode === 'invent' && !q.value) q.value = Buffer.from('forged').toString('base64');
    if (mode === 'height') q.height = String(BigInt(q.height) - 1n);
  }
  return body;
}

function methodOf(req, text) {
  if (req.method === 'GET') return new URL(req.url, 'http://x').pathname.slice(1);
  try { return JSON.parse(text).method; } catch (e) { return ''; }
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const text = Buffer.concat(chunks).toString();
    const method = methodOf(req, text);
    const up = http.request({ host: '127.0.0.1', port: upstream, path: req.url, method: req.method,
                              headers: { 'content-type': 'application/json' } }, (ur) => {
      const out = [];
      ur.on('data', (c) => out.push(c));
      ur.on('end', () => {
        let reply = Buffer.concat(out).toString();
        try { reply = JSON.stringify(tamper(method, JSON.parse(reply))); } catch (e) { /* pass through */ }
        res.writeHead(ur.statusCode, { 'content-type': 'application/json' });
        res.end(reply);
      });
    });
    up.on('error', () => { res.writeHead(502); res.end(); });
    up.end(text);
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
