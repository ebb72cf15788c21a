import Foundation
@testable import LacakSupport

/// A unix datagram socket standing in for systemd's `$NOTIFY_SOCKET`: collects what the
/// daemon sends through sd_notify.
final class NotifySocket: Sendable {
    let path: String
    private let fd: Int32
    private let messages = MessageBox()

    /// The received datagrams, shared with the reading thread.
    final class MessageBox: Sendable {
        let list = LockBox<[String]>([])
    }

    init(directory: TestDirectory) throws {
        path = directory.join("notify.sock")
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else { throw TestFailure("bind(\(path)) failed: \(errno)") }
        let descriptor = fd
        let sink = messages
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 8192)
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                if count <= 0 { return }
                let text = String(decoding: buffer[0..<count], as: UTF8.self)
                sink.list.withLock { $0.append(text) }
            }
        }
    }

    deinit {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    /// Every datagram received so far.
    var received: [String] { messages.list.withLock { $0 } }

    /// Every `KEY=value` line received so far, in order.
    var lines: [String] { received.flatMap { $0.split(separator: "\n").map(String.init) } }

    /// Waits until a line satisfying `predicate` has arrived.
    func waitFor(timeout: Double = 30, _ description: String, _ predicate: (String) -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if lines.contains(where: predicate) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("no sd_notify line \(description) within \(timeout)s; got \(lines)")
    }
}
