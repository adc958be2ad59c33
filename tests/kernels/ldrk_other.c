/* A second, different runtime SO for the loader's tests: two runtime SOs side by side in one
 * process (both bootstrapped, both launched), and C++-mangled exports for akl_launch's hint. */
#include <stdint.h>

uint32_t ldrk_other_mark(void *args);

/* *(uint64_t *)args[0] = the marker 0x07e4 */
uint32_t ldrk_other_mark(void *args)
{
    uint64_t *out = (uint64_t *)(uintptr_t) * (const uint64_t *)args;
    *out = 0x07e4;
    return 0;
}

/* What a C++ compiler makes of `uint32_t ldrk_cxx_kernel(void *)` and of
 * `namespace ldrk { uint32_t nested_kernel(void *); }` without extern "C": the names are spelled
 * here with asm labels, so the test kernels need no C++ compiler. A launch by the plain name must
 * say to declare them extern "C". */
uint32_t ldrk_cxx_kernel(void *args) __asm__("_Z15ldrk_cxx_kernelPv");
uint32_t ldrk_cxx_kernel(void *args)
{
    (void)args;
    return 0;
}

uint32_t ldrk_nested_kernel(void *args) __asm__("_ZN4ldrk13nested_kernelEPv");
uint32_t ldrk_nested_kernel(void *args)
{
    (void)args;
    return 0;
}
