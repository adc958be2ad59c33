/* A stand-in for a partial CANN install in the loader's tests: built as libacl_rt.so in a directory
 * of its own, with no libruntime.so beside it, so resolving AKL_RUNTIME=cann opens it and then
 * fails. It exports an ACL name, as the real library does, so that staying loaded would matter. */
#include "acl/acl.h"

aclError aclInit(const char *configPath)
{
    (void)configPath;
    return ACL_SUCCESS;
}
