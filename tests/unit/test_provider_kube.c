/* The provider's Kubernetes side without a cluster: sanitising chain
 * strings, object generation and refusals, and reconciliation against the
 * dry-run directory (create, update, converge after hand edits, teardown,
 * foreign namespaces untouched). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "provider/kube_config.h"
#include "provider/kube_quantity.h"
#include "provider/reconcile.h"
#include "provider/sanitize.h"
#include "tests/harness/ag_test.h"
#include "tests/harness/lease_fixture.h"

static bool exists(const char *dir, const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    struct stat st;
    return stat(p, &st) == 0;
}

static void write_file(const char *dir, const char *rel, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

START_TEST(sanitize_names)
{
    char out[PROVIDER_NAME_CAP];
    provider_dns_label(out, 50, (const uint8_t *)"web", 3);
    ck_assert_str_eq(out, "web");
    const char *hostile[] = {
        "Web",     "../../etc/passwd",
        "a b",     "",
        "-x-",     "x\x00y",
        "ünïcode", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    char prev[8][PROVIDER_NAME_CAP];
    for (size_t i = 0; i < 8; i++) {
        size_t len = i == 5 ? 3 : strlen(hostile[i]);
        provider_dns_label(out, 50, (const uint8_t *)hostile[i], len);
        ck_assert_msg(provider_is_dns_label(out), "%zu -> %s", i, out);
        ck_assert_uint_le(strlen(out), 50);
        ck_assert_ptr_null(strchr(out, '/'));
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(prev[j], out);
        strcpy(prev[i], out);
    }
    /* the same input always gives the same name */
    char again[PROVIDER_NAME_CAP];
    provider_dns_label(again, 50, (const uint8_t *)"Web", 3);
    ck_assert_str_eq(again, prev[0]);

    provider_label_value(out, (const uint8_t *)"agora1abc", 9);
    ck_assert_str_eq(out, "agora1abc");
    provider_label_value(out, (const uint8_t *)"a=b,c", 5);
    ck_assert_int_eq(strncmp(out, "h-", 2), 0);
    ck_assert_uint_eq(strlen(out), 18);

    char why[128];
    ck_assert(
        provider_image_ok((const uint8_t *)"ghcr.io/org/app@sha256:abc", 26, why, sizeof why));
    const char *bad_images[] = {"", "nginx latest", "-nginx", "a//b", "nginx:", "a@b@c", "x\ny"};
    for (size_t i = 0; i < 7; i++)
        ck_assert_msg(!provider_image_ok((const uint8_t *)bad_images[i], strlen(bad_images[i]), why,
                                         sizeof why),
                      "%s", bad_images[i]);
    ck_assert(provider_env_name_ok((const uint8_t *)"_A1", 3));
    ck_assert(!provider_env_name_ok((const uint8_t *)"1A", 2));
    ck_assert(!provider_env_name_ok((const uint8_t *)"A-B", 3));
    ck_assert(!provider_env_name_ok((const uint8_t *)"A=B", 3));
    ck_assert(provider_utf8_ok((const uint8_t *)"h\xc3\xa9", 3));
    ck_assert(!provider_utf8_ok((const uint8_t *)"\xc3", 1));
    ck_assert(!provider_utf8_ok((const uint8_t *)"\xc0\xaf", 2));     /* overlong '/' */
    ck_assert(!provider_utf8_ok((const uint8_t *)"\xed\xa0\x80", 3)); /* surrogate */
}
END_TEST

static const json_t *find(const provider_objset *s, const char *kind, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->objs[i].kind, kind) == 0 && strcmp(s->objs[i].name, name) == 0)
            return s->objs[i].body;
    return NULL;
}

START_TEST(objects_of_a_lease)
{
    market_lease l;
    market_order o;
    lease_fixture_simple(&l, &o, 7);
    const char *prov = lease_fixture_provider_bech32();
    provider_objset s;
    char why[PROVIDER_REASON_MAX];
    ck_assert_int_eq(provider_objects_build(&s, prov, &l, &o, why, sizeof why), AG_OK);
    ck_assert_str_eq(s.ns, "agora-lease-7");
    ck_assert_uint_eq(s.replicas, 2);
    /* Namespace, quota, limits, policy, Deployment, ClusterIP + NodePort Services */
    ck_assert_uint_eq(s.n, 7);
    ck_assert_str_eq(s.objs[0].kind, "Namespace");
    ck_assert_str_eq(s.objs[0].ns, "");
    const json_t *q = find(&s, "ResourceQuota", "lease-quota");
    ck_assert_ptr_nonnull(q);
    json_t *hard = json_object_get(json_object_get(q, "spec"), "hard");
    ck_assert_str_eq(json_string_value(json_object_get(hard, "requests.cpu")), "500m");
    ck_assert_str_eq(json_string_value(json_object_get(hard, "limits.memory")), "536870912");
    ck_assert_str_eq(json_string_value(json_object_get(hard, "pods")), "2");
    ck_assert_str_eq(json_string_value(json_object_get(hard, "services.nodeports")), "1");
    const json_t *d = find(&s, "Deployment", "web");
    ck_assert_ptr_nonnull(d);
    json_t *labels = json_object_get(json_object_get(d, "metadata"), "labels");
    ck_assert_str_eq(json_string_value(json_object_get(labels, PROVIDER_LABEL_LEASE)), "7");
    ck_assert_str_eq(json_string_value(json_object_get(labels, PROVIDER_LABEL_ORDER)), "1007");
    ck_assert_str_eq(json_string_value(json_object_get(labels, PROVIDER_LABEL_PROVIDER)), prov);
    ck_assert_str_eq(json_string_value(json_object_get(labels, PROVIDER_LABEL_MANAGED_BY)),
                     PROVIDER_MANAGER);
    ck_assert_ptr_nonnull(find(&s, "Service", "web"));
    const json_t *np = find(&s, "Service", "web-np");
    ck_assert_ptr_nonnull(np);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(np, "spec"), "type")),
                     "NodePort");
    /* deterministic: a second build serialises byte for byte the same */
    provider_objset s2;
    ck_assert_int_eq(provider_objects_build(&s2, prov, &l, &o, why, sizeof why), AG_OK);
    ck_assert_uint_eq(s2.n, s.n);
    for (size_t i = 0; i < s.n; i++) {
        char *a = provider_object_dump(s.objs[i].body, 0),
             *b = provider_object_dump(s2.objs[i].body, 0);
        ck_assert_str_eq(a, b);
        free(a);
        free(b);
    }
    char *dep = provider_object_dump(d, 0);
    ck_assert_ptr_nonnull(
        strstr(dep, "\"containers\":[{\"env\":[{\"name\":\"PORT\",\"value\":\"8080\"}],"
                    "\"image\":\"nginx:1.25\",\"name\":\"web\""));
    free(dep);
    provider_objset_clear(&s2);
    provider_objset_clear(&s);

    /* a lease of another provider is not ours to run */
    crypto_address other;
    memset(other.b, 0x33, sizeof other.b);
    l.provider = other;
    ck_assert_int_eq(provider_objects_build(&s, prov, &l, &o, why, sizeof why), AG_ERR_STATE);
    ck_assert_ptr_nonnull(strstr(why, "belongs to"));
    ck_assert_uint_eq(s.n, 0);
    market_order_clear(&o);
}
END_TEST

/* Build a one-service lease after `mutate` spoils the service; expect a
 * refusal whose reason contains `want`. */
static void expect_refusal(void (*mutate)(Agora__Market__V1__Service *), const char *want)
{
    Agora__Market__V1__Service *sv = lease_fixture_service("web");
    mutate(sv);
    market_lease l;
    market_order o;
    lease_fixture_make(&l, &o, 9, NULL, &sv, 1);
    provider_objset s;
    char why[PROVIDER_REASON_MAX];
    ag_err e = provider_objects_build(&s, lease_fixture_provider_bech32(), &l, &o, why, sizeof why);
    ck_assert_int_ne(e, AG_OK);
    ck_assert_msg(strstr(why, want) != NULL, "reason '%s' lacks '%s'", why, want);
    ck_assert_uint_eq(s.n, 0);
    ck_assert_ptr_null(s.objs);
    market_order_clear(&o);
    lease_fixture_service_free(sv);
}

static void set_bytes(ProtobufCBinaryData *b, const char *s, size_t len)
{
    free(b->data);
    b->data = malloc(len ? len : 1);
    memcpy(b->data, s, len);
    b->len = len;
}

static void bad_image(Agora__Market__V1__Service *s)
{
    set_bytes(&s->image, "nginx; rm -rf x", 15);
}
static void bad_env(Agora__Market__V1__Service *s)
{
    set_bytes(&s->env[0]->name, "A=B", 3);
}
static void bad_env_value(Agora__Market__V1__Service *s)
{
    set_bytes(&s->env[0]->value, "\xff\xfe", 2);
}
static void absurd_cpu(Agora__Market__V1__Service *s)
{
    s->resources->cpu_millis = UINT64_MAX / 2;
}
static void absurd_replicas(Agora__Market__V1__Service *s)
{
    s->replicas = 100000;
}
static void zero_memory(Agora__Market__V1__Service *s)
{
    s->resources->memory_bytes = 0;
}
static void bad_port(Agora__Market__V1__Service *s)
{
    s->ports[0]->port = 70000;
}
static void reserved_name(Agora__Market__V1__Service *s)
{
    set_bytes(&s->name, "lease-quota", 11);
}

START_TEST(objects_refusals)
{
    expect_refusal(bad_image, "forbidden byte");
    expect_refusal(bad_env, "invalid name");
    expect_refusal(bad_env_value, "not UTF-8");
    expect_refusal(absurd_cpu, "absurd resources");
    expect_refusal(absurd_replicas, "replicas");
    expect_refusal(zero_memory, "non-zero");
    expect_refusal(bad_port, "port 70000");
    expect_refusal(reserved_name, "reserved");

    /* a garbage workload and two services that sanitise to one name */
    market_lease l;
    market_order o;
    lease_fixture_simple(&l, &o, 3);
    o.workload[0] ^= 0xff;
    provider_objset s;
    char why[PROVIDER_REASON_MAX];
    ck_assert_int_eq(
        provider_objects_build(&s, lease_fixture_provider_bech32(), &l, &o, why, sizeof why),
        AG_ERR_DECODE);
    market_order_clear(&o);
    Agora__Market__V1__Service *two[2] = {lease_fixture_service("web"),
                                          lease_fixture_service("web")};
    lease_fixture_make(&l, &o, 4, NULL, two, 2);
    ck_assert_int_eq(
        provider_objects_build(&s, lease_fixture_provider_bech32(), &l, &o, why, sizeof why),
        AG_ERR_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(why, "repeats"));
    market_order_clear(&o);
    lease_fixture_service_free(two[0]);
    lease_fixture_service_free(two[1]);

    /* hostile service names become safe, distinct object names */
    Agora__Market__V1__Service *h[2] = {lease_fixture_service("../../x"),
                                        lease_fixture_service("A B\x01")};
    lease_fixture_make(&l, &o, 5, NULL, h, 2);
    ck_assert_int_eq(
        provider_objects_build(&s, lease_fixture_provider_bech32(), &l, &o, why, sizeof why),
        AG_OK);
    for (size_t i = 0; i < s.n; i++)
        ck_assert_msg(provider_is_dns_label(s.objs[i].name), "%s", s.objs[i].name);
    provider_objset_clear(&s);
    market_order_clear(&o);
    lease_fixture_service_free(h[0]);
    lease_fixture_service_free(h[1]);
}
END_TEST

typedef struct leases {
    market_lease l[8];
    market_order o[8];
    provider_active a[8];
} leases;

static void make_leases(leases *ls, size_t n, uint64_t first_id)
{
    for (size_t i = 0; i < n; i++) {
        lease_fixture_simple(&ls->l[i], &ls->o[i], first_id + i);
        ls->a[i] = (provider_active){&ls->l[i], &ls->o[i]};
    }
}

static void free_leases(leases *ls, size_t n)
{
    for (size_t i = 0; i < n; i++)
        market_order_clear(&ls->o[i]);
}

START_TEST(reconcile_dry_run)
{
    char dir[64];
    ag_test_mkdtemp(dir, "provkube");
    provider_kube *k;
    provider_kube_opts opts = {.dry_run_dir = dir};
    ck_assert_int_eq(provider_kube_open(&k, &opts), AG_OK);
    ck_assert(provider_kube_is_dry_run(k));
    const char *prov = lease_fixture_provider_bech32();

    /* a foreign namespace, and one labelled by another provider's agora */
    ck_assert_int_eq(mkdir(strcat(strcpy((char[128]){0}, dir), "/kube-system"), 0755), 0);
    write_file(dir, "kube-system/Namespace-kube-system.json", "{\"metadata\":{\"labels\":{}}}\n");
    ck_assert_int_eq(mkdir(strcat(strcpy((char[128]){0}, dir), "/agora-lease-99"), 0755), 0);
    write_file(
        dir, "agora-lease-99/Namespace-agora-lease-99.json",
        "{\"metadata\":{\"labels\":{\"agora.market/lease\":\"99\",\"agora.market/"
        "provider\":\"someone-else\",\"app.kubernetes.io/managed-by\":\"agora-provider\"}}}\n");

    leases ls;
    make_leases(&ls, 3, 1);
    provider_reconcile_report rep;
    ck_assert_int_eq(provider_reconcile(k, prov, ls.a, 3, &rep), AG_OK);
    ck_assert_uint_eq(rep.n_leases, 3);
    ck_assert_uint_eq(rep.objects_applied, 21);
    ck_assert_uint_eq(rep.objects_changed, 21);
    ck_assert_int_eq(rep.leases[1].outcome, PROVIDER_LEASE_APPLIED);
    ck_assert(exists(dir, "agora-lease-2/Deployment-web.json"));
    ck_assert(exists(dir, "agora-lease-2/Namespace-agora-lease-2.json"));
    provider_reconcile_report_clear(&rep);

    /* a second pass changes nothing */
    ck_assert_int_eq(provider_reconcile(k, prov, ls.a, 3, &rep), AG_OK);
    ck_assert_uint_eq(rep.objects_changed, 0);
    provider_reconcile_report_clear(&rep);

    /* hand edits and deletions are converged; a stray file is pruned */
    write_file(dir, "agora-lease-1/Deployment-web.json", "{\"tampered\":true}\n");
    char p[256];
    snprintf(p, sizeof p, "%s/agora-lease-3/ResourceQuota-lease-quota.json", dir);
    ck_assert_int_eq(unlink(p), 0);
    write_file(dir, "agora-lease-2/Deployment-miner.json", "{}\n");
    ck_assert_int_eq(provider_reconcile(k, prov, ls.a, 3, &rep), AG_OK);
    ck_assert_uint_eq(rep.objects_changed, 2);
    ck_assert_uint_eq(rep.objects_pruned, 1);
    ck_assert(!exists(dir, "agora-lease-2/Deployment-miner.json"));
    ck_assert(exists(dir, "agora-lease-3/ResourceQuota-lease-quota.json"));
    provider_reconcile_report_clear(&rep);

    provider_readiness r;
    ck_assert_int_eq(provider_lease_readiness(k, 1, &r), AG_OK);
    ck_assert_uint_eq(r.deployments, 1);
    ck_assert_uint_eq(r.desired, 2);
    ck_assert(!r.known);

    /* lease 2 closes: its namespace goes, the others and the foreign ones stay */
    ls.a[1] = ls.a[2];
    ck_assert_int_eq(provider_reconcile(k, prov, ls.a, 2, &rep), AG_OK);
    ck_assert_uint_eq(rep.namespaces_deleted, 1);
    ck_assert(!exists(dir, "agora-lease-2"));
    ck_assert(exists(dir, "agora-lease-1/Deployment-web.json"));
    ck_assert(exists(dir, "agora-lease-3/Deployment-web.json"));
    ck_assert(exists(dir, "kube-system/Namespace-kube-system.json"));
    ck_assert(exists(dir, "agora-lease-99/Namespace-agora-lease-99.json"));
    provider_reconcile_report_clear(&rep);

    /* a refused lease is reported, the others proceed, nothing of it is written */
    Agora__Market__V1__Service *sv = lease_fixture_service("web");
    set_bytes(&sv->image, "bad image", 9);
    market_lease bl;
    market_order bo;
    lease_fixture_make(&bl, &bo, 50, NULL, &sv, 1);
    provider_active mix[2] = {ls.a[0], {&bl, &bo}};
    ck_assert_int_eq(provider_reconcile(k, prov, mix, 2, &rep), AG_OK);
    ck_assert_uint_eq(rep.refused, 1);
    ck_assert_int_eq(rep.leases[1].outcome, PROVIDER_LEASE_REFUSED);
    ck_assert_ptr_nonnull(strstr(rep.leases[1].reason, "image"));
    ck_assert(!exists(dir, "agora-lease-50"));
    ck_assert_uint_eq(rep.namespaces_deleted, 1); /* lease 3 */
    provider_reconcile_report_clear(&rep);

    /* no leases: every namespace of ours goes, nothing else */
    ck_assert_int_eq(provider_reconcile(k, prov, NULL, 0, &rep), AG_OK);
    ck_assert_uint_eq(rep.namespaces_deleted, 1);
    ck_assert(exists(dir, "kube-system"));
    ck_assert(exists(dir, "agora-lease-99"));
    provider_reconcile_report_clear(&rep);

    market_order_clear(&bo);
    lease_fixture_service_free(sv);
    free_leases(&ls, 3);
    provider_kube_close(k);
    ag_test_rmdir(dir);
}
END_TEST

START_TEST(kubeconfig_parsing)
{
    char dir[64];
    ag_test_mkdtemp(dir, "kubecfg");
    write_file(dir, "ca.pem", "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n");
    write_file(dir, "tok", "file-token\n");
    provider_kube_config c;
    /* two contexts; the current one picks cluster b and user with files */
    const char *yaml = "apiVersion: v1\n"
                       "kind: Config\n"
                       "current-context: two\n"
                       "contexts:\n"
                       "- name: one\n  context: {cluster: a, user: ua}\n"
                       "- name: two\n  context:\n    cluster: b\n    user: ub\n"
                       "clusters:\n"
                       "- name: a\n  cluster: {server: 'https://a.example:6443'}\n"
                       "- name: b\n  cluster:\n    server: https://10.0.0.1:6443/\n"
                       "    certificate-authority: ca.pem\n"
                       "users:\n"
                       "- name: ua\n  user: {token: aaa}\n"
                       "- name: ub\n  user:\n    tokenFile: tok\n"
                       "    client-certificate-data: Y2VydA==\n"
                       "    client-key-data: a2V5\n";
    ck_assert_int_eq(provider_kube_config_parse(&c, yaml, strlen(yaml), dir), AG_OK);
    ck_assert_str_eq(c.server, "https://10.0.0.1:6443");
    ck_assert_ptr_nonnull(strstr(c.ca_pem, "BEGIN CERTIFICATE"));
    ck_assert_str_eq(c.token, "file-token");
    ck_assert_uint_eq(c.cert_len, 4);
    ck_assert_int_eq(memcmp(c.cert_pem, "cert", 4), 0);
    ck_assert_int_eq(memcmp(c.key_pem, "key", 3), 0);
    ck_assert(!c.insecure);
    provider_kube_config_clear(&c);
    ck_assert_ptr_null(c.token);

    /* the same from a file, relative paths against the file's directory */
    write_file(dir, "config", yaml);
    char path[128];
    snprintf(path, sizeof path, "%s/config", dir);
    ck_assert_int_eq(provider_kube_config_load(&c, path), AG_OK);
    ck_assert_str_eq(c.token, "file-token");
    provider_kube_config_clear(&c);

    struct {
        const char *yaml;
        ag_err want;
    } bad[] = {
        {"- just\n- a list\n", AG_ERR_DECODE},
        {"key: [unclosed\n", AG_ERR_DECODE},
        {"current-context: x\ncontexts: []\n", AG_ERR_NOT_FOUND},
        {"contexts: []\n", AG_ERR_NOT_FOUND},
        {"current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\nclusters:\n- name: "
         "c\n  cluster: {server: 'ftp://h'}\n",
         AG_ERR_INVALID_ARG},
        {"current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\nclusters:\n- "
         "name: c\n  cluster: {server: 'https://h'}\nusers:\n- name: u\n  user: {exec: {command: "
         "aws}}\n",
         AG_ERR_UNSUPPORTED},
        {"current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\nclusters:\n- "
         "name: c\n  cluster: {server: 'https://h', certificate-authority-data: '!!!'}\n",
         AG_ERR_DECODE},
        {"current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\nclusters:\n- "
         "name: c\n  cluster: {server: 'https://h'}\nusers:\n- name: u\n  user: "
         "{client-certificate-data: Y2VydA==}\n",
         AG_ERR_DECODE},
        {"current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\nclusters:\n- "
         "name: c\n  cluster: {server: 'https://h', certificate-authority: /nonexistent/ca}\n",
         AG_ERR_NOT_FOUND},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ag_err e = provider_kube_config_parse(&c, bad[i].yaml, strlen(bad[i].yaml), dir);
        ck_assert_msg(e == bad[i].want, "case %zu: %s (%s)", i, ag_err_name(e), ag_err_detail());
        ck_assert_ptr_null(c.token);
        ck_assert_ptr_null(c.ca_pem);
    }
    ck_assert_int_eq(provider_kube_config_load(&c, "/nonexistent/kubeconfig"), AG_ERR_NOT_FOUND);

    /* in-cluster: the service account directory and the environment */
    write_file(dir, "token", "sa-token\n");
    write_file(dir, "ca.crt", "PEM");
    setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    ck_assert_int_eq(provider_kube_config_in_cluster(&c, dir), AG_OK);
    ck_assert_str_eq(c.server, "https://10.96.0.1:443");
    ck_assert_str_eq(c.token, "sa-token");
    ck_assert_uint_eq(c.ca_len, 3);
    provider_kube_config_clear(&c);
    unsetenv("KUBERNETES_SERVICE_HOST");
    ck_assert_int_eq(provider_kube_config_in_cluster(&c, dir), AG_ERR_NOT_FOUND);
    ag_test_rmdir(dir);
}
END_TEST

START_TEST(open_refuses_ambiguous_sinks)
{
    provider_kube *k = (provider_kube *)1;
    provider_kube_opts none = {0};
    ck_assert_int_eq(provider_kube_open(&k, &none), AG_ERR_INVALID_ARG);
    ck_assert_ptr_null(k);
    provider_kube_opts two = {.dry_run_dir = "/tmp", .in_cluster = true};
    ck_assert_int_eq(provider_kube_open(&k, &two), AG_ERR_INVALID_ARG);
}
END_TEST

START_TEST(quantity_values)
{
    static const struct {
        const char *s;
        uint64_t scale, want;
    } ok[] = {
        {"3910m", 1000, 3910},
        {"4", 1000, 4000},
        {"0.5", 1000, 500},
        {"+2", 1000, 2000},
        {"100u", 1000, 0}, /* 0.1 millis floors to 0 */
        {"1500000000n", 1000, 1500},
        {"16318004Ki", 1, 16318004ULL * 1024},
        {"7.5Gi", 1, 7ULL * 1024 * 1024 * 1024 + 512ULL * 1024 * 1024},
        {"100G", 1, 100000000000ULL},
        {"1e3", 1, 1000},
        {"1E-3", 1000, 1},
        {"12.345k", 1, 12345},
        {"0", 1, 0},
        {"0.000", 1000, 0},
        {"000123", 1, 123},
        {"15Ei", 1, 15ULL << 60},
        {"18446744073709551615", 1, UINT64_MAX},
        {"1844674407370955161500000e-5", 1, UINT64_MAX}, /* fits only after the division */
        {"0.99999999999999999999999999999999999999999999", 1000, 999},
        {"1e-70", 1, 0},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        uint64_t v = 7;
        ag_err e = provider_quantity_parse(ok[i].s, ok[i].scale, &v);
        ck_assert_msg(e == AG_OK, "%s: %s", ok[i].s, ag_err_detail());
        ck_assert_msg(v == ok[i].want, "%s x%llu = %llu, want %llu", ok[i].s,
                      (unsigned long long)ok[i].scale, (unsigned long long)v,
                      (unsigned long long)ok[i].want);
    }
}
END_TEST

START_TEST(quantity_hostile)
{
    static const struct {
        const char *s;
        uint64_t scale;
        ag_err want;
    } bad[] = {
        {"", 1, AG_ERR_DECODE},
        {"-1", 1, AG_ERR_DECODE},
        {"m", 1, AG_ERR_DECODE},
        {".", 1, AG_ERR_DECODE},
        {"1..2", 1, AG_ERR_DECODE},
        {"1.2.3", 1, AG_ERR_DECODE},
        {"1 Gi", 1, AG_ERR_DECODE},
        {"1GiB", 1, AG_ERR_DECODE},
        {"1gi", 1, AG_ERR_DECODE},
        {"1e", 1, AG_ERR_DECODE},
        {"1e+", 1, AG_ERR_DECODE},
        {"1e99999", 1, AG_ERR_DECODE},
        {"0x10", 1, AG_ERR_DECODE},
        {"1\n", 1, AG_ERR_DECODE},
        {"18446744073709551616", 1, AG_ERR_OVERFLOW},
        {"16Ei", 1, AG_ERR_OVERFLOW},
        {"18446744073709551615", 1000, AG_ERR_OVERFLOW},
        {"1e65", 1, AG_ERR_OVERFLOW},
        {"99999999999999999999999999999999999999", 1, AG_ERR_OVERFLOW},
        {"999999999999999999999999999999999999999e-30", 1, AG_ERR_OVERFLOW}, /* 39 digits */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t v = 7;
        ag_err e = provider_quantity_parse(bad[i].s, bad[i].scale, &v);
        ck_assert_msg(e == bad[i].want, "\"%s\": got %d (%s), want %d", bad[i].s, (int)e,
                      ag_err_detail(), (int)bad[i].want);
        ck_assert_msg(v == 7, "\"%s\": output written on error", bad[i].s);
    }
    /* Longer than the bound, even if well-formed. */
    char long_q[PROVIDER_QUANTITY_MAX_LEN + 2];
    memset(long_q, '0', sizeof long_q - 1);
    long_q[sizeof long_q - 1] = 0;
    uint64_t v;
    ck_assert_int_eq(provider_quantity_parse(long_q, 1, &v), AG_ERR_DECODE);
    ck_assert_int_eq(provider_quantity_parse(NULL, 1, &v), AG_ERR_INVALID_ARG);
    ck_assert_int_eq(provider_quantity_parse("1", 0, &v), AG_ERR_INVALID_ARG);
}
END_TEST

/* Random strings over a quantity's alphabet: never a crash, the syntax
 * verdict does not depend on the scale, and since both results are floors
 * of the same value, floor(1000x) / 1000 == floor(x). */
START_TEST(quantity_random)
{
    ag_rng rng;
    ag_test_rng(&rng, 41);
    ag_rng *r = &rng;
    static const char alphabet[] = "0123456789.+-eEKMGTPEimnuk i";
    char q[PROVIDER_QUANTITY_MAX_LEN + 1];
    for (uint64_t i = 0; i < ag_test_iters(20000, 500000); i++) {
        size_t n = ag_rng_below(r, 24) + 1;
        for (size_t j = 0; j < n; j++)
            q[j] = alphabet[ag_rng_below(r, sizeof alphabet - 1)];
        q[n] = 0;
        uint64_t one, milli;
        ag_err e1 = provider_quantity_parse(q, 1, &one);
        ag_err e2 = provider_quantity_parse(q, 1000, &milli);
        ck_assert_msg(e1 == AG_OK || e1 == AG_ERR_DECODE || e1 == AG_ERR_OVERFLOW, "%s", q);
        if (e1 == AG_ERR_DECODE)
            ck_assert_msg(e2 == AG_ERR_DECODE, "%s: syntax must not depend on scale", q);
        if (e1 == AG_OK && e2 == AG_OK)
            ck_assert_msg(milli / 1000 == one, "%s: %llu vs %llu", q, (unsigned long long)one,
                          (unsigned long long)milli);
    }
}
END_TEST

static Suite *provider_kube_suite(void)
{
    Suite *s = suite_create("provider_kube");
    TCase *tc = ag_test_tcase("kube");
    tcase_add_test(tc, sanitize_names);
    tcase_add_test(tc, objects_of_a_lease);
    tcase_add_test(tc, objects_refusals);
    tcase_add_test(tc, reconcile_dry_run);
    tcase_add_test(tc, kubeconfig_parsing);
    tcase_add_test(tc, open_refuses_ambiguous_sinks);
    tcase_add_test(tc, quantity_values);
    tcase_add_test(tc, quantity_hostile);
    tcase_add_test(tc, quantity_random);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(provider_kube_suite)
