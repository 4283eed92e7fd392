import CProcessControl

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `posix_spawn` failed (errno-style code): the executable is missing, not executable, …
public struct SpawnFailure: Error, CustomStringConvertible {
    public var code: Int32
    public var description: String { String(cString: strerror(code)) }
}

/// Starting a program the way every child of ars starts: in a session and process group of its
/// own (no controlling terminal; stopping the group stops what it started), with the signal mask
/// and every signal's disposition reset (the REPL ignores SIGINT), and no descriptor of ars but
/// the three it is given.
public enum Spawn {
    /// Spawns `executable` with `arguments` (`argv`, including `argv[0]`) and exactly
    /// `environment`; stdin is `stdin` or `/dev/null`.
    public static func spawn(
        executable: String, arguments: [String], environment: [String: String], stdin: Int32?, stdout: Int32, stderr: Int32
    ) -> Result<pid_t, SpawnFailure> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdin {
            posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        if let closeFrom = addCloseFrom { _ = closeFrom(&actions, 3) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in Int32(1)..<32 where signal != SIGKILL && signal != SIGSTOP { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) | newSession)

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        var code: Int32 = 0
        // ETXTBSY is transient: another thread's child, between fork and exec, still holds a
        // descriptor open on an executable that was just written. It passes in milliseconds.
        for attempt in 0..<8 {
            code = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
            guard code == ETXTBSY else { break }
            usleep(useconds_t(5_000 * (attempt + 1)))
        }
        return code == 0 ? .success(pid) : .failure(SpawnFailure(code: code))
    }

    /// A pipe with close-on-exec set on both ends. (`pipe2` is not exported to Swift; the moment
    /// between `pipe` and `fcntl` is covered by `addclosefrom_np` in our own children.)
    public static func pipe() throws(SpawnFailure) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        #if canImport(Glibc)
            guard Glibc.pipe(&fds) == 0 else { throw SpawnFailure(code: errno) }
        #else
            guard Darwin.pipe(&fds) == 0 else { throw SpawnFailure(code: errno) }
        #endif
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    /// glibc's `POSIX_SPAWN_SETSID` (spawn.h, a GNU extension Swift's Glibc module does not
    /// export): the child starts a session and process group of its own.
    #if os(Linux)
        private static let newSession: Int16 = 0x80
    #else
        private static let newSession: Int16 = Int16(POSIX_SPAWN_SETPGROUP)
    #endif

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc ≥ 2.34's `posix_spawn_file_actions_addclosefrom_np`, looked up at run time (not
    /// exported to Swift): closes every descriptor ≥ 3 in the child, including ones other
    /// libraries opened without `O_CLOEXEC`. Without it only close-on-exec descriptors close.
    private static let addCloseFrom: AddCloseFrom? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()
}

/// A POSIX thread of its own for work that blocks (a child's `poll` loop, `waitpid`), off
/// Swift's cooperative pool. Detached: it ends when `body` returns.
public enum DedicatedThread {
    public static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        final class Box: Sendable {
            let name: String
            let body: @Sendable () -> Void
            init(name: String, body: @escaping @Sendable () -> Void) {
                self.name = name
                self.body = body
            }
        }
        let box = Unmanaged.passRetained(Box(name: name, body: body)).toOpaque()
        var thread = pthread_t()
        let code = pthread_create(
            &thread, nil,
            { raw in
                let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
                ars_set_thread_name(String(box.name.prefix(15)))
                box.body()
                return nil
            }, box)
        precondition(code == 0, "cannot start a thread: \(String(cString: strerror(code)))")
        pthread_detach(thread)
    }
}
