/* libFuzzer target: the ELF validator (akl_check_data) on arbitrary bytes, with and without a
 * list of required kernels. It must return a defined code and never crash, hang or leak. */
#include <akl/akl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expect_defined(int rc)
{
    switch (rc) {
    case AKL_OK:
    case AKL_ENOTELF:
    case AKL_ETRUNCATED:
    case AKL_ECLASS:
    case AKL_EMACHINE:
    case AKL_ENOTSO:
    case AKL_ENOSYM:
    case AKL_ETOOBIG:
    case AKL_EINVAL:
    case AKL_ENOMEM:
        return;
    default:
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const kernels[] = {"vadd_exec", "akl_hello", NULL};
    akl_load_options_t opts = {.size = sizeof opts, .kernels = kernels, .max_size = 1u << 20};
    expect_defined(akl_check_data(data, size, NULL));
    expect_defined(akl_check_data(data, size, &opts));
    return 0;
}
