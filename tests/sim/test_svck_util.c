/* The svck_services kernel in the real scheduler (see test_svck_util.h). */
#define _GNU_SOURCE
#include "test_svck_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sim_paths.h"
#include "test_sim_util.h"
#include "test_support.h"

int svckt_install_once(int32_t device, const char *so)
{
    char dir[SIM_PATH_MAX], src[4096], dst[SIM_PATH_MAX + 64], err[512];
    if (sim_fs_prepare(device, NULL, CMN_MSG_ARRAY(err)) != 0) {
        print_error("sim_fs_prepare(%d): %s\n", (int)device, err);
        return -1;
    }
    if (sim_preinstall_dir(device, dir, sizeof dir) != 0)
        return -1;
    snprintf(dst, sizeof dst, "%s/%s", dir, so);
    if (t_file_exists(dst))
        return 0;
    size_t size;
    void *bytes = t_read_file(t_kernel_path(so, src, sizeof src), &size);
    if (!bytes)
        return -1;
    int rc = t_write_file(dst, bytes, size);
    free(bytes);
    return rc;
}

void svckt_run(int32_t logical, uint32_t tag, svck_result_t *result)
{
    svck_result_t *out = simt_dev_zalloc(sizeof *out);
    svck_args_t a = {simt_addr(out), (uint32_t)logical, tag};
    simt_blob_t b;
    simt_blob_init(&b, &a, sizeof a, "svck_services", SVCKT_SO);
    assert_int_equal(simt_launch(KERNEL_TYPE_AICPU, &b, 1, NULL, 0), ACL_SUCCESS);
    assert_int_equal(aclrtSynchronizeStreamWithTimeout(NULL, 60000), ACL_SUCCESS);
    simt_read(result, out, sizeof *result);
    assert_int_equal(aclrtFree(out), ACL_SUCCESS);
}
