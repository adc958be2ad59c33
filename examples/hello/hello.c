/* akl-hello: the smallest end-to-end use of akl. Loads libakl_hello.so on a device, launches its
 * kernel with a device buffer and a token, and checks that the device wrote the magic value and
 * echoed the token. Exit status 0 when both are right, 1 otherwise, 2 on a usage error. */
#include "example_support.h"
#include "hello_abi.h"

#include <akl/akl.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define HELLO_PROG "akl-hello"
#define HELLO_SYNC_TIMEOUT_MS 60000

typedef struct hello_options {
    int32_t device;
    uint64_t token;
    const char *so;
} hello_options_t;

static void hello_usage(FILE *out)
{
    fprintf(out, "Usage: " HELLO_PROG " [--device N] [--token T] [--so PATH]\n"
                 "\n"
                 "Loads the hello runtime SO (" HELLO_SO_NAME ") on device N (default 0),\n"
                 "launches " HELLO_KERNEL_NAME ", and checks that the device wrote the magic\n"
                 "value 0x4f4c4c4548 (\"HELLO\") and echoed token T (default: derived from the\n"
                 "process id) into device memory.\n"
                 "  --so PATH  the SO (default: <libdir>/akl/examples/" HELLO_SO_NAME ")\n");
}

static int hello_parse(int argc, char **argv, hello_options_t *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->token = 0x70C3E0000000ULL ^ (uint64_t)getpid();
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        uint64_t v;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            hello_usage(stdout);
            return 1;
        }
        if (i + 1 >= argc ||
            (strcmp(arg, "--device") && strcmp(arg, "--token") && strcmp(arg, "--so"))) {
            fprintf(stderr, HELLO_PROG ": unknown option or missing value: '%s'\n", arg);
            hello_usage(stderr);
            return 2;
        }
        const char *value = argv[++i];
        if (strcmp(arg, "--so") == 0) {
            opts->so = value;
        } else if (strcmp(arg, "--device") == 0) {
            if (example_parse_u64(HELLO_PROG, arg, value, 0, INT32_MAX, &v) != 0)
                return 2;
            opts->device = (int32_t)v;
        } else if (example_parse_u64(HELLO_PROG, arg, value, 0, UINT64_MAX, &opts->token) != 0) {
            return 2;
        }
    }
    return 0;
}

static int hello_fail(const char *stage, int code)
{
    char buf[2048];
    fprintf(stderr, HELLO_PROG ": %s: %s\n", stage, example_akl_error(code, buf, sizeof buf));
    return 1;
}

/* Loads, launches and reads back; out receives what the device wrote. */
static int hello_run(const hello_options_t *opts, const char *so, void *dev_out,
                     hello_output_t *out)
{
    akl_module_t *module;
    int rc = akl_module_load_file(opts->device, so, NULL, &module);
    if (rc != 0)
        return hello_fail("load", rc);
    akl_module_info_t info;
    if ((rc = akl_module_info(module, &info)) != 0)
        return hello_fail("module info", rc);
    printf(HELLO_PROG ": loaded %s on device %d as %s (bootstrap: %s)\n", so, opts->device,
           info.basename, example_outcome_name(info.outcome, false));
    printf(HELLO_PROG ": device path %s\n", info.device_path);

    hello_args_t args = {.out_addr = (uint64_t)(uintptr_t)dev_out, .token = opts->token};
    if ((rc = akl_launch(module, HELLO_KERNEL_NAME, &args, sizeof args, 1, NULL, 0)) != 0)
        return hello_fail("launch " HELLO_KERNEL_NAME, rc);
    if ((rc = akl_stream_sync(NULL, HELLO_SYNC_TIMEOUT_MS)) != 0)
        return hello_fail("synchronize after " HELLO_KERNEL_NAME, rc);
    if ((rc = akl_memcpy_from_device(out, dev_out, sizeof *out)) != 0)
        return hello_fail("read the output", rc);
    return 0;
}

static int hello_check(const hello_options_t *opts, const hello_output_t *out)
{
    bool magic_ok = out->magic == HELLO_MAGIC, token_ok = out->token == opts->token;
    printf(HELLO_PROG ": magic 0x%" PRIx64 " (%s), token 0x%" PRIx64 " (%s)\n", out->magic,
           magic_ok ? "ok" : "WRONG, want 0x4f4c4c4548", out->token, token_ok ? "ok" : "WRONG");
    printf(HELLO_PROG ": %s\n", magic_ok && token_ok ? "PASS" : "FAIL");
    return magic_ok && token_ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    hello_options_t opts;
    int rc = hello_parse(argc, argv, &opts);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    char so[4096], err[8192];
    if (example_find_so(HELLO_SO_NAME, opts.so, so, sizeof so, err, sizeof err) != 0) {
        fprintf(stderr, HELLO_PROG ": %s\n", err);
        return 1;
    }
    if ((rc = akl_init()) != 0)
        return hello_fail("resolve the runtime", rc);
    printf(HELLO_PROG ": runtime %s\n", akl_runtime_name());
    if ((rc = akl_device_open(opts.device)) != 0)
        return hello_fail("open device", rc);

    void *dev_out = NULL;
    hello_output_t zero = {0, 0}, out = {0, 0};
    int status = 1;
    if ((rc = akl_mem_alloc(&dev_out, sizeof out)) != 0)
        hello_fail("allocate device memory", rc);
    else if ((rc = akl_memcpy_to_device(dev_out, &zero, sizeof zero)) != 0)
        hello_fail("clear device memory", rc);
    else if (hello_run(&opts, so, dev_out, &out) == 0)
        status = hello_check(&opts, &out);
    if (dev_out)
        akl_mem_free(dev_out);
    akl_device_close(opts.device);
    return status;
}
