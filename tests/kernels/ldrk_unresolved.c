/* A runtime SO with undefined symbols for `akl check` and the load's warning: two that nothing on
 * a device provides, and references that are provided (libc, libm, the scheduler's services) or
 * weak, which must not be listed. */
#include <math.h>
#include <stdint.h>
#include <string.h>

uint32_t AicpuGetBlockIdx(void);
int ldrk_missing_helper(int value);
extern int ldrk_missing_table[4];
extern int ldrk_weak_optional(void) __attribute__((weak));

uint32_t ldrk_unresolved_call(void *args);

uint32_t ldrk_unresolved_call(void *args)
{
    uint64_t *out = (uint64_t *)(uintptr_t) * (const uint64_t *)args;
    int weak = ldrk_weak_optional ? ldrk_weak_optional() : 0;
    *out = (uint64_t)ldrk_missing_helper(ldrk_missing_table[AicpuGetBlockIdx() % 4]) +
           (uint64_t)strlen((const char *)args) + (uint64_t)sqrt((double)*out) + (uint64_t)weak;
    return 0;
}
