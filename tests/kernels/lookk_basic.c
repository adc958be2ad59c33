/* Test kernels for the kernel lookup tests: each build of this file (LOOKK_VALUE) answers with its
 * own value, so a test can tell which copy of a library a lookup found. */
#include <stdint.h>

#ifndef LOOKK_VALUE
#define LOOKK_VALUE 42
#endif

#define LOOKK_PASTE(a, b) a##b
#define LOOKK_GLOBAL_NAME(v) LOOKK_PASTE(lookk_global_, v)

/* Found under the same name in every build. */
uint32_t lookk_answer(void *args);
/* A name only this build has (lookk_global_<LOOKK_VALUE>), for the global-symbol fallback. */
uint32_t LOOKK_GLOBAL_NAME(LOOKK_VALUE)(void *args);
/* A kernel name of exactly 200 characters, CANN's limit. */
uint32_t
lookk_long_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx(
    void *args);

uint32_t lookk_answer(void *args)
{
    (void)args;
    return LOOKK_VALUE;
}

uint32_t LOOKK_GLOBAL_NAME(LOOKK_VALUE)(void *args)
{
    (void)args;
    return LOOKK_VALUE;
}

uint32_t
lookk_long_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx(
    void *args)
{
    (void)args;
    return LOOKK_VALUE + 1000;
}
