/* keyring.c — key files: scrypt + ChaCha20-Poly1305 (OpenSSL), JSON (jansson). */
#include "cli/keyring.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "lib/base64.h"
#include "lib/env.h"
#include "lib/wipe.h"

#define KDF_N      32768u
#define KDF_R      8u
#define KDF_P      1u
#define KDF_MAXMEM (64u << 20) /* 128 * N * r = 32 MiB, plus OpenSSL's overhead */
#define SALT_LEN   16
#define NONCE_LEN  12
#define TAG_LEN    16
#define ENC_SCHEME "scrypt-chacha20poly1305"

ag_err cli_keyring_check_name(const char *name)
{
    size_t len = strnlen(name, CLI_KEY_NAME_MAX + 1);
    if (len == 0 || len > CLI_KEY_NAME_MAX || name[0] == '.')
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "key name must be 1..%d characters and not start with '.'",
                          CLI_KEY_NAME_MAX);
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return ag_err_set(AG_ERR_INVALID_ARG,
                              "key name \"%s\": only letters, digits, '.', '_' and '-'", name);
    }
    return AG_OK;
}

static ag_err key_file(char *out, size_t cap, const char *dir, const char *name)
{
    ag_err err = cli_keyring_check_name(name);
    if (err)
        return err;
    int n = snprintf(out, cap, "%s/%s.json", dir, name);
    if (n < 0 || (size_t)n >= cap)
        return ag_err_set(AG_ERR_TOO_LARGE, "keyring path too long");
    return AG_OK;
}

static ag_err derive_key(uint8_t out[32], const char *passphrase, const uint8_t *salt, uint64_t n,
                         uint64_t r, uint64_t p)
{
    if (EVP_PBE_scrypt(passphrase, strlen(passphrase), salt, SALT_LEN, n, r, p, KDF_MAXMEM, out,
                       32) != 1)
        return ag_err_set(AG_ERR_CRYPTO, "keyring: scrypt failed (n=%llu r=%llu p=%llu)",
                          (unsigned long long)n, (unsigned long long)r, (unsigned long long)p);
    return AG_OK;
}

/* ChaCha20-Poly1305 of in[0..len) with aad; enc: out gets len bytes + tag;
 * decrypt: in holds len bytes + tag, out gets len bytes. */
static ag_err aead(bool enc, uint8_t *out, const uint8_t *in, size_t len, const uint8_t key[32],
                   const uint8_t nonce[NONCE_LEN], const char *aad)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int ol = 0, ok = c != NULL;
    ok = ok && EVP_CipherInit_ex(c, EVP_chacha20_poly1305(), NULL, NULL, NULL, enc) == 1;
    ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, NONCE_LEN, NULL) == 1;
    ok = ok && EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc) == 1;
    if (ok && !enc)
        ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, TAG_LEN,
                                 (void *)(uintptr_t)(in + len)) == 1;
    ok = ok && EVP_CipherUpdate(c, NULL, &ol, (const uint8_t *)aad, (int)strlen(aad)) == 1;
    ok = ok && EVP_CipherUpdate(c, out, &ol, in, (int)len) == 1;
    ag_err err = AG_OK;
    if (!ok) {
        err = ag_err_set(AG_ERR_CRYPTO, "keyring: ChaCha20-Poly1305 setup failed");
    } else if (EVP_CipherFinal_ex(c, out + ol, &ol) != 1) {
        err = ag_err_set(AG_ERR_VERIFY, "wrong passphrase, or the key file was altered");
    } else if (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, TAG_LEN, out + len) != 1) {
        err = ag_err_set(AG_ERR_CRYPTO, "keyring: no Poly1305 tag");
    }
    EVP_CIPHER_CTX_free(c);
    if (err)
        ag_wipe(out, len);
    return err;
}

static json_t *b64(const uint8_t *in, size_t len)
{
    char s[128];
    if (ag_base64_encoded_len(len) + 1 > sizeof s)
        return NULL;
    ag_base64_encode(s, in, len);
    return json_string(s);
}

static bool unb64(uint8_t *out, size_t want, json_t *j)
{
    const char *s = json_string_value(j);
    size_t got = 0;
    return s && ag_base64_decode(out, want, &got, s, strlen(s)) == AG_OK && got == want;
}

ag_err cli_make_dirs(const char *dir)
{
    char path[CLI_PATH_MAX];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return ag_err_set(AG_ERR_TOO_LARGE, "path too long: %s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return ag_err_from_errno(errno, path);
        *p = '/';
    }
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return ag_err_from_errno(errno, path);
    return AG_OK;
}

ag_err cli_keyring_save(const char *dir, cli_keyring_backend backend, const char *name,
                        const crypto_privkey *key, const char *passphrase, const char *path,
                        cli_key_info *info)
{
    char file[CLI_PATH_MAX];
    ag_err err = key_file(file, sizeof file, dir, name);
    if (err)
        return err;
    if (backend == CLI_KEYRING_FILE && (!passphrase || !*passphrase))
        return ag_err_set(AG_ERR_INVALID_ARG, "an empty passphrase would not protect the key");
    cli_key_info ki = {0};
    snprintf(ki.name, sizeof ki.name, "%s", name);
    snprintf(ki.path, sizeof ki.path, "%s", path ? path : "");
    ki.encrypted = backend == CLI_KEYRING_FILE;
    if ((err = crypto_pubkey_from_privkey(&ki.pubkey, key)))
        return err;
    crypto_address_from_pubkey(&ki.addr, &ki.pubkey);
    if ((err = crypto_address_to_bech32(ki.address, sizeof ki.address, AGORA_BECH32_PREFIX,
                                        &ki.addr)))
        return err;
    cli_key_info other;
    if (cli_keyring_find(dir, ki.address, &other) == AG_OK)
        return ag_err_set(AG_ERR_EXISTS, "the keyring already holds %s as \"%s\"", ki.address,
                          other.name);
    ag_err_clear();
    if ((err = cli_make_dirs(dir)))
        return err;

    json_t *o = json_object();
    json_object_set_new(o, "version", json_integer(1));
    json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "type", json_string("secp256k1"));
    json_object_set_new(o, "address", json_string(ki.address));
    json_object_set_new(o, "pubkey", b64(ki.pubkey.b, sizeof ki.pubkey.b));
    json_object_set_new(o, "path", json_string(ki.path));
    if (backend == CLI_KEYRING_TEST) {
        json_object_set_new(o, "encryption", json_string("none"));
        json_object_set_new(o, "privkey", b64(key->b, sizeof key->b));
    } else {
        uint8_t salt[SALT_LEN], nonce[NONCE_LEN], k[32], ct[CRYPTO_PRIVKEY_LEN + TAG_LEN];
        err = ag_os_random(salt, sizeof salt);
        if (!err)
            err = ag_os_random(nonce, sizeof nonce);
        if (!err)
            err = derive_key(k, passphrase, salt, KDF_N, KDF_R, KDF_P);
        if (!err)
            err = aead(true, ct, key->b, sizeof key->b, k, nonce, ki.address);
        ag_wipe(k, sizeof k);
        json_object_set_new(o, "encryption", json_string(ENC_SCHEME));
        json_t *kdf = json_object();
        json_object_set_new(kdf, "n", json_integer(KDF_N));
        json_object_set_new(kdf, "r", json_integer(KDF_R));
        json_object_set_new(kdf, "p", json_integer(KDF_P));
        json_object_set_new(kdf, "salt", b64(salt, sizeof salt));
        json_object_set_new(o, "kdf", kdf);
        json_object_set_new(o, "nonce", b64(nonce, sizeof nonce));
        json_object_set_new(o, "ciphertext", b64(ct, sizeof ct));
    }
    char *text = err ? NULL : json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_t *priv = json_object_get(o, "privkey");
    if (priv) /* wipe the plaintext copy jansson holds */
        ag_wipe((char *)(uintptr_t)json_string_value(priv), json_string_length(priv));
    json_decref(o);
    if (err)
        return err;
    if (!text)
        return ag_err_set(AG_ERR_NOMEM, "keyring: JSON encoding failed");
    int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        err = errno == EEXIST ? ag_err_set(AG_ERR_EXISTS, "a key named \"%s\" exists", name)
                              : ag_err_from_errno(errno, file);
    } else {
        size_t len = strlen(text), off = 0;
        while (off < len && !err) {
            ssize_t w = write(fd, text + off, len - off);
            if (w < 0 && errno != EINTR)
                err = ag_err_from_errno(errno, file);
            else if (w > 0)
                off += (size_t)w;
        }
        if (!err && (write(fd, "\n", 1) != 1 || fsync(fd) != 0))
            err = ag_err_from_errno(errno, file);
        close(fd);
        if (err)
            unlink(file);
    }
    ag_wipe(text, strlen(text));
    free(text);
    if (!err && info)
        *info = ki;
    return err;
}

/* Parse a key file into its JSON; the public fields into info. */
static ag_err read_file(const char *dir, const char *name, cli_key_info *info, json_t **out)
{
    *out = NULL;
    char file[CLI_PATH_MAX];
    ag_err err = key_file(file, sizeof file, dir, name);
    if (err)
        return err;
    FILE *f = fopen(file, "re");
    if (!f)
        return errno == ENOENT ? ag_err_set(AG_ERR_NOT_FOUND,
                                            "no key named \"%s\" (see `agora keys list`)", name)
                               : ag_err_from_errno(errno, file);
    char buf[CLI_KEYRING_FILE_MAX + 1];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    if (len > CLI_KEYRING_FILE_MAX)
        return ag_err_set(AG_ERR_CORRUPT, "%s: larger than %d bytes", file, CLI_KEYRING_FILE_MAX);
    json_error_t jerr;
    json_t *o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    ag_wipe(buf, sizeof buf);
    if (!json_is_object(o)) {
        json_decref(o);
        return ag_err_set(AG_ERR_CORRUPT, "%s: not a key file (%s)", file, jerr.text);
    }
    memset(info, 0, sizeof *info);
    uint8_t pub[CRYPTO_PUBKEY_LEN];
    const char *addr = json_string_value(json_object_get(o, "address"));
    const char *path = json_string_value(json_object_get(o, "path"));
    const char *enc = json_string_value(json_object_get(o, "encryption"));
    if (json_integer_value(json_object_get(o, "version")) != 1)
        err = ag_err_set(AG_ERR_UNSUPPORTED, "%s: unknown key file version", file);
    else if (!addr || !path || !enc || strlen(path) >= sizeof info->path ||
             strlen(addr) >= sizeof info->address ||
             !unb64(pub, sizeof pub, json_object_get(o, "pubkey")))
        err = ag_err_set(AG_ERR_CORRUPT, "%s: missing or malformed fields", file);
    else if (crypto_pubkey_parse(&info->pubkey, pub, sizeof pub) ||
             crypto_address_from_bech32(&info->addr, AGORA_BECH32_PREFIX, addr))
        err = ag_err_set(AG_ERR_CORRUPT, "%s: bad public key or address", file);
    if (!err) {
        crypto_address derived;
        crypto_address_from_pubkey(&derived, &info->pubkey);
        if (!crypto_address_equal(&derived, &info->addr))
            err = ag_err_set(AG_ERR_CORRUPT, "%s: the address is not the public key's", file);
    }
    if (err) {
        json_decref(o);
        return err;
    }
    snprintf(info->name, sizeof info->name, "%s", name);
    snprintf(info->address, sizeof info->address, "%s", addr);
    snprintf(info->path, sizeof info->path, "%s", path);
    info->encrypted = strcmp(enc, "none") != 0;
    *out = o;
    return AG_OK;
}

ag_err cli_keyring_info(const char *dir, const char *name, cli_key_info *info)
{
    json_t *o;
    ag_err err = read_file(dir, name, info, &o);
    json_decref(o);
    return err;
}

ag_err cli_keyring_load(const char *dir, cli_keyring_backend backend, const char *name,
                        const char *passphrase, crypto_privkey *key)
{
    memset(key, 0, sizeof *key);
    cli_key_info info;
    json_t *o;
    ag_err err = read_file(dir, name, &info, &o);
    if (err)
        return err;
    uint8_t raw[CRYPTO_PRIVKEY_LEN];
    if (!info.encrypted) {
        if (backend != CLI_KEYRING_TEST)
            err = ag_err_set(AG_ERR_UNSUPPORTED,
                             "key \"%s\" is unencrypted: use --keyring-backend test", name);
        else if (!unb64(raw, sizeof raw, json_object_get(o, "privkey")))
            err = ag_err_set(AG_ERR_CORRUPT, "key \"%s\": malformed privkey", name);
    } else {
        const char *enc = json_string_value(json_object_get(o, "encryption"));
        json_t *kdf = json_object_get(o, "kdf");
        json_int_t n = json_integer_value(json_object_get(kdf, "n"));
        json_int_t r = json_integer_value(json_object_get(kdf, "r"));
        json_int_t p = json_integer_value(json_object_get(kdf, "p"));
        uint8_t salt[SALT_LEN], nonce[NONCE_LEN], ct[CRYPTO_PRIVKEY_LEN + TAG_LEN], k[32];
        if (strcmp(enc, ENC_SCHEME) != 0)
            err =
                ag_err_set(AG_ERR_UNSUPPORTED, "key \"%s\": unknown encryption \"%s\"", name, enc);
        /* Bound the work a planted file can ask of scrypt: at most our own cost. */
        else if (n < 2 || n > (json_int_t)KDF_N || (n & (n - 1)) || r < 1 ||
                 r > (json_int_t)KDF_R || p < 1 || p > 4)
            err = ag_err_set(AG_ERR_CORRUPT, "key \"%s\": scrypt parameters out of range", name);
        else if (!unb64(salt, sizeof salt, json_object_get(kdf, "salt")) ||
                 !unb64(nonce, sizeof nonce, json_object_get(o, "nonce")) ||
                 !unb64(ct, sizeof ct, json_object_get(o, "ciphertext")))
            err =
                ag_err_set(AG_ERR_CORRUPT, "key \"%s\": malformed salt, nonce or ciphertext", name);
        else if (!passphrase)
            err = ag_err_set(AG_ERR_INVALID_ARG, "key \"%s\" needs its passphrase", name);
        if (!err)
            err = derive_key(k, passphrase, salt, (uint64_t)n, (uint64_t)r, (uint64_t)p);
        if (!err)
            err = aead(false, raw, ct, sizeof raw, k, nonce, info.address);
        ag_wipe(k, sizeof k);
    }
    json_t *priv = json_object_get(o, "privkey");
    if (priv)
        ag_wipe((char *)(uintptr_t)json_string_value(priv), json_string_length(priv));
    json_decref(o);
    crypto_pubkey pub;
    if (!err &&
        (crypto_privkey_from_bytes(key, raw, sizeof raw) || crypto_pubkey_from_privkey(&pub, key) ||
         memcmp(pub.b, info.pubkey.b, sizeof pub.b) != 0))
        err = ag_err_set(AG_ERR_CORRUPT,
                         "key \"%s\": the private key is not the stored public key's", name);
    ag_wipe(raw, sizeof raw);
    if (err)
        crypto_privkey_wipe(key);
    return err;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const cli_key_info *)a)->name, ((const cli_key_info *)b)->name);
}

ag_err cli_keyring_list(const char *dir, cli_key_info **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? AG_OK : ag_err_from_errno(errno, dir);
    struct dirent *e;
    ag_err err = AG_OK;
    size_t cap = 0;
    while (!err && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0 || len - 5 > CLI_KEY_NAME_MAX)
            continue;
        char name[CLI_KEY_NAME_MAX + 1];
        memcpy(name, e->d_name, len - 5);
        name[len - 5] = '\0';
        if (cli_keyring_check_name(name))
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            cli_key_info *grown = realloc(*out, cap * sizeof **out);
            if (!grown) {
                err = ag_err_set(AG_ERR_NOMEM, "keyring: list");
                break;
            }
            *out = grown;
        }
        err = cli_keyring_info(dir, name, &(*out)[*n]);
        if (!err)
            (*n)++;
    }
    closedir(d);
    if (err) {
        free(*out);
        *out = NULL;
        *n = 0;
        return err;
    }
    if (*n)
        qsort(*out, *n, sizeof **out, by_name);
    return AG_OK;
}

ag_err cli_keyring_find(const char *dir, const char *who, cli_key_info *info)
{
    if (cli_keyring_check_name(who) == AG_OK) {
        ag_err err = cli_keyring_info(dir, who, info);
        if (err != AG_ERR_NOT_FOUND)
            return err;
    }
    cli_key_info *all;
    size_t n;
    ag_err err = cli_keyring_list(dir, &all, &n);
    if (err)
        return err;
    err = ag_err_set(AG_ERR_NOT_FOUND, "no key named \"%s\" (see `agora keys list`)", who);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(all[i].address, who)) {
            *info = all[i];
            err = AG_OK;
            ag_err_clear();
            break;
        }
    free(all);
    return err;
}

ag_err cli_keyring_delete(const char *dir, const char *name)
{
    char file[CLI_PATH_MAX];
    ag_err err = key_file(file, sizeof file, dir, name);
    if (err)
        return err;
    if (unlink(file) != 0)
        return errno == ENOENT ? ag_err_set(AG_ERR_NOT_FOUND, "no key named \"%s\"", name)
                               : ag_err_from_errno(errno, file);
    return AG_OK;
}
