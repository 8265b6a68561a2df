/*
 * feed_source.h — the event feed's catch-up source in a running node: the
 * block store (tx hashes) and the state store's FinalizeBlock responses,
 * read under the node mutex (the loop holds it while it runs callbacks, so
 * a read never sees a half-written commit).
 */
#ifndef AGORA_NODE_FEED_SOURCE_H
#define AGORA_NODE_FEED_SOURCE_H

#include <pthread.h>

#include "consensus/block_store.h"
#include "consensus/state_store.h"
#include "feed/source.h"

typedef struct node_feed_stores {
    pthread_mutex_t *mu; /* the node mutex (node_host_set_lock) */
    cons_block_store *blocks;
    cons_state_store *states;
} node_feed_stores;

/* A source reading `stores` (borrowed: it must outlive the feed server). */
feed_source node_feed_source(node_feed_stores *stores);

#endif
