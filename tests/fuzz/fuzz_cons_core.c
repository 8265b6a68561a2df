/* The consensus core under hostile input: the data is a program of
 * operations on a core of 4 validators (node 0's view). Each operation is a
 * tag byte and arguments:
 *   0 vote:      u8 len, that many bytes decoded as a tendermint Vote; with
 *                the tag's bit 7 set, the validator address is replaced by the
 *                one at validator_index mod 4 (so votes reach the tallies)
 *   1 proposal:  u8 len, bytes decoded as a Proposal, u8 signer index
 *   2 timeout:   u8 round, u8 step (1..4), u8 height delta (-1..2 from 1)
 *   3 block:     u8 tag (block id as in votes below), u8 valid
 *   4 propose:   u8 round, u8 tag
 *   5 vote by template: u8 type, u8 round, u8 tag (0 = nil), u8 validator
 *   6 resume
 *   7 commit:    u8 round, u8 tag, u8 mask of COMMIT signatures
 * Properties: no crash, outputs always drain (never more than the queue
 * holds), the round never exceeds the window, memory is bounded (ASan/LSan
 * under `make fuzz`). */
#include <string.h>

#include "consensus/core.h"
#include "tests/fuzz/fuzz.h"

#define NV 4
static cons_valset vals;
static bool ready;

static void init(void)
{
    if (ready)
        return;
    cons_validator v[NV];
    for (int i = 0; i < NV; i++) {
        uint8_t sk[32] = {0};
        sk[31] = (uint8_t)(i + 1);
        crypto_privkey key;
        crypto_pubkey pub;
        if (crypto_privkey_from_bytes(&key, sk, 32) != AG_OK ||
            crypto_pubkey_from_privkey(&pub, &key) != AG_OK)
            abort();
        cons_validator_init(&v[i], &pub, 1 + i);
    }
    if (cons_valset_new(&vals, v, NV) != AG_OK)
        abort();
    ready = true;
}

static cons_block_id bid(uint8_t tag)
{
    cons_block_id id = {0};
    if (tag == 0)
        return id;
    id.hash.len = 32;
    memset(id.hash.b, tag, 32);
    id.parts.total = 1;
    id.parts.hash.len = 32;
    memset(id.parts.hash.b, tag ^ 0x33, 32);
    return id;
}

static void drain(cons_core *c)
{
    cons_core_out o;
    int n = 0;
    while (cons_core_next_output(c, &o)) {
        FUZZ_ASSERT(++n <= CONS_CORE_OUTPUTS_MAX);
        cons_core_out_clear(&o);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    cons_core_config cfg = cons_core_config_fast();
    cons_core *c;
    FUZZ_ASSERT(cons_core_new(&c, "fuzz", &vals.vals[0].address, &cfg) == AG_OK);
    FUZZ_ASSERT(cons_core_start_height(c, 1, &vals) == AG_OK);
    drain(c);
    size_t i = 0;
    cons_reject why;
    while (i < size) {
        uint8_t op = data[i++];
        switch (op & 7) {
        case 0:
        case 1: {
            if (i >= size)
                goto out;
            size_t len = data[i++];
            if (len > size - i)
                len = size - i;
            if ((op & 7) == 0) {
                cons_vote v = {0};
                if (cons_vote_decode(&v, data + i, len) == AG_OK) {
                    if ((op & 0x80) && v.validator_index >= 0)
                        v.validator_address = vals.vals[v.validator_index % NV].address;
                    FUZZ_ASSERT(cons_core_add_vote(c, &v, &why) == AG_OK);
                }
                cons_vote_clear(&v);
                i += len;
            } else {
                cons_proposal p;
                bool ok = cons_proposal_decode(&p, data + i, len) == AG_OK;
                i += len;
                if (i >= size)
                    goto out;
                uint8_t s = data[i++];
                if (ok)
                    FUZZ_ASSERT(cons_core_add_proposal(c, &p, &vals.vals[s % NV].address, &why) ==
                                AG_OK);
            }
            break;
        }
        case 2:
            if (size - i < 3)
                goto out;
            FUZZ_ASSERT(cons_core_timeout(c, 1 + (int)(data[i + 2] % 4) - 1, data[i],
                                          (cons_step)(1 + data[i + 1] % 4), &why) == AG_OK);
            i += 3;
            break;
        case 3: {
            if (size - i < 2)
                goto out;
            cons_block_id id = bid(data[i]);
            FUZZ_ASSERT(cons_core_block_ready(c, &id, data[i + 1] & 1, &why) == AG_OK);
            i += 2;
            break;
        }
        case 4: {
            if (size - i < 2)
                goto out;
            cons_block_id id = bid(data[i + 1]);
            FUZZ_ASSERT(cons_core_propose(c, cons_core_height(c), data[i], &id, &why) == AG_OK);
            i += 2;
            break;
        }
        case 5: {
            if (size - i < 4)
                goto out;
            cons_vote v = {0};
            v.type = (data[i] & 1) ? CONS_MSG_PRECOMMIT : CONS_MSG_PREVOTE;
            v.height = cons_core_height(c);
            v.round = data[i + 1];
            v.block_id = bid(data[i + 2]);
            v.validator_index = data[i + 3] % NV;
            v.validator_address = vals.vals[v.validator_index].address;
            v.signature.len = 64;
            FUZZ_ASSERT(cons_core_add_vote(c, &v, &why) == AG_OK);
            i += 4;
            break;
        }
        case 6:
            FUZZ_ASSERT(cons_core_resume(c) == AG_OK);
            break;
        case 7: {
            if (size - i < 3)
                goto out;
            cons_commit cm = {0};
            FUZZ_ASSERT(cons_commit_alloc(&cm, NV) == AG_OK);
            cm.height = cons_core_height(c);
            cm.round = data[i];
            cm.block_id = bid(data[i + 1]);
            for (int k = 0; k < NV; k++)
                if ((data[i + 2] >> k) & 1) {
                    cm.sigs[k].flag = CONS_BLOCK_ID_FLAG_COMMIT;
                    cm.sigs[k].has_address = true;
                    cm.sigs[k].validator_address = vals.vals[k].address;
                }
            FUZZ_ASSERT(cons_core_add_commit(c, &cm, &why) == AG_OK);
            cons_commit_clear(&cm);
            i += 3;
            break;
        }
        }
        drain(c);
        FUZZ_ASSERT(cons_core_round(c) <= CONS_CORE_ROUND_MAX);
        /* Start the next height once decided, so programs span heights. */
        if (cons_core_decided(c, NULL) && (op & 0x40)) {
            FUZZ_ASSERT(cons_core_start_height(c, cons_core_height(c) + 1, &vals) == AG_OK);
            drain(c);
        }
    }
out:
    cons_core_free(c);
    return 0;
}
