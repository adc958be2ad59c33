/* A program built against an installed simulator (pkg-config aclsim or akl::aclsim): host code
 * written for CANN's ACL API, compiled with the CANN-compatible headers from include/aclsim and
 * run on the simulated device. Prints "success" and exits 0 when the calls succeed. */
#include <acl/acl.h>

#include <stdio.h>

int main(void)
{
    aclError rc = aclInit(NULL);
    if (rc != ACL_SUCCESS) {
        fprintf(stderr, "aclsim install consumer: aclInit: %d\n", (int)rc);
        return 1;
    }
    uint32_t count = 0;
    rc = aclrtGetDeviceCount(&count);
    if (rc != ACL_SUCCESS || count == 0) {
        fprintf(stderr, "aclsim install consumer: aclrtGetDeviceCount: %d (count %u)\n", (int)rc,
                count);
        return 1;
    }
    aclFinalize();
    printf("aclsim install consumer: success (%u simulated devices)\n", count);
    return 0;
}
