#ifndef ARS_CPROCESSCONTROL_SHIM_H
#define ARS_CPROCESSCONTROL_SHIM_H

#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <signal.h>

/// Asks the kernel to send `signal` to this process when its parent dies (Linux
/// `prctl(PR_SET_PDEATHSIG)`, which Swift cannot call directly because it is variadic).
/// Returns 0 on success, -1 where the platform has no such request.
static inline int ars_set_parent_death_signal(int signal) {
#ifdef __linux__
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0UL, 0UL, 0UL);
#else
    (void)signal;
    return -1;
#endif
}

/// Names the calling thread (15 bytes at most) for `ps`, `perf` and debuggers
/// (`prctl(PR_SET_NAME)`, variadic too).
static inline void ars_set_thread_name(const char *name) {
#ifdef __linux__
    prctl(PR_SET_NAME, (unsigned long)name, 0UL, 0UL, 0UL);
#else
    (void)name;
#endif
}

#endif
