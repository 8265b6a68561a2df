// kube_standin.js — a TEST STAND-IN for a Kubernetes API server, nothing more.
//
// It serves the few kinds agora-provider writes (Namespace,
// ResourceQuota, LimitRange, NetworkPolicy, Deployment, Service) and reads
// (Node: its allocatable resources, for capacity = cluster) from memory,
// validating every stored object against the official OpenAPI schemas (the
// npm package kubernetes-models) plus Kubernetes' name and label rules. It
// implements what the provider relies on, "good enough" to catch mistakes:
//   - GET/POST/PUT/DELETE and server-side apply (PATCH application/apply-patch+yaml,
//     fieldManager required, force honoured; the live object is the merge of
//     every manager's last applied configuration, later managers winning;
//     a no-op apply keeps the resourceVersion; 201 on create);
//   - label selectors (k=v, k==v, k!=v, k, !k), limit/continue paging,
//     resourceVersion conflicts on PUT (409), 404/409/410/422 as Status objects;
//   - Deployment status: readyReplicas = spec.replicas (every pod "ready");
//   - deleting a Namespace deletes everything in it at once (no Terminating phase);
//   - injected faults: POST /_standin/faults {"count":N,"status":500,"delay_ms":D,
//     "method":"PATCH"} (or the env STANDIN_FAULTS with the same JSON) fails or
//     delays the next N matching requests, {"clear":true} drops them; GET /_standin/stats counts requests;
//     POST /_standin/expire-continue makes the next continue token 410 Gone.
// Not implemented: watches, YAML bodies (JSON only, which is valid YAML),
// finalizers, admission, RBAC (an optional bearer token: STANDIN_TOKEN).
//
// Usage: node kube_standin.js --port-file F [--tls-cert C --tls-key K]
// Prints nothing on success; writes the listening port to F.
'use strict';
const fs = require('fs');
const http = require('http');
const https = require('https');
const path = require('path');
const npm = process.env.NPM_DIR || path.join(__dirname, '../../build/npm');
const req = (m) => require(path.join(npm, 'node_modules', m));
const core = req('kubernetes-models/v1');
const apps = req('kubernetes-models/apps/v1');
const net = req('kubernetes-models/networking.k8s.io/v1');

const KINDS = {
  namespaces: { kind: 'Namespace', api: 'v1', model: core.Namespace, namespaced: false },
  resourcequotas: { kind: 'ResourceQuota', api: 'v1', model: core.ResourceQuota, namespaced: true },
  limitranges: { kind: 'LimitRange', api: 'v1', model: core.LimitRange, namespaced: true },
  services: { kind: 'Service', api: 'v1', model: core.Service, namespaced: true },
  deployments: { kind: 'Deployment', api: 'apps/v1', model: apps.Deployment, namespaced: true },
  networkpolicies: { kind: 'NetworkPolicy', api: 'networking.k8s.io/v1', model: net.NetworkPolicy, namespaced: true },
  // Nodes are created, cordoned (PUT with spec.unschedulable) and deleted by
  // the tests through this API, as a cluster's nodes come and go.
  nodes: { kind: 'Node', api: 'v1', model: core.Node, namespaced: false },
};

const args = process.argv.slice(2);
const opt = (k) => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : undefined; };

const store = new Map(); // key plural/ns/name -> { obj, managers: Map(manager -> applied) }
let rv = 1000;
let faults = process.env.STANDIN_FAULTS ? [JSON.parse(process.env.STANDIN_FAULTS)] : [];
let expireContinue = false;
const stats = { requests: 0, faults: 0, applies: 0, deletes: 0, invalid: 0 };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function statusBody(code, reason, message) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}
function send(res, code, body) {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
const fail = (res, code, reason, message) => send(res, code, statusBody(code, reason, message));

function isObj(v) { return v && typeof v === 'object' && !Array.isArray(v); }
function merge(a, b) { // b over a; objects merge, everything else replaced
  if (!isObj(a) || !isObj(b)) return structuredClone(b);
  const out = structuredClone(a);
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? merge(out[k], v) : structuredClone(v);
  return out;
}
function canon(v) { // key-sorted JSON, for equality
  if (Array.isArray(v)) return '[' + v.map(canon).join(',') + ']';
  if (isObj(v)) return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canon(v[k])).join(',') + '}';
  return JSON.stringify(v);
}

function validate(plural, obj) {
  const md = obj.metadata || {};
  if (typeof md.name !== 'string' || md.name.length > 63 || !DNS_LABEL.test(md.name))
    return `metadata.name ${JSON.stringify(md.name)}: must be a DNS-1123 label`;
  for (const [k, v] of Object.entries(md.labels || {})) {
    if (k.length > 317 || !LABEL_KEY.test(k)) return `label key ${JSON.stringify(k)} is invalid`;
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) return `label ${k} value ${JSON.stringify(v)} is invalid`;
  }
  if (plural === 'deployments') {
    const c = obj.spec?.template?.spec?.containers || [];
    for (const x of c) if (!DNS_LABEL.test(x.name || '')) return `container name ${x.name} is invalid`;
    const sel = obj.spec?.selector?.matchLabels || {};
    const tl = obj.spec?.template?.metadata?.labels || {};
    for (const [k, v] of Object.entries(sel)) if (tl[k] !== v) return 'spec.selector does not match template labels';
  }
  try { new KINDS[plural].model(obj).validate(); } catch (e) { return String(e.message || e); }
  return null;
}

function parseSelector(s) {
  if (!s) return [];
  return s.split(',').filter((x) => x).map((t) => {
    let m;
    if ((m = t.match(/^([^!=]+)!=(.*)$/))) return (l) => l[m[1]] !== m[2];
    if ((m = t.match(/^([^!=]+)==?(.*)$/))) return (l) => l[m[1]] === m[2];
    if ((m = t.match(/^!(.+)$/))) return (l) => !(m[1] in l);
    return (l) => t in l;
  });
}

function withStatus(plural, obj) {
  if (plural !== 'deployments') return obj;
  const o = structuredClone(obj);
  const n = o.spec?.replicas ?? 1;
  o.status = { observedGeneration: o.metadata.generation, replicas: n, readyReplicas: n, availableReplicas: n };
  return o;
}

function route(u) {
  // /api/v1/[namespaces/NS/]PLURAL[/NAME]  or  /apis/GROUP/VERSION/[namespaces/NS/]PLURAL[/NAME]
  const p = u.pathname.split('/').filter((x) => x);
  let api, rest;
  if (p[0] === 'api' && p[1] === 'v1') { api = 'v1'; rest = p.slice(2); }
  else if (p[0] === 'apis' && p.length >= 3) { api = p[1] + '/' + p[2]; rest = p.slice(3); }
  else return null;
  let ns = null;
  if (rest[0] === 'namespaces' && rest.length >= 3) { ns = rest[1]; rest = rest.slice(2); }
  const plural = rest[0];
  const k = KINDS[plural];
  if (!k || k.api !== api || rest.length > 2) return null;
  if (plural === 'namespaces' && ns === null && rest.length === 2) return { plural, ns: null, name: rest[1] };
  if (!k.namespaced && ns !== null) return null;
  return { plural, ns, name: rest[1] || null };
}

function keyOf(plural, ns, name) { return `${plural}/${ns || ''}/${name}`; }

function deleteNamespace(name) {
  for (const k of [...store.keys()]) {
    const [pl, ns, nm] = k.split('/');
    if ((pl === 'namespaces' && nm === name) || ns === name) store.delete(k);
  }
}

function list(res, r, u) {
  const sel = parseSelector(u.searchParams.get('labelSelector'));
  const items = [];
  for (const [k, e] of [...store.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [pl, ns] = k.split('/');
    if (pl !== r.plural || (r.ns !== null && ns !== r.ns)) continue;
    const labels = e.obj.metadata.labels || {};
    if (sel.every((f) => f(labels))) items.push(withStatus(pl, e.obj));
  }
  let start = 0;
  const cont = u.searchParams.get('continue');
  if (cont) {
    if (expireContinue) { expireContinue = false; return fail(res, 410, 'Expired', 'continue token expired'); }
    start = Number(Buffer.from(cont, 'base64').toString()) || 0;
  }
  const limit = Number(u.searchParams.get('limit')) || items.length;
  const page = items.slice(start, start + limit);
  const md = { resourceVersion: String(rv) };
  if (start + limit < items.length) md.continue = Buffer.from(String(start + limit)).toString('base64');
  send(res, 200, { kind: KINDS[r.plural].kind + 'List', apiVersion: KINDS[r.plural].api, metadata: md, items: page });
}

// true when obj may be stored; otherwise answers 422 and returns false
function validOrFail(res, r, obj) {
  const err = validate(r.plural, obj);
  if (!err) return true;
  stats.invalid++;
  fail(res, 422, 'Invalid', `${KINDS[r.plural].kind} "${obj.metadata?.name}" is invalid: ${err}`);
  return false;
}

function handle(req, res, body) {
  const u = new URL(req.url, 'http://x');
  if (u.pathname === '/_standin/stats') return send(res, 200, { ...stats, objects: store.size, rv });
  if (u.pathname === '/_standin/faults' && req.method === 'POST') {
    const f = JSON.parse(body);
    if (f.clear) faults = []; else faults.push(f);
    return send(res, 200, {});
  }
  if (u.pathname === '/_standin/expire-continue' && req.method === 'POST') { expireContinue = true; return send(res, 200, {}); }
  if (u.pathname === '/_standin/dump') return send(res, 200, Object.fromEntries([...store].map(([k, e]) => [k, e.obj])));
  if (process.env.STANDIN_TOKEN && req.headers.authorization !== 'Bearer ' + process.env.STANDIN_TOKEN)
    return fail(res, 401, 'Unauthorized', 'Unauthorized');
  stats.requests++;
  const r = route(u);
  if (!r) return fail(res, 404, 'NotFound', `the server could not find the requested resource ${u.pathname}`);
  const k = KINDS[r.plural];
  if (k.namespaced && r.ns !== null && !store.has(keyOf('namespaces', null, r.ns)) && req.method !== 'GET' && req.method !== 'DELETE')
    return fail(res, 404, 'NotFound', `namespaces "${r.ns}" not found`);
  const key = r.name ? keyOf(r.plural, r.ns, r.name) : null;
  const cur = key ? store.get(key) : null;
  switch (req.method) {
    case 'GET':
      if (!r.name) return list(res, r, u);
      return cur ? send(res, 200, withStatus(r.plural, cur.obj)) : fail(res, 404, 'NotFound', `${r.plural} "${r.name}" not found`);
    case 'DELETE':
      if (!cur) return fail(res, 404, 'NotFound', `${r.plural} "${r.name}" not found`);
      stats.deletes++;
      if (r.plural === 'namespaces') deleteNamespace(r.name); else store.delete(key);
      return send(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' });
    case 'POST': case 'PUT': {
      let obj;
      try { obj = JSON.parse(body); } catch { return fail(res, 400, 'BadRequest', 'body is not JSON'); }
      const name = obj?.metadata?.name;
      if (req.method === 'POST' ? r.name : name !== r.name) return fail(res, 400, 'BadRequest', 'name mismatch');
      const kk = keyOf(r.plural, r.ns, name);
      const old = store.get(kk);
      if (req.method === 'POST' && old) return fail(res, 409, 'AlreadyExists', `${r.plural} "${name}" already exists`);
      if (req.method === 'PUT') {
        if (!old) return fail(res, 404, 'NotFound', `${r.plural} "${name}" not found`);
        if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== old.obj.metadata.resourceVersion)
          return fail(res, 409, 'Conflict', `Operation cannot be fulfilled on ${r.plural} "${name}": the object has been modified`);
      }
      if (r.ns) obj.metadata.namespace = r.ns;
      if (!validOrFail(res, r, obj)) return;
      obj.metadata.resourceVersion = String(++rv);
      obj.metadata.generation = (old?.obj.metadata.generation || 0) + 1;
      const managers = old ? old.managers : new Map();
      const m = u.searchParams.get('fieldManager') || 'kubectl-edit';
      managers.set(m, structuredClone(obj));
      store.set(kk, { obj, managers });
      return send(res, old ? 200 : 201, obj);
    }
    case 'PATCH': {
      if (!/^application\/apply-patch\+yaml/.test(req.headers['content-type'] || ''))
        return fail(res, 415, 'UnsupportedMediaType', 'only server-side apply is supported by this stand-in');
      const m = u.searchParams.get('fieldManager');
      if (!m) return fail(res, 400, 'BadRequest', 'fieldManager is required for apply patch');
      let obj;
      try { obj = JSON.parse(body); } catch { return fail(res, 400, 'BadRequest', 'apply body is not JSON (this stand-in reads JSON only)'); }
      if (obj.kind !== k.kind || obj.apiVersion !== k.api || obj.metadata?.name !== r.name)
        return fail(res, 400, 'BadRequest', 'kind, apiVersion or name does not match the URL');
      if (k.namespaced && obj.metadata.namespace !== undefined && obj.metadata.namespace !== r.ns)
        return fail(res, 400, 'BadRequest', 'namespace does not match the URL');
      stats.applies++;
      const managers = cur ? new Map(cur.managers) : new Map();
      if (cur && u.searchParams.get('force') !== 'true') {
        for (const [other, applied] of managers) if (other !== m && canon(merge(applied, obj)) !== canon(applied))
          return fail(res, 409, 'Conflict', `Apply failed with conflicts with manager "${other}"`);
      }
      managers.delete(m);
      managers.set(m, obj);
      let live = {};
      for (const applied of managers.values()) live = merge(live, applied);
      if (k.namespaced) live.metadata.namespace = r.ns;
      delete live.metadata.resourceVersion; delete live.metadata.generation; delete live.status;
      if (!validOrFail(res, r, live)) return;
      if (cur) {
        const before = structuredClone(cur.obj);
        delete before.metadata.resourceVersion; delete before.metadata.generation;
        if (canon(before) === canon(live)) { cur.managers = managers; return send(res, 200, withStatus(r.plural, cur.obj)); }
      }
      live.metadata.resourceVersion = String(++rv);
      live.metadata.generation = (cur?.obj.metadata.generation || 0) + 1;
      store.set(key, { obj: live, managers });
      return send(res, cur ? 200 : 201, withStatus(r.plural, live));
    }
    default:
      return fail(res, 405, 'MethodNotAllowed', req.method);
  }
}

function onRequest(req, res) {
  const chunks = [];
  let size = 0;
  req.on('data', (c) => { size += c.length; if (size > 3 << 20) { req.destroy(); return; } chunks.push(c); });
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    if (!req.url.startsWith('/_standin/')) {
      const f = faults.find((x) => x.count > 0 && (!x.method || x.method === req.method));
      if (f) {
        f.count--; stats.faults++;
        const go = () => (f.status ? fail(res, f.status, 'InternalError', 'injected fault') : handle(req, res, body));
        return f.delay_ms ? setTimeout(go, f.delay_ms) : go();
      }
    }
    try { handle(req, res, body); } catch (e) { fail(res, 500, 'InternalError', 'stand-in bug: ' + e.message); }
  });
}

const cert = opt('--tls-cert');
const server = cert
  ? https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(opt('--tls-key')) }, onRequest)
  : http.createServer(onRequest);
server.listen(0, '127.0.0.1', () => fs.writeFileSync(opt('--port-file'), String(server.address().port)));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
