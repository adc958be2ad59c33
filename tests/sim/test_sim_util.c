/* Helpers shared by the simulator-core tests (see test_sim_util.h). */
#define _GNU_SOURCE
#include "test_sim_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim_paths.h"
#include "test_support.h"

int simt_install_kernels(int32_t device)
{
    char extend[4096], dir[SIM_PATH_MAX], err[512], src[4096], dst[SIM_PATH_MAX + 64];
    t_device_file("lib/akl", SIM_EXTEND_KERNELS_NAME, extend, sizeof extend);
    if (sim_fs_prepare(device, extend, CMN_MSG_ARRAY(err)) != 0) {
        fprintf(stderr, "sim_fs_prepare(%d): %s\n", (int)device, err);
        return -1;
    }
    if (sim_preinstall_dir(device, dir, sizeof dir) != 0)
        return -1;
    size_t size;
    void *bytes = t_read_file(t_kernel_path(SIMK_SO, src, sizeof src), &size);
    if (!bytes)
        return -1;
    snprintf(dst, sizeof dst, "%s/%s", dir, SIMK_SO);
    int rc = t_write_file(dst, bytes, size);
    free(bytes);
    return rc;
}

void simt_remove_root(void)
{
    const char *root = t_sim_root();
    if (*root)
        t_rmtree(root);
}

int simt_acl_group_setup(void **state)
{
    (void)state;
    return aclInit(NULL) == ACL_SUCCESS ? 0 : -1;
}

int simt_acl_group_teardown(void **state)
{
    (void)state;
    aclFinalize();
    simt_remove_root();
    return 0;
}

void simt_blob_init(simt_blob_t *b, const void *payload, size_t size, const char *kernel,
                    const char *so)
{
    memset(b, 0, sizeof *b);
    size_t at = (size + 7) / 8 * 8;
    assert_true(at + strlen(kernel) + (so ? strlen(so) : 0) + 2 <= sizeof b->buf);
    memcpy(b->buf, payload, size);
    b->info.args = b->buf;
    b->info.kernelNameAddrOffset = (uint32_t)at;
    strcpy((char *)b->buf + at, kernel);
    at += strlen(kernel) + 1;
    if (so) {
        b->info.soNameAddrOffset = (uint32_t)at;
        strcpy((char *)b->buf + at, so);
        at += strlen(so) + 1;
    } else {
        b->info.soNameAddrOffset = 0xFFFFFFFFU;
    }
    b->info.argsSize = (uint32_t)at;
}

rtError_t simt_launch(uint32_t type, simt_blob_t *b, uint32_t blocks, aclrtStream stream,
                      uint32_t flags)
{
    return rtAicpuKernelLaunchExWithArgs(type, "simt_op", blocks, &b->info, NULL, stream, flags);
}

void *simt_dev_zalloc(size_t size)
{
    void *p = NULL;
    assert_int_equal(aclrtMalloc(&p, size, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
    assert_int_equal(aclrtMemset(p, size, 0, size), ACL_SUCCESS);
    return p;
}

uint64_t simt_addr(const void *dev_ptr)
{
    return (uint64_t)(uintptr_t)dev_ptr;
}

void simt_read(void *host, const void *dev, size_t size)
{
    assert_int_equal(aclrtMemcpy(host, size, dev, size, ACL_MEMCPY_DEVICE_TO_HOST), ACL_SUCCESS);
}

void simt_write(void *dev, const void *host, size_t size)
{
    assert_int_equal(aclrtMemcpy(dev, size, host, size, ACL_MEMCPY_HOST_TO_DEVICE), ACL_SUCCESS);
}

uint32_t simt_read_u32(const void *dev)
{
    uint32_t v;
    simt_read(&v, dev, sizeof v);
    return v;
}

int simt_scheduler_pids(pid_t parent, pid_t *pids, int max)
{
    int n = t_find_processes(SIMT_SCHED_COMM, parent, pids, max);
    return n < 0 ? 0 : n;
}

bool simt_process_gone(pid_t pid)
{
    char comm[64], state;
    pid_t ppid;
    return !t_proc_stat(pid, comm, sizeof comm, &ppid, &state) || state == 'Z' ||
           strcmp(comm, SIMT_SCHED_COMM) != 0;
}

bool simt_msg_has(const char *msg, ...)
{
    va_list ap;
    va_start(ap, msg);
    bool ok = true;
    for (const char *needle = va_arg(ap, const char *); needle; needle = va_arg(ap, const char *))
        ok = ok && msg && strstr(msg, needle);
    va_end(ap);
    if (!ok)
        fprintf(stderr, "message was: %s\n", msg ? msg : "(null)");
    return ok;
}

int simt_setup_device0(void **state)
{
    (void)state;
    if (aclrtSetDevice(0) == ACL_SUCCESS)
        return 0;
    fprintf(stderr, "aclrtSetDevice(0): %s\n", aclGetRecentErrMsg());
    return -1;
}
