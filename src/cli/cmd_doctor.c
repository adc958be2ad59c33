/* `akl doctor`: the preflight a user runs when something fails on a new machine. Each check says
 * ok, warning or failure and, when not ok, the fix in one line: the runtime and its CANN release,
 * the visible devices, the device architecture, each bootstrap route as a real probe on the device
 * (the extend-kernel package, the preinstall directory, the custom upload, the route auto takes),
 * an aarch64 toolchain, what the simulator needs from the host kernel, and whether an SO fits the
 * device. Each route is probed in a fresh process (this program run again), because a probe of the
 * extend route uses up a strict one-upload latch and the route memory is per process: a user's
 * program starts fresh too. */
#define _GNU_SOURCE
#include "cmd_doctor.h"

#include "cli_common.h"
#include "clock.h"
#include "doctor_elf.h"

#include <akl/akl.h>

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* A probe is a bootstrap with the simulator's or CANN's start-up in front; far above either. */
#define DOCTOR_PROBE_DEADLINE_MS 120000
#define DOCTOR_TEXT_MAX 2048
#define DOCTOR_MAX_CHECKS 16
#define DOCTOR_PROBE_OPTION "internal-probe"

void cli_usage_doctor(FILE *out)
{
    fprintf(
        out,
        "Usage: akl doctor [--device N] [--json] [SO]\n"
        "\n"
        "Checks what akl needs on this machine and prints one line per check, ok, warning\n"
        "or failure, with the fix in one line when it is not ok:\n"
        "  runtime          the ACL/RT runtime resolved (library, CANN release) and the\n"
        "                   minimum CANN release (" AKL_CANN_MIN_VERSION ")\n"
        "  devices          the visible devices (ASCEND_RT_VISIBLE_DEVICES)\n"
        "  device-arch      the device's architecture (aarch64 on CANN)\n"
        "  extend-package   the device's libaicpu_extend_kernels.so        } a real probe\n"
        "  preinstall-dir   the device's preinstall directory, writable    } bootstrap on\n"
        "  extend-route     the extend route as a whole                    } the device,\n"
        "  custom-route     CANN's custom CPU kernel upload                } each route in\n"
        "  auto-route       which route auto takes                         } a fresh process\n"
        "  toolchain        an aarch64 compiler: $AKL_AICPU_CC, CANN's HCC under\n"
        "                   $ASCEND_HOME_PATH (toolkit/toolchain/hcc/bin or tools/hcc/bin),\n"
        "                   or aarch64-linux-gnu-gcc on PATH\n"
        "  host-kernel      (simulator) memfd_create and futex; pidfd_open and a private\n"
        "                   mount namespace (warnings without them; the namespace is\n"
        "                   required for AKL_SIM_PREINSTALL=readonly)\n"
        "  so               (with SO) whether SO fits the device, as `akl check` decides,\n"
        "                   and that it exports functions\n"
        "  so-needs         (with SO) its undefined symbols nothing on the device provides\n"
        "                   (as `akl check --strict` finds them) and needed libraries a\n"
        "                   device may not have\n"
        "\n"
        "Options:\n"
        "  --device N   the device to probe (default 0)\n"
        "  --json       one JSON object: {\"device\",\"runtime\",\"cann_version\",\n"
        "               \"min_cann_version\",\"route\",\"ok\",\"checks\":[{\"name\",\"status\",\n"
        "               \"detail\",\"fix\"}]}; \"route\" is the route auto takes, or null\n"
        "  -h, --help   show this help\n"
        "\n"
        "Exit status: 0 when at least one route works on the device, 1 otherwise,\n"
        "2 usage error.\n");
}

typedef enum doctor_status {
    DOCTOR_OK = 0,
    DOCTOR_WARNING = 1,
    DOCTOR_FAILURE = 2,
} doctor_status_t;

static const char *doctor_status_name(doctor_status_t status)
{
    return status == DOCTOR_OK ? "ok" : status == DOCTOR_WARNING ? "warning" : "failure";
}

typedef struct doctor_check {
    const char *name;
    doctor_status_t status;
    char detail[DOCTOR_TEXT_MAX];
    char fix[512];
} doctor_check_t;

/* What one route's probe, in its own process, answered. */
typedef struct doctor_probe {
    int code;          /* 0, an akl/CANN code, or INT_MIN when the probe itself failed */
    akl_route_t taken; /* the route that worked */
    char message[DOCTOR_TEXT_MAX];
} doctor_probe_t;

typedef struct doctor_report {
    int32_t device;
    const char *runtime;
    const char *cann_version;
    bool runtime_ok;
    bool sim;
    doctor_probe_t extend, custom, automatic;
    const char *route; /* the route auto takes, NULL if none */
    bool any_route;
    doctor_check_t checks[DOCTOR_MAX_CHECKS];
    int count;
} doctor_report_t;

typedef struct doctor_options {
    int32_t device;
    bool json;
    const char *so;
    const char *probe_route; /* set in a probe child */
} doctor_options_t;

static doctor_check_t *doctor_add(doctor_report_t *report, const char *name, doctor_status_t status,
                                  const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static doctor_check_t *doctor_add(doctor_report_t *report, const char *name, doctor_status_t status,
                                  const char *fix, const char *fmt, ...)
{
    doctor_check_t *check = &report->checks[report->count++];
    check->name = name;
    check->status = status;
    snprintf(check->fix, sizeof check->fix, "%s", status == DOCTOR_OK || !fix ? "" : fix);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(check->detail, sizeof check->detail, fmt, ap);
    va_end(ap);
    /* One line per check: a multi-line loader message (the runtime's "tried:" list) is joined. */
    for (char *c = check->detail; *c; c++)
        if (*c == '\n')
            *c = ' ';
    return check;
}

/* ---- The probe child ------------------------------------------------------------------------- */

/* Runs in the child: one probe of one route, answered as "<code> <route>\n<message>" on stdout. */
static int doctor_probe_child(int32_t device, const char *route_name)
{
    akl_route_t route;
    int rc = akl_route_parse(route_name, &route);
    akl_route_t taken = AKL_ROUTE_AUTO;
    if (rc == 0)
        rc = akl_device_open(device);
    if (rc == 0) {
        rc = akl_route_probe(device, route, &taken);
        char message[DOCTOR_TEXT_MAX];
        snprintf(message, sizeof message, "%s", rc ? akl_last_error() : "");
        akl_device_close(device);
        printf("%d %s\n%s", rc, akl_route_name(taken), message);
    } else {
        printf("%d auto\n%s", rc, akl_last_error());
    }
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

/* ---- The parent's side of a probe ------------------------------------------------------------ */

/* Reads fd to its end or until the deadline; returns false on a timeout. */
static bool doctor_read_all(int fd, char *buf, size_t cap, int64_t deadline)
{
    size_t used = 0;
    for (;;) {
        int64_t left = deadline - (int64_t)(cmn_now_ns() / 1000000);
        if (left <= 0)
            return false;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int ready = poll(&pfd, 1, (int)(left > INT_MAX ? INT_MAX : left));
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0)
            return ready == 0 ? false : true;
        char scratch[512];
        char *into = used < cap - 1 ? buf + used : scratch;
        size_t room = used < cap - 1 ? cap - 1 - used : sizeof scratch;
        ssize_t n = read(fd, into, room);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (into != scratch)
            used += (size_t)n;
    }
    buf[used] = 0;
    return true;
}

static void doctor_probe_failed(doctor_probe_t *probe, const char *fmt, const char *what)
{
    probe->code = INT_MIN;
    probe->taken = AKL_ROUTE_AUTO;
    snprintf(probe->message, sizeof probe->message, fmt, what);
}

static void doctor_parse_answer(doctor_probe_t *probe, const char *answer)
{
    char route_name[16];
    int consumed = 0;
    if (sscanf(answer, "%d %15s%n", &probe->code, route_name, &consumed) != 2) {
        doctor_probe_failed(probe, "the probe process gave no answer (%s)", "crashed?");
        return;
    }
    if (akl_route_parse(route_name, &probe->taken) != 0)
        probe->taken = AKL_ROUTE_AUTO;
    const char *message = answer + consumed;
    if (*message == '\n')
        message++;
    snprintf(probe->message, sizeof probe->message, "%s", message);
}

/* Runs "<this program> doctor --internal-probe ROUTE --device N" and collects its answer. */
static void doctor_probe(int32_t device, akl_route_t route, doctor_probe_t *probe)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        doctor_probe_failed(probe, "cannot find this program (%s)", "/proc/self/exe");
        return;
    }
    self[n] = 0;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        doctor_probe_failed(probe, "pipe: %s", strerror(errno));
        return;
    }
    char device_text[16];
    snprintf(device_text, sizeof device_text, "%d", (int)device);
    char *const argv[] = {
        self,        "doctor", "--" DOCTOR_PROBE_OPTION, (char *)akl_route_name(route), "--device",
        device_text, NULL};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    /* The loader's own log (AKL_LOG) of the probe is noise here: its answer carries the error. */
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, self, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        doctor_probe_failed(probe, "cannot start the probe process: %s", strerror(rc));
        return;
    }
    char answer[DOCTOR_TEXT_MAX + 64];
    bool finished = doctor_read_all(fds[0], answer, sizeof answer,
                                    (int64_t)(cmn_now_ns() / 1000000) + DOCTOR_PROBE_DEADLINE_MS);
    close(fds[0]);
    if (!finished)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!finished)
        doctor_probe_failed(probe, "the probe did not finish within %s (killed)", "120 s");
    else if (WIFSIGNALED(status))
        doctor_probe_failed(probe, "the probe process died by signal %s",
                            strsignal(WTERMSIG(status)));
    else
        doctor_parse_answer(probe, answer);
}

/* ---- Checks ---------------------------------------------------------------------------------- */

static void doctor_check_runtime(doctor_report_t *report)
{
    int rc = akl_init();
    if (rc != 0) {
        doctor_add(report, "runtime", DOCTOR_FAILURE,
                   "source CANN's set_env.sh (or set AKL_RUNTIME=sim for the simulator)",
                   "%s (%d): %s", akl_errname(rc), rc, akl_last_error());
        return;
    }
    report->runtime_ok = true;
    report->runtime = akl_runtime_name();
    report->cann_version = akl_runtime_version();
    report->sim = strncmp(report->runtime, "cann:", 5) != 0;
    if (report->sim)
        doctor_add(report, "runtime", DOCTOR_OK, NULL,
                   "%s (the simulator); on hardware akl needs CANN %s or later", report->runtime,
                   AKL_CANN_MIN_VERSION);
    else if (!report->cann_version)
        doctor_add(report, "runtime", DOCTOR_WARNING,
                   "point ASCEND_HOME_PATH at the CANN install (source its set_env.sh)",
                   "%s; its CANN release is unknown (no version file found); akl needs %s or "
                   "later",
                   report->runtime, AKL_CANN_MIN_VERSION);
    else
        doctor_add(report, "runtime", DOCTOR_OK, NULL, "%s, CANN %s (minimum %s)", report->runtime,
                   report->cann_version, AKL_CANN_MIN_VERSION);
}

/* ASCEND_RT_VISIBLE_DEVICES: ascending non-negative ids separated by commas; CANN stops at the
 * first invalid one (reference section 5.6). */
static bool doctor_visible_devices_valid(const char *text)
{
    long previous = -1;
    const char *p = text;
    while (*p) {
        char *end;
        errno = 0;
        long id = strtol(p, &end, 10);
        if (end == p || errno || id < 0 || id <= previous || (*end && *end != ','))
            return false;
        previous = id;
        p = *end ? end + 1 : end;
    }
    return p != text;
}

static void doctor_check_devices(doctor_report_t *report)
{
    const char *visible = getenv("ASCEND_RT_VISIBLE_DEVICES");
    char visible_text[256];
    snprintf(visible_text, sizeof visible_text, "ASCEND_RT_VISIBLE_DEVICES=%s",
             visible ? visible : "(unset: all)");
    uint32_t count = 0;
    int rc = akl_device_count(&count);
    if (rc != 0) {
        doctor_add(report, "devices", DOCTOR_FAILURE,
                   "check the driver (npu-smi info) and ASCEND_RT_VISIBLE_DEVICES", "%s; %s",
                   akl_last_error(), visible_text);
        return;
    }
    if (count == 0 || (uint32_t)report->device >= count) {
        doctor_add(report, "devices", DOCTOR_FAILURE,
                   "pick --device below the count, or widen ASCEND_RT_VISIBLE_DEVICES",
                   "%u device(s) visible, so device %d does not exist; %s", count,
                   (int)report->device, visible_text);
        return;
    }
    if (visible && !doctor_visible_devices_valid(visible)) {
        doctor_add(report, "devices", DOCTOR_WARNING,
                   "list ascending device ids separated by commas, e.g. 0,1,2",
                   "%u device(s) visible; %s is malformed: CANN stops reading it at the first "
                   "invalid id",
                   count, visible_text);
        return;
    }
    doctor_add(report, "devices", DOCTOR_OK, NULL, "%u device(s) visible; %s", count, visible_text);
}

static void doctor_check_arch(doctor_report_t *report)
{
    if (!report->sim) {
        doctor_add(report, "device-arch", DOCTOR_OK, NULL,
                   "aarch64 (every AICPU is an aarch64 core; build device SOs for armv8-a)");
        return;
    }
    const char *sim_arch = getenv("AKL_SIM_ARCH");
    struct utsname host;
    const char *arch = uname(&host) == 0 ? host.machine : "unknown";
    if (sim_arch && sim_arch[0])
        doctor_add(report, "device-arch", DOCTOR_OK, NULL, "%s (the simulator, AKL_SIM_ARCH)",
                   sim_arch);
    else
        doctor_add(report, "device-arch", DOCTOR_OK, NULL,
                   "%s (the simulator runs device code as the host's architecture)", arch);
}

static bool doctor_probe_ok(const doctor_probe_t *probe)
{
    return probe->code == 0;
}

static void doctor_run_probes(doctor_report_t *report)
{
    doctor_probe(report->device, AKL_ROUTE_EXTEND, &report->extend);
    doctor_probe(report->device, AKL_ROUTE_CUSTOM, &report->custom);
    doctor_probe(report->device, AKL_ROUTE_AUTO, &report->automatic);
    report->any_route = doctor_probe_ok(&report->extend) || doctor_probe_ok(&report->custom) ||
                        doctor_probe_ok(&report->automatic);
    if (doctor_probe_ok(&report->automatic))
        report->route = akl_route_name(report->automatic.taken);
}

/* A part of the extend route that is missing is a failure when no route works, else a warning:
 * akl still works, through the custom route. */
static doctor_status_t doctor_missing_part(const doctor_report_t *report)
{
    return report->any_route ? DOCTOR_WARNING : DOCTOR_FAILURE;
}

static void doctor_check_extend(doctor_report_t *report)
{
    const doctor_probe_t *p = &report->extend;
    if (p->code == 0 || p->code == AKL_ENOPREINSTALL || p->code == AKL_EBOOTSKIPPED)
        doctor_add(report, "extend-package", DOCTOR_OK, NULL,
                   "libaicpu_extend_kernels.so is on device %d (the probe reached it)",
                   (int)report->device);
    else if (p->code == AKL_ENOEXTEND)
        doctor_add(report, "extend-package", doctor_missing_part(report),
                   "install a CANN whose AICPU package pushes the extend kernels "
                   "(Ascend<soc>-aicpu_extend_syskernels.tar.gz), or use AKL_ROUTE=custom",
                   "missing: device %d has no libaicpu_extend_kernels.so (the probe's KFC "
                   "lookup of it failed; extend-route has the device's words)",
                   (int)report->device);
    else
        doctor_add(report, "extend-package", DOCTOR_WARNING, "see extend-route",
                   "not determined: the extend probe failed before reaching it");

    if (p->code == 0 || p->code == AKL_EBOOTSKIPPED)
        doctor_add(report, "preinstall-dir", DOCTOR_OK, NULL, "%s",
                   p->code == 0 ? "writable by the device's scheduler"
                                : "not tried: the extend-kernel latch is taken");
    else if (p->code == AKL_ENOPREINSTALL)
        doctor_add(report, "preinstall-dir", doctor_missing_part(report),
                   "create /usr/lib64/aicpu_kernels/0/aicpu_kernels_device on the device, "
                   "writable by the AICPU scheduler's user, or use AKL_ROUTE=custom",
                   "not usable: %s", p->message);
    else
        doctor_add(report, "preinstall-dir", DOCTOR_WARNING, "see extend-route",
                   "not determined: the extend probe failed before reaching it");

    if (p->code == 0)
        doctor_add(report, "extend-route", DOCTOR_OK, NULL, "works on device %d",
                   (int)report->device);
    else if (p->code == AKL_ENOPREINSTALL)
        /* preinstall-dir already quotes the device's words. */
        doctor_add(report, "extend-route", doctor_missing_part(report),
                   "see preinstall-dir; AKL_ROUTE=custom avoids the extend route",
                   "fails: AKL_ENOPREINSTALL (see preinstall-dir)");
    else
        doctor_add(report, "extend-route",
                   p->code == AKL_ENOEXTEND || p->code == AKL_EBOOTSKIPPED
                       ? doctor_missing_part(report)
                       : DOCTOR_FAILURE,
                   p->code == AKL_EBOOTSKIPPED
                       ? "another client holds the extend kernel's one upload: use AKL_ROUTE=custom"
                       : "see the checks above; AKL_ROUTE=custom avoids the extend route",
                   "fails: %s%s%s", p->code == INT_MIN ? "" : akl_errname(p->code),
                   p->code == INT_MIN ? "" : ": ", p->message);
}

static void doctor_check_custom(doctor_report_t *report)
{
    const doctor_probe_t *p = &report->custom;
    if (p->code == 0)
        doctor_add(report, "custom-route", DOCTOR_OK, NULL,
                   "CANN's custom CPU kernel upload works on device %d", (int)report->device);
    else
        doctor_add(report, "custom-route",
                   doctor_probe_ok(&report->extend) ? DOCTOR_WARNING : DOCTOR_FAILURE,
                   p->code == AKL_ENOCUSTOM
                       ? "install a CANN with rtsBinaryLoadFromData (newer than 8.1.RC1)"
                       : "see the message; the extend route does not need this",
                   "fails: %s%s%s", p->code == INT_MIN ? "" : akl_errname(p->code),
                   p->code == INT_MIN ? "" : ": ", p->message);
    if (report->route)
        doctor_add(report, "auto-route", DOCTOR_OK, NULL, "auto takes the %s route", report->route);
    else
        doctor_add(report, "auto-route", DOCTOR_FAILURE,
                   "fix the extend-route or custom-route failure above", "no route works: %s%s%s",
                   report->automatic.code == INT_MIN ? "" : akl_errname(report->automatic.code),
                   report->automatic.code == INT_MIN ? "" : ": ", report->automatic.message);
}

static bool doctor_executable(const char *path)
{
    return path && path[0] && access(path, X_OK) == 0;
}

/* name in one of PATH's directories, into out. */
static bool doctor_on_path(const char *name, char *out, size_t cap)
{
    const char *path = getenv("PATH");
    while (path && *path) {
        size_t length = strcspn(path, ":");
        if (length > 0 && (size_t)snprintf(out, cap, "%.*s/%s", (int)length, path, name) < cap &&
            doctor_executable(out))
            return true;
        path += length + (path[length] == ':');
    }
    return false;
}

static void doctor_check_toolchain(doctor_report_t *report)
{
    const char *cc = getenv("AKL_AICPU_CC");
    if (cc && cc[0]) {
        if (doctor_executable(cc))
            doctor_add(report, "toolchain", DOCTOR_OK, NULL, "AKL_AICPU_CC=%s", cc);
        else
            doctor_add(report, "toolchain", DOCTOR_WARNING,
                       "point AKL_AICPU_CC at an aarch64 C compiler",
                       "AKL_AICPU_CC=%s is not an executable file", cc);
        return;
    }
    const char *home = getenv("ASCEND_HOME_PATH");
    static const char *const hcc_dirs[] = {"toolkit/toolchain/hcc/bin", "tools/hcc/bin"};
    char path[PATH_MAX];
    for (size_t i = 0; home && home[0] && i < sizeof hcc_dirs / sizeof hcc_dirs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s/aarch64-target-linux-gnu-gcc", home, hcc_dirs[i]);
        if (doctor_executable(path)) {
            doctor_add(report, "toolchain", DOCTOR_OK, NULL, "CANN's HCC: %s", path);
            return;
        }
    }
    if (doctor_on_path("aarch64-linux-gnu-gcc", path, sizeof path)) {
        doctor_add(report, "toolchain", DOCTOR_OK, NULL, "cross compiler: %s", path);
        return;
    }
    struct utsname host;
    if (uname(&host) == 0 && strcmp(host.machine, "aarch64") == 0 &&
        doctor_on_path("cc", path, sizeof path)) {
        doctor_add(report, "toolchain", DOCTOR_OK, NULL, "the host's own compiler: %s", path);
        return;
    }
    doctor_add(report, "toolchain", DOCTOR_WARNING,
               "install gcc-aarch64-linux-gnu, or set AKL_AICPU_CC (CANN's HCC: "
               "$ASCEND_HOME_PATH/tools/hcc/bin/aarch64-target-linux-gnu-gcc)",
               "no aarch64 compiler (AKL_AICPU_CC unset, no HCC under %s, no aarch64-linux-gnu-gcc "
               "on PATH): device SOs for a real device cannot be built here",
               home && home[0] ? home : "$ASCEND_HOME_PATH (unset)");
}

/* AKL_SIM_PREINSTALL=readonly: the scheduler makes its own read-only view in a private mount
 * namespace, made directly or through a user namespace. Tried in a child, which then exits. */
static int doctor_try_mount_namespace(void)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return errno;
    if (pid == 0)
        _exit(unshare(CLONE_NEWNS) == 0 || unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0 ? 0 : errno);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : EPERM;
}

static void doctor_add_missing(char *missing, size_t cap, const char *call, int error)
{
    size_t used = strlen(missing);
    snprintf(missing + used, cap - used, "%s%s: %s", used ? "; " : "", call, strerror(error));
}

/* What the simulator asks of the host kernel: device memory and its control block are memfds and
 * the handoff sleeps on a futex (both required); the host watches each scheduler through a pidfd
 * where the kernel has one (else a waitid poll, so its absence is only noted); the scheduler sees
 * the device's paths through a private mount namespace (else a redirection, noted), which a
 * read-only preinstall directory requires. */
static void doctor_check_host_kernel(doctor_report_t *report)
{
    char missing[512] = "";
    int fd = memfd_create("akl-doctor", MFD_CLOEXEC);
    if (fd < 0)
        doctor_add_missing(missing, sizeof missing, "memfd_create", errno);
    else
        close(fd);
    uint32_t word = 0;
    if (syscall(SYS_futex, &word, FUTEX_WAKE, 1, NULL, NULL, 0) < 0)
        doctor_add_missing(missing, sizeof missing, "futex", errno);
    const char *preinstall = getenv("AKL_SIM_PREINSTALL");
    bool ns_required = preinstall && strcmp(preinstall, "readonly") == 0;
    const char *ns_knob = getenv("AKL_SIM_NAMESPACE");
    bool ns_wanted = ns_required || !(ns_knob && strcmp(ns_knob, "0") == 0);
    int ns_error = ns_wanted ? doctor_try_mount_namespace() : 0;
    if (ns_error && ns_required)
        doctor_add_missing(missing, sizeof missing,
                           "unshare(CLONE_NEWNS) for AKL_SIM_PREINSTALL=readonly", ns_error);
    if (missing[0]) {
        doctor_add(report, "host-kernel", DOCTOR_FAILURE,
                   "run the simulator on Linux 3.17 or later, outside a sandbox that blocks these "
                   "calls",
                   "the simulator cannot run here: %s", missing);
        return;
    }
    fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    int pidfd_error = fd < 0 ? errno : 0;
    if (fd >= 0)
        close(fd);
    char notes[256] = "";
    if (pidfd_error)
        snprintf(notes, sizeof notes, "; pidfd_open: %s, so schedulers are watched by polling",
                 strerror(pidfd_error));
    if (ns_wanted && ns_error) {
        size_t used = strlen(notes);
        snprintf(notes + used, sizeof notes - used,
                 "; no private mount namespace (%s), so device code sees redirected paths",
                 strerror(ns_error));
    }
    if (notes[0])
        doctor_add(report, "host-kernel", DOCTOR_WARNING,
                   "Linux 5.3+ with user namespaces enabled gives the simulator full fidelity",
                   "memfd_create and futex work%s", notes);
    else
        doctor_add(report, "host-kernel", DOCTOR_OK, NULL,
                   "memfd_create, futex and pidfd_open work%s",
                   ns_wanted ? "; a private mount namespace can be made (the device's paths)" : "");
}

/* " names, ..." of at most cap bytes. */
static void doctor_join(char *const *names, size_t count, char *out, size_t cap)
{
    out[0] = 0;
    for (size_t i = 0; i < count; i++) {
        size_t used = strlen(out);
        if (used + strlen(names[i]) + 8 >= cap) {
            snprintf(out + used, cap - used, ", ...");
            return;
        }
        snprintf(out + used, cap - used, "%s%s", i ? ", " : "", names[i]);
    }
}

/* The SO's fit, in two checks: `so`, libakl's own judgement (as `akl check` and every load make
 * it: ELF, class, machine, type, size) and that it exports functions; `so-needs`, what it needs
 * from the device: undefined symbols nothing there provides (libakl's akl_unresolved_symbols_file,
 * as `akl check --strict` uses it) and libraries a device may not have. */
static void doctor_check_so(doctor_report_t *report, const char *path)
{
    char **unresolved = NULL;
    size_t unresolved_count = 0;
    int rc = akl_unresolved_symbols_file(path, NULL, &unresolved, &unresolved_count);
    if (rc != 0) {
        doctor_add(report, "so", DOCTOR_FAILURE,
                   rc == AKL_EMACHINE ? "build it for the device's architecture (see toolchain)"
                                      : "rebuild it as a shared object for the device",
                   "%s (%d): %s", akl_errname(rc), rc, akl_last_error());
        return;
    }
    char symbols[512];
    doctor_join(unresolved, unresolved_count, symbols, sizeof symbols);
    free(unresolved);
    doctor_elf_t elf;
    char err[512];
    if (doctor_elf_inspect(path, &elf, err, sizeof err) != 0) {
        doctor_add(report, "so", DOCTOR_WARNING, "check that the file is readable",
                   "fits the device, but its dynamic section cannot be read: %s", err);
        return;
    }
    if (elf.exported == 0)
        doctor_add(report, "so", DOCTOR_WARNING,
                   "export each kernel: extern \"C\", default visibility, uint32_t k(void *)",
                   "%s fits the device but exports no function, so it has no kernel", path);
    else
        doctor_add(report, "so", DOCTOR_OK, NULL,
                   "%s fits the device (a 64-bit ELF shared object for its architecture) and "
                   "exports %zu function(s)",
                   path, elf.exported);
    if (elf.foreign_count == 0 && unresolved_count == 0)
        doctor_add(report, "so-needs", DOCTOR_OK, NULL,
                   "%zu needed librar%s, all on a device; every undefined symbol is provided there",
                   elf.needed_count, elf.needed_count == 1 ? "y" : "ies");
    else
        doctor_add(report, "so-needs", DOCTOR_WARNING,
                   "link only against libc, libstdc++, libdl, libc_sec, libascend_hal and "
                   "libaicpu_sharder, define what is missing, or put the rest on the device",
                   "%zu needed librar%s not known to be on a device%s%s; %zu undefined symbol(s) "
                   "nothing on the device is known to provide (a call that reaches one ends the "
                   "scheduler)%s%s",
                   elf.foreign_count, elf.foreign_count == 1 ? "y" : "ies",
                   elf.foreign_count ? ": " : "", elf.foreign, unresolved_count,
                   unresolved_count ? ": " : "", symbols);
}

static void doctor_collect(doctor_report_t *report, const doctor_options_t *opts)
{
    doctor_check_runtime(report);
    if (report->runtime_ok) {
        doctor_check_devices(report);
        doctor_check_arch(report);
        doctor_run_probes(report);
        doctor_check_extend(report);
        doctor_check_custom(report);
    }
    doctor_check_toolchain(report);
    if (!report->runtime_ok || report->sim)
        doctor_check_host_kernel(report);
    if (opts->so)
        doctor_check_so(report, opts->so);
}

/* ---- Output ---------------------------------------------------------------------------------- */

static json_object *doctor_string_or_null(const char *text)
{
    return text && text[0] ? json_object_new_string(text) : NULL;
}

static void doctor_print_json(const doctor_report_t *report)
{
    json_object *root = json_object_new_object();
    json_object_object_add(root, "device", json_object_new_int(report->device));
    json_object_object_add(root, "runtime", doctor_string_or_null(report->runtime));
    json_object_object_add(root, "cann_version", doctor_string_or_null(report->cann_version));
    json_object_object_add(root, "min_cann_version", json_object_new_string(AKL_CANN_MIN_VERSION));
    json_object_object_add(root, "route", doctor_string_or_null(report->route));
    json_object_object_add(root, "ok", json_object_new_boolean(report->any_route));
    json_object *checks = json_object_new_array();
    for (int i = 0; i < report->count; i++) {
        const doctor_check_t *c = &report->checks[i];
        json_object *check = json_object_new_object();
        json_object_object_add(check, "name", json_object_new_string(c->name));
        json_object_object_add(check, "status",
                               json_object_new_string(doctor_status_name(c->status)));
        json_object_object_add(check, "detail", json_object_new_string(c->detail));
        json_object_object_add(check, "fix", doctor_string_or_null(c->fix));
        json_object_array_add(checks, check);
    }
    json_object_object_add(root, "checks", checks);
    printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
                                                            JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(root);
}

static void doctor_print_text(const doctor_report_t *report)
{
    for (int i = 0; i < report->count; i++) {
        const doctor_check_t *c = &report->checks[i];
        printf("%-8s %-15s %s\n", doctor_status_name(c->status), c->name, c->detail);
        if (c->fix[0])
            printf("%-8s %-15s fix: %s\n", "", "", c->fix);
    }
    if (report->route)
        printf("\nroute: %s (auto takes it on device %d)\n", report->route, (int)report->device);
    else
        printf("\nno route works on device %d\n", (int)report->device);
}

/* ---- The command ----------------------------------------------------------------------------- */

static int doctor_parse(int argc, char **argv, doctor_options_t *opts)
{
    memset(opts, 0, sizeof *opts);
    const cli_option_t options[] = {
        {"device", CLI_OPTION_I32, &opts->device, 0, INT32_MAX, NULL},
        {"json", CLI_OPTION_FLAG, &opts->json, 0, 0, NULL},
        {DOCTOR_PROBE_OPTION, CLI_OPTION_STRING, &opts->probe_route, 0, 0, NULL},
        {NULL, 0, NULL, 0, 0, NULL},
    };
    int rc = cli_parse_options("doctor", argc, argv, options, cli_usage_doctor);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (optind < argc)
        opts->so = argv[optind++];
    if (optind < argc)
        return cli_usage_error("doctor", "unexpected argument '%s'", argv[optind]);
    return CLI_EXIT_OK;
}

int cli_cmd_doctor(int argc, char **argv)
{
    doctor_options_t opts;
    int rc = doctor_parse(argc, argv, &opts);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (opts.probe_route)
        return doctor_probe_child(opts.device, opts.probe_route);
    doctor_report_t *report = calloc(1, sizeof *report);
    if (!report)
        return cli_fail("doctor", "out of memory");
    report->device = opts.device;
    doctor_collect(report, &opts);
    if (opts.json)
        doctor_print_json(report);
    else
        doctor_print_text(report);
    rc = report->any_route ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
    free(report);
    return rc;
}
