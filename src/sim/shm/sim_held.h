/* Lock preconditions as assertions: "called with the lock held" is checked, not only said, in every
 * build with assertions (the sanitizer builds pass -UNDEBUG). A try-lock that fails shows that the
 * lock is held; it cannot show by whom, so these catch a caller that holds nothing, the usual
 * mistake. Used by every part of the simulator (header only). */
#ifndef AKL_SIM_HELD_H
#define AKL_SIM_HELD_H

#include <pthread.h>
#include <stdbool.h>

/* True if mutex m is locked (by the caller, when the caller asserts it). */
static inline bool sim_mutex_held(pthread_mutex_t *m)
{
    if (pthread_mutex_trylock(m) != 0)
        return true;
    pthread_mutex_unlock(m);
    return false;
}

/* True if rw is held for reading or writing. */
static inline bool sim_rwlock_held(pthread_rwlock_t *rw)
{
    if (pthread_rwlock_trywrlock(rw) != 0)
        return true;
    pthread_rwlock_unlock(rw);
    return false;
}

/* True if rw is held for writing. */
static inline bool sim_rwlock_write_held(pthread_rwlock_t *rw)
{
    if (pthread_rwlock_tryrdlock(rw) != 0)
        return true;
    pthread_rwlock_unlock(rw);
    return false;
}

#endif /* AKL_SIM_HELD_H */
