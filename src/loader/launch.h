/* What launch.c implements besides akl.h's launch calls: the kernel handles' lifetime. */
#ifndef LDR_LAUNCH_H
#define LDR_LAUNCH_H

#include "akl/akl.h"

/* Frees the module's resolved kernels (akl_module_get_kernel's handles): the module's release
 * (module.c) calls it when the module is unloaded. */
void ldr_module_free_kernels(akl_module_t *module);

#endif /* LDR_LAUNCH_H */
