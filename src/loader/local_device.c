/* akl_local_device: the device of this process's local rank under a cluster launcher (mpirun,
 * torchrun, srun start one process per NPU and tell each its rank on the node through the
 * environment), within ASCEND_RT_VISIBLE_DEVICES when that narrows the node's devices. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>

#include "akl/akl.h"
#include "errors.h"

/* In the order they are consulted: the first one set wins. */
static const char *const akl_local_rank_vars[] = {
    "LOCAL_RANK",                 /* torchrun, and launchers that imitate it */
    "OMPI_COMM_WORLD_LOCAL_RANK", /* Open MPI's mpirun */
    "MPI_LOCALRANKID",            /* MPICH's and Intel MPI's hydra */
    "SLURM_LOCALID",              /* srun */
};
#define AKL_LOCAL_RANK_VARS "LOCAL_RANK, OMPI_COMM_WORLD_LOCAL_RANK, MPI_LOCALRANKID, SLURM_LOCALID"

/* A whole decimal number in 0..INT32_MAX; the rest of the text may follow only if tail is set. */
static bool akl_parse_id(const char *text, const char **tail, int32_t *out)
{
    if (*text < '0' || *text > '9')
        return false;
    errno = 0;
    char *end;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || v > INT32_MAX || (!tail && *end != '\0'))
        return false;
    if (tail)
        *tail = end;
    *out = (int32_t)v;
    return true;
}

/* How many ids ASCEND_RT_VISIBLE_DEVICES lists: comma-separated; as in CANN's runtime (and
 * libaclsim), parsing stops at the first id that is not a number, and an id not above the one
 * before it makes the whole list invalid (no device visible). */
static int32_t akl_visible_count(const char *list)
{
    int32_t count = 0, last = -1, id;
    const char *at = list;
    while (akl_parse_id(at, &at, &id)) {
        if (id <= last)
            return 0;
        count++;
        last = id;
        if (*at != ',')
            break;
        at++;
    }
    return count;
}

int akl_local_device(int32_t *device)
{
    if (!device)
        return akl_fail(AKL_EINVAL, "akl_local_device: device is NULL");
    const char *name = NULL, *value = NULL;
    for (size_t i = 0; i < sizeof akl_local_rank_vars / sizeof akl_local_rank_vars[0]; i++) {
        if ((value = getenv(akl_local_rank_vars[i])) != NULL) {
            name = akl_local_rank_vars[i];
            break;
        }
    }
    if (!name)
        return akl_fail(AKL_EDEVICE,
                        "no local rank: none of " AKL_LOCAL_RANK_VARS " is set (start the "
                        "process with mpirun, torchrun or srun, or pass a device id)");
    int32_t rank;
    if (!akl_parse_id(value, NULL, &rank))
        return akl_fail(AKL_EDEVICE, "local rank %s='%s' is not a decimal number in 0..%" PRId32,
                        name, value, (int32_t)INT32_MAX);
    const char *visible = getenv("ASCEND_RT_VISIBLE_DEVICES");
    if (visible && visible[0]) {
        int32_t count = akl_visible_count(visible);
        if (rank >= count)
            return akl_fail(AKL_EDEVICE,
                            "local rank %s=%" PRId32 " is outside ASCEND_RT_VISIBLE_DEVICES='%s', "
                            "which makes %" PRId32 " device(s) visible",
                            name, rank, visible, count);
    }
    *device = rank;
    return 0;
}
