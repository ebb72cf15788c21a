package import Foundation

/// The file primitives behind every spool write: write to a temporary name, make it durable,
/// rename into place, fsync the directory. A reader never sees a partial file.
package enum AtomicFiles {
    /// Writes `bytes` to the file at `path` (replacing its content) and makes it durable.
    /// Files are 0640: the spool group reads them, and only lacak writes them.
    package static func writeDurably(_ bytes: [UInt8], to path: String, mode: mode_t = 0o640) throws(SpoolError) {
        try writeFile(bytes, to: path, mode: mode, sync: true)
    }

    /// Writes many files and makes them all durable with one `syncfs` of their file system
    /// (falling back to one `fdatasync` each): a batch of 500 snapshots costs one flush, not
    /// 500. `paths` must all be on the file system of `directory`.
    package static func writeDurably(_ files: [(bytes: [UInt8], path: String)], directory: String, mode: mode_t = 0o640) throws(SpoolError) {
        guard let syncfs = Self.syncfs, files.count > 1 else {
            for file in files { try writeFile(file.bytes, to: file.path, mode: mode, sync: true) }
            return
        }
        for file in files { try writeFile(file.bytes, to: file.path, mode: mode, sync: false) }
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SpoolError(operation: "open directory \(directory)", errno: errno) }
        defer { close(fd) }
        if syncfs(fd) != 0 { throw SpoolError(operation: "sync the file system of \(directory)", errno: errno) }
    }

    /// syncfs(2), looked up at run time: Swift's Glibc module does not declare it.
    private static let syncfs: (@convention(c) (Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32) -> Int32).self)
    }()

    /// Creates `path` afresh: whatever is at the name (a stale partial file, or a FIFO, symlink
    /// or device someone put there) is unlinked first, and the new file is opened with
    /// `O_EXCL | O_NOFOLLOW | O_NONBLOCK`, then checked to be a regular file, so no entry at
    /// one of lacak's scratch names can block it in `open` or redirect its write. A directory in
    /// the way cannot be unlinked: the error says so, and the caller moves it aside.
    static func createFresh(_ path: String, mode: mode_t) throws(SpoolError) -> Int32 {
        var info = stat()
        if lstat(path, &info) == 0 {
            if (info.st_mode & S_IFMT) == S_IFDIR {
                throw SpoolError(operation: "create \(path)", message: "a directory is in the way", inTheWay: path)
            }
            if unlink(path) != 0, errno != ENOENT {
                throw SpoolError(operation: "replace \(path)", errno: errno)
            }
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, mode)
        guard fd >= 0 else { throw SpoolError(operation: "create \(path)", errno: errno) }
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw SpoolError(operation: "create \(path)", message: "not a regular file")
        }
        return fd
    }

    private static func writeFile(_ bytes: [UInt8], to path: String, mode: mode_t, sync: Bool) throws(SpoolError) {
        let fd = try createFresh(path, mode: mode)
        var written = 0
        let result: Int32 = bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let count = write(fd, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += count
            }
            return 0
        }
        if result != 0 {
            close(fd)
            unlink(path)
            throw SpoolError(operation: "write \(path)", errno: result)
        }
        if sync, fdatasync(fd) != 0 {
            let code = errno
            close(fd)
            unlink(path)
            throw SpoolError(operation: "sync \(path)", errno: code)
        }
        close(fd)
    }

    /// Moves `source` to `destination` atomically (same file system). A directory at the
    /// destination (EISDIR, ENOTEMPTY) is reported as in the way, for the caller to move aside.
    package static func rename(_ source: String, to destination: String) throws(SpoolError) {
        if Foundation.rename(source, destination) != 0 {
            let code = errno
            if code == EISDIR || code == ENOTEMPTY || code == EEXIST {
                throw SpoolError(operation: "rename \(source) to \(destination)", message: String(cString: strerror(code)), inTheWay: destination)
            }
            throw SpoolError(operation: "rename \(source) to \(destination)", errno: code)
        }
    }

    /// Whether `path` is a regular file (not following a symlink).
    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Makes the entries of a directory (creations, renames) durable.
    package static func syncDirectory(_ path: String) throws(SpoolError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SpoolError(operation: "open directory \(path)", errno: errno) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw SpoolError(operation: "sync directory \(path)", errno: errno) }
    }

    package static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Removes files in `directory` whose names end with `suffix` (leftovers of a crash).
    static func removeLeftovers(in directory: String, suffix: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasSuffix(suffix) {
            unlink(directory + "/" + name)
        }
    }
}

/// An exclusive advisory lock on a file, held by one process at a time (flock).
///
/// The file is lacak's alone (mode 0600, in a 0700 directory): a reader of the spool or state
/// cannot open it, so cannot hold it. Waits for it are bounded.
final class FileLock: Sendable {
    private let fd: Int32

    /// Waits up to `timeout` seconds for the lock on `path` (nil: does not wait at all);
    /// `waiting` is told once, when the lock is not free at first.
    init(path: String, timeout: Double?, waiting: (() -> Void)? = nil) throws(SpoolError) {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o600)
        guard fd >= 0 else {
            var error = SpoolError(operation: "open lock \(path)", errno: errno)
            error.aboutState = true
            throw error
        }
        fchmod(fd, 0o600)
        // The monotonic clock: a wall clock stepped back must not stretch the bounded wait.
        let deadline = ContinuousClock.now + .milliseconds(Int((timeout ?? 0) * 1000))
        var told = false
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            guard code == EWOULDBLOCK, ContinuousClock.now < deadline else {
                close(fd)
                if code == EWOULDBLOCK {
                    throw SpoolError(operation: "lock \(path)", message: "another process holds it" + (timeout.map { " (waited \(Int($0))s)" } ?? ""))
                }
                throw SpoolError(operation: "lock \(path)", errno: code)
            }
            if !told {
                told = true
                waiting?()
            }
            usleep(20_000)
        }
    }

    /// lacak's own lock directory under the state directory (mode 0700), created when missing.
    static func directory(in stateDirectory: String) -> String {
        let path = (stateDirectory as NSString).appendingPathComponent("lock")
        if mkdir(path, 0o700) != 0, errno != EEXIST { return stateDirectory }
        chmod(path, 0o700)
        return path
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

/// The daemon's hold on its state directory: an exclusive lock on `lock/daemon.lock`, kept for
/// the life of the process, so a second `lacakd run` on the same state exits with a message
/// instead of polling every shipment twice.
package final class DaemonLock: Sendable {
    private let lock: FileLock

    package init(stateDirectory: String) throws(SpoolError) {
        if mkdir(stateDirectory, 0o750) != 0, errno != EEXIST {
            throw SpoolError(operation: "create state directory \(stateDirectory)", errno: errno)
        }
        let path = (FileLock.directory(in: stateDirectory) as NSString).appendingPathComponent("daemon.lock")
        do {
            lock = try FileLock(path: path, timeout: nil)
        } catch {
            guard error.message.hasPrefix("another process holds it") else { throw error }
            throw SpoolError(operation: "start", message: "another lacakd run is already using the state directory \(stateDirectory) (it holds \(path)); stop it first")
        }
    }

    /// Whether a daemon holds the state directory now.
    package static func isHeld(stateDirectory: String) -> Bool {
        let path = (stateDirectory as NSString).appendingPathComponent("lock/daemon.lock")
        // Opened without O_CREAT, asked for a shared lock only for an instant.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }
}
