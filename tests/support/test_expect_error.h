/* The check every libakl error test makes: a call returned this error code and its message
 * (akl_last_error) names what it should. A library of its own (akl_test_expect_error), so that
 * tests that do not link libakl do not pull it in. */
#ifndef AKL_TEST_EXPECT_ERROR_H
#define AKL_TEST_EXPECT_ERROR_H

/* Fails the cmocka test unless rc is code and the message holds every one of the needles, the
 * list ending with NULL. */
void t_expect_error(int rc, int code, ...) __attribute__((sentinel));

#endif /* AKL_TEST_EXPECT_ERROR_H */
