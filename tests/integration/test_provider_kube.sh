#!/usr/bin/env bash
# The provider's reconciler against a stand-in Kubernetes API server
# (kube_standin.js: a test stand-in, not Kubernetes) over HTTPS with a CA
# made here and a bearer token: every object valid per the official schemas,
# convergence after injected 500s, timeouts, hand deletions and edits,
# closed leases torn down, foreign namespaces untouched.
# Usage: test_provider_kube.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: test_provider_kube.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
export NPM_DIR=$(cd "$build/.." && pwd)/npm
if [[ ! -d "$NPM_DIR/node_modules/kubernetes-models" ]]; then
  mkdir -p "$NPM_DIR"
  (cd "$NPM_DIR" && npm install --no-audit --no-fund --silent --prefix . kubernetes-models@4.4.2 >/dev/null)
fi
tool="$build/tools/provider_kube_tool"
work=$(mktemp -d /tmp/agora-provkube.XXXXXX)
standin_pid=
cleanup() { [[ -n "$standin_pid" ]] && kill "$standin_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$work/standin.log" 2>/dev/null; exit 1; }

# A CA and a server certificate for 127.0.0.1, made for this run.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=test-ca \
  -keyout "$work/ca.key" -out "$work/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
  -keyout "$work/srv.key" -out "$work/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > "$work/ext"
openssl x509 -req -in "$work/srv.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial \
  -days 1 -extfile "$work/ext" -out "$work/srv.crt" 2>/dev/null

token=t0k3n-$RANDOM
STANDIN_TOKEN=$token node "$here/kube_standin.js" --port-file "$work/port" \
  --tls-cert "$work/srv.crt" --tls-key "$work/srv.key" > "$work/standin.log" 2>&1 &
standin_pid=$!
for _ in $(seq 100); do [[ -s "$work/port" ]] && break; sleep 0.05; done
[[ -s "$work/port" ]] || fail "stand-in did not start"
port=$(cat "$work/port")
url="https://127.0.0.1:$port"
cat > "$work/kubeconfig" <<KC
apiVersion: v1
kind: Config
current-context: test
contexts:
- name: test
  context: {cluster: standin, user: provider}
clusters:
- name: standin
  cluster:
    server: $url
    certificate-authority-data: $(base64 -w0 < "$work/ca.crt")
users:
- name: provider
  user:
    token: $token
KC
kc=(--kubeconfig "$work/kubeconfig")
api() { curl -sS --cacert "$work/ca.crt" -H "Authorization: Bearer $token" "$@"; }
stat() { api "$url/_standin/stats" | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s)['$1']))"; }
get_code() { api -o /dev/null -w '%{http_code}' "$url$1"; }
export PK_BACKOFF_MS=20

# Foreign objects: a namespace without our labels, one of another provider.
api -X POST -H 'Content-Type: application/json' "$url/api/v1/namespaces" \
  -d '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-a"}}' >/dev/null
api -X POST -H 'Content-Type: application/json' "$url/api/v1/namespaces" \
  -d '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"agora-lease-77","labels":{"app.kubernetes.io/managed-by":"agora-provider","agora.market/provider":"agora1someoneelse","agora.market/lease":"77"}}}' >/dev/null

# 1. Five leases, one refused (bad image), one with hostile service names.
out=$("$tool" reconcile "${kc[@]}" 1 5 --bad 2 --hostile 4) || fail "first pass: $out"
echo "$out"
grep -q 'rc=AG_OK applied=40 changed=40 .* refused=1 failed=0' <<<"$out" || fail "first pass: $out"
grep -q 'lease 2 refused: service 0 (web): image reference' <<<"$out" || fail "no refusal reason"
[[ $(stat invalid) == 0 ]] || fail "the stand-in refused objects as invalid"
[[ $(get_code /apis/apps/v1/namespaces/agora-lease-2/deployments/web) == 404 ]] || fail "refused lease applied"
r=$("$tool" readiness "${kc[@]}" 3)
[[ "$r" == "deployments=2 desired=4 ready=4 known=1" ]] || fail "readiness: $r"

# 2. Injected 500s on three applies: retried, the pass converges.
api -X POST "$url/_standin/faults" -d '{"count":3,"status":500,"method":"PATCH"}' >/dev/null
out=$("$tool" reconcile "${kc[@]}" 1 5 --bad 2 --hostile 4) || fail "after 500s: $out"
[[ $(stat faults) == 3 ]] || fail "faults not injected"

# 3. More failures than retries: the pass reports failed leases, the next converges.
api -X POST "$url/_standin/faults" -d '{"count":50,"status":503,"method":"PATCH"}' >/dev/null
out=$(PK_RETRIES=1 "$tool" reconcile "${kc[@]}" 1 5 --bad 2 --hostile 4) && fail "should fail: $out"
grep -q 'failed=[1-9]' <<<"$out" || fail "no failed leases reported: $out"
grep -q 'HTTP 503' <<<"$out" || fail "no HTTP status in the reason: $out"
api -X POST "$url/_standin/faults" -d '{"clear":true}' >/dev/null
out=$("$tool" reconcile "${kc[@]}" 1 5 --bad 2 --hostile 4) || fail "no convergence: $out"
grep -q 'failed=0' <<<"$out" || fail "no convergence: $out"

# 4. A slow answer times out and is retried.
api -X POST "$url/_standin/faults" -d '{"count":1,"delay_ms":1500,"method":"PATCH"}' >/dev/null
out=$(PK_TIMEOUT_MS=500 "$tool" reconcile "${kc[@]}" 1 5 --bad 2 --hostile 4) || fail "after a timeout: $out"
# The server still carries out the request the client gave up on (as a real
# one may); let it land now rather than in the middle of a later step.
sleep 1.2

# 5. Hand deletion, hand edit, a stray object of ours: all converged.
[[ $(api -X DELETE -o /dev/null -w '%{http_code}' "$url/apis/apps/v1/namespaces/agora-lease-1/deployments/web") == 200 ]] || fail "hand delete"
api "$url/apis/apps/v1/namespaces/agora-lease-3/deployments/db" |
  node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const o=JSON.parse(s);o.spec.replicas=9;delete o.status;console.log(JSON.stringify(o))})" > "$work/edit.json"
[[ $(api -X PUT -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' "$url/apis/apps/v1/namespaces/agora-lease-3/deployments/db" -d @"$work/edit.json") == 200 ]] || fail "hand edit"
# the stand-in keeps resourceVersions: the same stale edit again is a 409 Status
code=$(api -X PUT -o "$work/conflict.json" -w '%{http_code}' -H 'Content-Type: application/json' "$url/apis/apps/v1/namespaces/agora-lease-3/deployments/db" -d @"$work/edit.json")
[[ $code == 409 ]] && grep -q '"reason":"Conflict"' "$work/conflict.json" || fail "stale PUT: $code $(cat "$work/conflict.json")"
api "$url/api/v1/namespaces/nope" | grep -q '"kind":"Status".*"reason":"NotFound".*"code":404' || fail "404 is not a Status"
sed -e 's/"name":"db"/"name":"miner"/; s/"resourceVersion":"[0-9]*",//' "$work/edit.json" > "$work/stray.json"
code=$(api -X POST -o "$work/stray.out" -w '%{http_code}' -H 'Content-Type: application/json' "$url/apis/apps/v1/namespaces/agora-lease-3/deployments" -d @"$work/stray.json")
[[ $code == 201 ]] || fail "stray create: $code $(cat "$work/stray.out")"
out=$("$tool" reconcile "${kc[@]}" 1 5 --bad 2 --hostile 4) || fail "after hand changes: $out"
echo "$out"
grep -q 'pruned=1 ' <<<"$out" || fail "stray not pruned: $out"
[[ $(get_code /apis/apps/v1/namespaces/agora-lease-1/deployments/web) == 200 ]] || fail "deleted deployment not re-created"
[[ $(get_code /apis/apps/v1/namespaces/agora-lease-3/deployments/miner) == 404 ]] || fail "stray still there"
replicas=$(api "$url/apis/apps/v1/namespaces/agora-lease-3/deployments/db" | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s).spec.replicas))")
[[ $replicas == 2 ]] || fail "hand edit not reverted: replicas $replicas"

# 6. Leases 1 and 3 close: their namespaces go; the others and the foreign ones stay.
out=$("$tool" reconcile "${kc[@]}" 4 2 --hostile 4) || fail "teardown: $out"
echo "$out"
grep -q 'deleted=2 ' <<<"$out" || fail "expected leases 1 and 3 gone: $out"
for ns in agora-lease-1 agora-lease-3; do [[ $(get_code /api/v1/namespaces/$ns) == 404 ]] || fail "$ns not deleted"; done
for ns in agora-lease-4 agora-lease-5 team-a agora-lease-77; do [[ $(get_code /api/v1/namespaces/$ns) == 200 ]] || fail "$ns deleted"; done

# 7. No leases: only our namespaces go.
out=$("$tool" reconcile "${kc[@]}" 1 0) || fail "empty: $out"
for ns in team-a agora-lease-77; do [[ $(get_code /api/v1/namespaces/$ns) == 200 ]] || fail "$ns deleted"; done
[[ $(get_code /api/v1/namespaces/agora-lease-4) == 404 ]] || fail "agora-lease-4 left"

# 8. Paging: 520 namespaces of ours (more than one page of 500), and the
# continue token expires once (410 Gone): the list restarts, all are deleted.
CA="$work/ca.crt" URL="$url" TOKEN="$token" node -e '
const https = require("https"), fs = require("fs");
const ca = fs.readFileSync(process.env.CA);
const post = (i) => new Promise((ok, no) => {
  const body = JSON.stringify({apiVersion: "v1", kind: "Namespace", metadata: {name: "agora-lease-" + i,
    labels: {"app.kubernetes.io/managed-by": "agora-provider", "agora.market/lease": String(i),
             "agora.market/provider": process.argv[1]}}});
  const r = https.request(process.env.URL + "/api/v1/namespaces", {method: "POST", ca,
    headers: {"Content-Type": "application/json", Authorization: "Bearer " + process.env.TOKEN}},
    (res) => { res.resume(); res.on("end", () => res.statusCode === 201 ? ok() : no(res.statusCode)); });
  r.end(body);
});
(async () => { for (let i = 1000; i < 1520; i++) await post(i); })().catch((e) => { console.error(e); process.exit(1); });
' "$("$tool" address)"
api -X POST "$url/_standin/expire-continue" >/dev/null
out=$("$tool" reconcile "${kc[@]}" 1 0) || fail "paged teardown: $out"
grep -q 'deleted=520 ' <<<"$out" || fail "paged teardown: $out"
for ns in team-a agora-lease-77; do [[ $(get_code /api/v1/namespaces/$ns) == 200 ]] || fail "$ns deleted"; done

# 9. A wrong token is refused with a clear error, no crash.
sed -i "s/token: $token/token: wrong/" "$work/kubeconfig"
out=$(PK_RETRIES=0 "$tool" reconcile "${kc[@]}" 1 1 2>&1) && fail "wrong token accepted: $out"
grep -q 'HTTP 401' <<<"$out" || fail "no 401 in: $out"
[[ $(stat invalid) == 0 ]] || fail "objects refused by the schemas"
echo "provider kube: converged through faults, $(stat applies) applies, $(stat faults) injected faults"
