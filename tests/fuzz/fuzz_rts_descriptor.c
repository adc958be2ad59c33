/* libFuzzer target: the Mode B JSON op descriptor parser and registry (src/sim/rts) on arbitrary
 * bytes. Every input must give success or 107000 with a message (207001 only when memory runs
 * out), and a loaded binary must answer lookups, registrations and launches by handle and unload
 * cleanly: never crash, hang or leak. */
#include "sim_rts.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_expect(rtError_t rc, rtError_t also_allowed)
{
    if (rc != ACL_RT_SUCCESS && rc != ACL_ERROR_RT_PARAM_INVALID &&
        rc != ACL_ERROR_RT_MEMORY_ALLOCATION && rc != also_allowed)
        abort();
}

/* A short op type taken from the input, so lookups sometimes hit. */
static void fuzz_op_type(const uint8_t *data, size_t size, char *out, size_t cap)
{
    size_t n = size < 8 ? size : 8;
    const uint8_t *quote = memchr(data, '"', size);
    if (quote) {
        const uint8_t *start = quote + 1;
        const uint8_t *end = memchr(start, '"', size - (size_t)(start - data));
        if (end && (size_t)(end - start) < cap) {
            data = start;
            n = (size_t)(end - start);
        }
    }
    if (n >= cap)
        n = cap - 1;
    memcpy(out, data, n);
    out[n] = '\0';
}

static void fuzz_use_binary(rtBinHandle bin, const char *op)
{
    char msg[512];
    rtFuncHandle func = NULL, registered = NULL;
    rtError_t rc = sim_rts_func_get_by_name(bin, op, &func, CMN_MSG_ARRAY(msg));
    fuzz_expect(rc, ACL_RT_SUCCESS);
    if (rc != ACL_RT_SUCCESS && msg[0] == '\0')
        abort();
    fuzz_expect(sim_rts_func_register(bin, "fuzz_func", op, &registered, CMN_MSG_ARRAY(msg)),
                ACL_RT_SUCCESS);
    if (func && registered && func != registered)
        abort(); /* the first registration wins */
    if (registered) {
        sim_rts_func_info_t info;
        if (sim_rts_func_describe(registered, &info, CMN_MSG_ARRAY(msg)) != ACL_RT_SUCCESS)
            abort();
        sim_rts_launch_t launch;
        if (sim_rts_prepare_launch(registered, NULL, &launch, CMN_MSG_ARRAY(msg)) != ACL_RT_SUCCESS)
            abort();
    }
    sim_rts_binary_info_t info;
    if (sim_rts_binary_describe(bin, &info, CMN_MSG_ARRAY(msg)) != ACL_RT_SUCCESS)
        abort();
    if (sim_rts_binary_unload(bin, CMN_MSG_ARRAY(msg)) != ACL_RT_SUCCESS)
        abort();
    /* Everything is gone now. */
    if (sim_rts_func_get_by_name(bin, op, &func, CMN_MSG_ARRAY(msg)) != ACL_ERROR_RT_INVALID_HANDLE)
        abort();
    if (registered) {
        sim_rts_func_info_t gone;
        if (sim_rts_func_describe(registered, &gone, CMN_MSG_ARRAY(msg)) !=
            ACL_ERROR_RT_INVALID_HANDLE)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char msg[512], op[64];
    rtBinHandle bin = NULL;
    rtError_t rc =
        sim_rts_binary_load_descriptor(data, size, "fuzz.json", &bin, CMN_MSG_ARRAY(msg));
    fuzz_expect(rc, ACL_RT_SUCCESS);
    if (rc != ACL_RT_SUCCESS) {
        if (bin || strncmp(msg, "fuzz.json: ", 11) != 0)
            abort();
        return 0;
    }
    fuzz_op_type(data, size, op, sizeof op);
    fuzz_use_binary(bin, op);
    return 0;
}
