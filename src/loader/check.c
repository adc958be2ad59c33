/* akl_check_file / akl_check_data: the validation a load does, on its own. The runtime is resolved
 * only to learn the target machine; no device is touched. */
#include <stdlib.h>

#include "akl/akl.h"
#include "elf_check.h"
#include "file_io.h"
#include "options.h"
#include "runtime.h"

static int ldr_check_prepare(const akl_load_options_t *opts, ldr_elf_rules_t *rules)
{
    const ldr_runtime_t *rt;
    int rc = ldr_runtime_get(&rt);
    if (rc != 0)
        return rc;
    ldr_options_t resolved;
    rc = ldr_options_resolve(opts, &resolved);
    if (rc != 0)
        return rc;
    rules->machine = rt->machine;
    rules->max_size = resolved.max_size;
    rules->kernels = resolved.kernels;
    return 0;
}

int akl_check_data(const void *data, size_t size, const akl_load_options_t *opts)
{
    ldr_elf_rules_t rules;
    int rc = ldr_check_prepare(opts, &rules);
    if (rc != 0)
        return rc;
    return ldr_elf_validate(data, size, "<memory>", &rules);
}

int akl_check_file(const char *path, const akl_load_options_t *opts)
{
    ldr_elf_rules_t rules;
    int rc = ldr_check_prepare(opts, &rules);
    if (rc != 0)
        return rc;
    void *data = NULL;
    size_t size = 0;
    rc = ldr_read_file(path, rules.max_size, &data, &size);
    if (rc == 0)
        rc = ldr_elf_validate(data, size, path, &rules);
    free(data);
    return rc;
}
