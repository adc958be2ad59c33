/* A tiny runtime SO for the dispatcher tests: published by the dispatcher, then dlopened from the
 * published path and called, to show the published file is a complete, loadable object. */
#include <stdint.h>

#define DISPK_PROBE_MAGIC 0x600df00du

__attribute__((visibility("default"))) uint32_t dispk_probe(void *args);

uint32_t dispk_probe(void *args)
{
    *(uint32_t *)args = DISPK_PROBE_MAGIC;
    return 0;
}
