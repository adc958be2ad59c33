/* A program built against an installed akl (pkg-config or find_package): loads the hello example
 * SO given as argv[1] on device 0, launches akl_hello with a device buffer and a token, and checks
 * what the device wrote. Prints "success" and exits 0 when both words are right. */
#include <akl/akl.h>

#include <inttypes.h>
#include <stdio.h>

#define CONSUMER_MAGIC 0x4F4C4C4548ULL /* what akl_hello writes first: "HELLO" */
#define CONSUMER_TOKEN 0xC0FFEE0012345678ULL

static int consumer_fail(const char *what, int rc)
{
    fprintf(stderr, "akl install consumer: %s: %s (%d): %s\n", what, akl_errname(rc), rc,
            akl_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <path of libakl_hello.so>\n", argv[0]);
        return 2;
    }
    int rc;
    if ((rc = akl_init()) != 0)
        return consumer_fail("init", rc);
    printf("akl install consumer: runtime %s\n", akl_runtime_name());
    if ((rc = akl_device_open(0)) != 0)
        return consumer_fail("open device 0", rc);
    akl_module_t *module;
    if ((rc = akl_module_load_file(0, argv[1], NULL, &module)) != 0)
        return consumer_fail(argv[1], rc);
    void *out_dev;
    uint64_t out[2] = {0, 0};
    if ((rc = akl_mem_alloc(&out_dev, sizeof out)) != 0)
        return consumer_fail("allocate", rc);
    if ((rc = akl_memcpy_to_device(out_dev, out, sizeof out)) != 0)
        return consumer_fail("clear", rc);
    uint64_t args[2] = {(uint64_t)(uintptr_t)out_dev, CONSUMER_TOKEN};
    if ((rc = akl_launch(module, "akl_hello", args, sizeof args, 1, NULL, 0)) != 0)
        return consumer_fail("launch akl_hello", rc);
    if ((rc = akl_stream_sync(NULL, 60000)) != 0)
        return consumer_fail("synchronize", rc);
    if ((rc = akl_memcpy_from_device(out, out_dev, sizeof out)) != 0)
        return consumer_fail("read back", rc);
    akl_mem_free(out_dev);
    akl_device_close(0);
    if (out[0] != CONSUMER_MAGIC || out[1] != CONSUMER_TOKEN) {
        fprintf(stderr, "akl install consumer: device wrote 0x%" PRIx64 " 0x%" PRIx64 "\n", out[0],
                out[1]);
        return 1;
    }
    printf("akl install consumer: success (magic and token read back from device 0)\n");
    return 0;
}
