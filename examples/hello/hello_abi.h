/* What the hello kernel and its host program agree on: the kernel's name, its argument block and
 * what it writes. */
#ifndef AKL_EXAMPLE_HELLO_ABI_H
#define AKL_EXAMPLE_HELLO_ABI_H

#include <stdint.h>

#define HELLO_KERNEL_NAME "akl_hello"
#define HELLO_SO_NAME "libakl_hello.so"

/* The bytes 'H','E','L','L','O',0,0,0 when stored little-endian, so a hex dump of the output
 * buffer reads "HELLO". */
#define HELLO_MAGIC 0x4F4C4C4548ULL

/* Kernel return values other than 0. */
#define HELLO_E_NO_OUTPUT 1001u /* out_addr is 0 */

/* akl_hello's argument block. */
typedef struct hello_args {
    uint64_t out_addr; /* device address of a hello_output_t */
    uint64_t token;    /* echoed into out->token */
} hello_args_t;

/* What akl_hello writes at out_addr (16 bytes). */
typedef struct hello_output {
    uint64_t magic; /* HELLO_MAGIC */
    uint64_t token; /* hello_args_t.token */
} hello_output_t;

#endif /* AKL_EXAMPLE_HELLO_ABI_H */
