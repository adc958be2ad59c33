/* A second, different runtime SO for the loader's tests: two runtime SOs side by side in one
 * process (both bootstrapped, both launched). */
#include <stdint.h>

uint32_t ldrk_other_mark(void *args);

/* *(uint64_t *)args[0] = the marker 0x07e4 */
uint32_t ldrk_other_mark(void *args)
{
    uint64_t *out = (uint64_t *)(uintptr_t) * (const uint64_t *)args;
    *out = 0x07e4;
    return 0;
}
