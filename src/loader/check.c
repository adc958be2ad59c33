/* akl_check_file / akl_check_data: the validation a load does, on its own. The runtime is resolved
 * only to learn the target machine; no device is touched. akl_unresolved_symbols_* validate the
 * same way first. */
#include "check.h"

#include <stdlib.h>

#include "akl/akl.h"
#include "file_io.h"
#include "options.h"
#include "runtime.h"

int ldr_check_rules(const akl_load_options_t *opts, ldr_elf_rules_t *rules)
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

int ldr_check_read_file(const char *path, const ldr_elf_rules_t *rules, void **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    int rc = ldr_read_file(path, rules->max_size, data, size);
    if (rc == 0)
        rc = ldr_elf_validate(*data, *size, path, rules);
    if (rc != 0) {
        free(*data);
        *data = NULL;
    }
    return rc;
}

int akl_check_data(const void *data, size_t size, const akl_load_options_t *opts)
{
    ldr_elf_rules_t rules;
    int rc = ldr_check_rules(opts, &rules);
    if (rc != 0)
        return rc;
    return ldr_elf_validate(data, size, "<memory>", &rules);
}

int akl_check_file(const char *path, const akl_load_options_t *opts)
{
    ldr_elf_rules_t rules;
    void *data = NULL;
    size_t size = 0;
    int rc = ldr_check_rules(opts, &rules);
    if (rc == 0)
        rc = ldr_check_read_file(path, &rules, &data, &size);
    free(data);
    return rc;
}
