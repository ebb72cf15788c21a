import Foundation

/// The file primitives behind every spool write: write to a temporary name, make it durable,
/// rename into place, fsync the directory. A reader never sees a partial file.
enum AtomicFiles {
    /// Writes `bytes` to the file at `path` (replacing its content) and makes it durable.
    static func writeDurably(_ bytes: [UInt8], to path: String, mode: mode_t = 0o660) throws(SpoolError) {
        try writeFile(bytes, to: path, mode: mode, sync: true)
    }

    /// Writes many files and makes them all durable with one `syncfs` of their file system
    /// (falling back to one `fdatasync` each): a batch of 500 snapshots costs one flush, not
    /// 500. `paths` must all be on the file system of `directory`.
    static func writeDurably(_ files: [(bytes: [UInt8], path: String)], directory: String, mode: mode_t = 0o660) throws(SpoolError) {
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

    private static func writeFile(_ bytes: [UInt8], to path: String, mode: mode_t, sync: Bool) throws(SpoolError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw SpoolError(operation: "create \(path)", errno: errno) }
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

    /// Moves `source` to `destination` atomically (same file system).
    static func rename(_ source: String, to destination: String) throws(SpoolError) {
        if Foundation.rename(source, destination) != 0 {
            throw SpoolError(operation: "rename \(source) to \(destination)", errno: errno)
        }
    }

    /// Makes the entries of a directory (creations, renames) durable.
    static func syncDirectory(_ path: String) throws(SpoolError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SpoolError(operation: "open directory \(path)", errno: errno) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw SpoolError(operation: "sync directory \(path)", errno: errno) }
    }

    static func exists(_ path: String) -> Bool {
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
final class FileLock {
    private let fd: Int32

    /// Blocks until the lock on `path` is held.
    init(path: String) throws(SpoolError) {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o660)
        guard fd >= 0 else { throw SpoolError(operation: "open lock \(path)", errno: errno) }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let code = errno
            close(fd)
            throw SpoolError(operation: "lock \(path)", errno: code)
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
