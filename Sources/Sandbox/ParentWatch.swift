import CProcessControl
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `--parent PID`: the server ends with the program it serves, however that program ends
/// (exit, error, Ctrl-C, SIGPIPE, SIGHUP, SIGTERM, SIGKILL, a crash), so no sandbox — and no API
/// key in a process environment — outlives its `ars`.
///
/// - The server leads a process group of its own, so the git and other children it starts are
///   one group that `ars` stops together.
/// - On Linux the kernel sends SIGTERM when the parent dies (`PR_SET_PDEATHSIG`), which shuts the
///   server down gracefully; the parent is checked right after the request, as prctl(2) advises,
///   since it may have died between the fork and the request.
/// - A watch thread notices the parent is gone where there is no such signal (it sends SIGTERM
///   itself) and, everywhere, ends the process 5 s after a shutdown that did not finish.
enum ParentWatch {
    static func start(parent: Int32) {
        _ = setpgid(0, 0)
        let requested = ars_set_parent_death_signal(SIGTERM) == 0
        if getppid() != parent {
            FileHandle.standardError.write(Data("ars-sandbox: process \(parent) ended before the server started; exiting\n".utf8))
            exit(0)
        }
        let thread = Thread {
            while getppid() == parent { usleep(250_000) }
            if !requested { kill(getpid(), SIGTERM) }
            sleep(5)
            FileHandle.standardError.write(Data("ars-sandbox: process \(parent) ended and the shutdown took over 5 s; exiting\n".utf8))
            _exit(1)
        }
        thread.name = "ars-sandbox.parent-watch"
        thread.start()
    }
}
