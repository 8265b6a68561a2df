/* home.c — paths under the node's home directory. */
#include "node/home.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static ag_err join(char out[NODE_PATH_MAX], const char *base, const char *name)
{
    int n = snprintf(out, NODE_PATH_MAX, "%s/%s", base, name);
    if (n < 0 || n >= NODE_PATH_MAX)
        return ag_err_set(AG_ERR_TOO_LARGE, "path %s/%s too long", base, name);
    return AG_OK;
}

ag_err node_home_resolve(node_home *h)
{
    const node_config *c = &h->cfg;
    ag_err err;
    if ((err = join(h->config_file, h->dir, "config/config.ini")) ||
        (err = node_config_path(h->genesis_file, NODE_PATH_MAX, h->dir, c->genesis_file)) ||
        (err = node_config_path(h->node_key_file, NODE_PATH_MAX, h->dir, c->node_key_file)) ||
        (err = node_config_path(h->privval_key_file, NODE_PATH_MAX, h->dir, c->privval_key_file)) ||
        (err = node_config_path(h->privval_state_file, NODE_PATH_MAX, h->dir,
                                c->privval_state_file)) ||
        (err = node_config_path(h->data_dir, NODE_PATH_MAX, h->dir, c->data_dir)) ||
        (err = join(h->blockstore_db, h->data_dir, "blockstore.db")) ||
        (err = join(h->state_db, h->data_dir, "state.db")) ||
        (err = join(h->wal_dir, h->data_dir, "cs.wal")) ||
        (err = join(h->app_db, h->data_dir, "application.db")))
        return err;
    return AG_OK;
}

ag_err node_home_load(node_home *h, const char *dir)
{
    memset(h, 0, sizeof *h);
    int n = snprintf(h->dir, sizeof h->dir, "%s", dir);
    if (n < 0 || (size_t)n >= sizeof h->dir)
        return ag_err_set(AG_ERR_TOO_LARGE, "home directory path too long");
    ag_err err = join(h->config_file, h->dir, "config/config.ini");
    if (err)
        return err;
    if (access(h->config_file, F_OK) != 0)
        return ag_err_set(AG_ERR_NOT_FOUND,
                          "%s does not exist (create a home with `agorad init "
                          "--home %s`)",
                          h->config_file, h->dir);
    node_config_default(&h->cfg);
    if ((err = node_config_load(&h->cfg, h->config_file)) != AG_OK)
        return err;
    return node_home_resolve(h);
}

ag_err node_mkdirs(const char *path, unsigned mode)
{
    char buf[NODE_PATH_MAX];
    int n = snprintf(buf, sizeof buf, "%s", path);
    if (n < 0 || (size_t)n >= sizeof buf)
        return ag_err_set(AG_ERR_TOO_LARGE, "path %s too long", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, (mode_t)mode) != 0 && errno != EEXIST)
            return ag_err_from_errno(errno, buf);
        *p = '/';
    }
    if (mkdir(buf, (mode_t)mode) != 0 && errno != EEXIST)
        return ag_err_from_errno(errno, buf);
    return AG_OK;
}
