import Foundation

/// Runs a plugin program once: arguments given as a list (never through a shell), input on
/// stdin, output on stdout up to a cap, stderr kept for the log, killed at a deadline.
///
/// The child runs in its own process group, so a plugin that forks helpers loses them all
/// when it is killed.
struct PluginProcess {
    var command: [String]
    var environment: [String: String]
    var timeout: Double
    var maxOutputBytes: Int
    /// Stderr beyond this is dropped; plugins chatter.
    var maxErrorBytes = 16 * 1024

    /// What the run produced.
    struct Outcome {
        var status: Int32?
        var signal: Int32?
        var stdout: [UInt8]
        var stderr: [UInt8]
        var timedOut: Bool
        var outputTooLarge: Bool
    }

    /// Serialises creating pipes and spawning: between `pipe()` and `fcntl(FD_CLOEXEC)` another
    /// plugin spawned at that moment would inherit this one's pipe ends and hold them open.
    private static let spawnLock = NSLock()

    /// Runs the program to completion (or to its deadline); blocks the calling thread.
    func run(input: [UInt8]) throws(CourierError) -> Outcome {
        guard let program = command.first else { throw .adapter("exec: no command") }
        Self.spawnLock.lock()
        var locked = true
        defer { if locked { Self.spawnLock.unlock() } }
        var stdinPipe: [Int32] = [0, 0]
        var stdoutPipe: [Int32] = [0, 0]
        var stderrPipe: [Int32] = [0, 0]
        guard pipe(&stdinPipe) == 0, pipe(&stdoutPipe) == 0, pipe(&stderrPipe) == 0 else {
            throw .adapter("exec: cannot create pipes: \(String(cString: strerror(errno)))")
        }
        // Close-on-exec, so neither the plugin nor another child inherits lacak's pipe ends;
        // the plugin gets its stdio through the dup2 actions below.
        for fd in stdinPipe + stdoutPipe + stderrPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let arguments = command.map { strdup($0) } + [nil]
        let environmentList = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            arguments.forEach { free($0) }
            environmentList.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, program, &actions, &attributes, arguments, environmentList)
        close(stdinPipe[0])
        close(stdoutPipe[1])
        close(stderrPipe[1])
        Self.spawnLock.unlock()
        locked = false
        guard spawned == 0 else {
            close(stdinPipe[1])
            close(stdoutPipe[0])
            close(stderrPipe[0])
            throw .adapter("exec: cannot start \(program): \(String(cString: strerror(spawned)))")
        }

        var outcome = Outcome(status: nil, signal: nil, stdout: [], stderr: [], timedOut: false, outputTooLarge: false)
        let deadline = Date().addingTimeInterval(timeout)
        var pendingInput = input[...]
        var inputOpen = true
        _ = fcntl(stdinPipe[1], F_SETFL, fcntl(stdinPipe[1], F_GETFL) | O_NONBLOCK)
        if pendingInput.isEmpty { close(stdinPipe[1]); inputOpen = false }
        var stdoutOpen = true
        var stderrOpen = true
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)

        while stdoutOpen || stderrOpen {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 {
                outcome.timedOut = true
                break
            }
            var descriptors: [pollfd] = []
            if inputOpen { descriptors.append(pollfd(fd: stdinPipe[1], events: Int16(POLLOUT), revents: 0)) }
            if stdoutOpen { descriptors.append(pollfd(fd: stdoutPipe[0], events: Int16(POLLIN), revents: 0)) }
            if stderrOpen { descriptors.append(pollfd(fd: stderrPipe[0], events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&descriptors, nfds_t(descriptors.count), Int32(min(remaining, 1) * 1000) + 1)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            for entry in descriptors where entry.revents != 0 {
                if entry.fd == stdinPipe[1] {
                    let written = pendingInput.withUnsafeBytes { Glibc.write(entry.fd, $0.baseAddress, $0.count) }
                    if written > 0 { pendingInput = pendingInput.dropFirst(written) }
                    if written < 0 && errno != EAGAIN || pendingInput.isEmpty {
                        close(stdinPipe[1])
                        inputOpen = false
                    }
                    continue
                }
                let count = buffer.withUnsafeMutableBytes { Glibc.read(entry.fd, $0.baseAddress, $0.count) }
                if count <= 0 {
                    if count < 0 && errno == EINTR { continue }
                    if entry.fd == stdoutPipe[0] { stdoutOpen = false } else { stderrOpen = false }
                    continue
                }
                if entry.fd == stdoutPipe[0] {
                    outcome.stdout.append(contentsOf: buffer[0..<count])
                    if outcome.stdout.count > maxOutputBytes {
                        outcome.outputTooLarge = true
                        stdoutOpen = false
                        stderrOpen = false
                    }
                } else if outcome.stderr.count < maxErrorBytes {
                    outcome.stderr.append(contentsOf: buffer[0..<min(count, maxErrorBytes - outcome.stderr.count)])
                }
            }
        }
        if inputOpen { close(stdinPipe[1]) }
        close(stdoutPipe[0])
        close(stderrPipe[0])
        if outcome.timedOut || outcome.outputTooLarge {
            kill(-pid, SIGKILL)
        }
        // Reap the child; one that closed its output but lingers gets until the deadline.
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { break }
            if result < 0 && errno != EINTR { break }
            if Date() > deadline {
                outcome.timedOut = true
                kill(-pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                break
            }
            usleep(2_000)
        }
        let low = status & 0x7F
        if low == 0 {
            outcome.status = (status >> 8) & 0xFF
        } else if low != 0x7F {
            outcome.signal = low
        }
        return outcome
    }
}
