/* The check of a test's child process (a scenario run in a fresh process, whose exit code the
 * parent test asserts): on failure it prints the condition with libakl's last error and returns
 * the check's number, which becomes the child's exit code. Needs akl/akl.h and stdio.h. */
#ifndef AKL_TEST_CHILD_CHECK_H
#define AKL_TEST_CHILD_CHECK_H

#define T_CHECK(n, cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "child check %d failed: %s; last error: %s\n", n, #cond,               \
                    akl_last_error());                                                             \
            return n;                                                                              \
        }                                                                                          \
    } while (0)

#endif /* AKL_TEST_CHILD_CHECK_H */
