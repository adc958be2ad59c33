/* The hello runtime SO (libakl_hello.so): one kernel that proves code uploaded by akl runs on the
 * device, by writing a magic value and the caller's token into device memory. */
#include "hello_abi.h"

#include <stdint.h>

__attribute__((visibility("default"))) uint32_t akl_hello(void *args);

/* Every block writes the same two words, so any block count gives the same result. */
uint32_t akl_hello(void *args)
{
    const hello_args_t *in = args;
    if (!in || in->out_addr == 0)
        return HELLO_E_NO_OUTPUT;
    volatile hello_output_t *out = (volatile hello_output_t *)(uintptr_t)in->out_addr;
    out->magic = HELLO_MAGIC;
    out->token = in->token;
    return 0;
}
