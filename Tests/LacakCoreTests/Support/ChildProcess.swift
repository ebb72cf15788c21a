import Foundation
import Testing
@testable import LacakSupport

/// The result of running a program to completion.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program with arguments and environment, waits, and captures its output.
///
/// Waiting sleeps as a task instead of blocking a thread: the tests run in parallel on a
/// cooperative pool as wide as the machine (two threads here), and a blocked thread would
/// starve every other test's timing.
func runProcess(_ executable: String, _ arguments: [String], environment: [String: String] = [:], timeout: Double = 120) async throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "LACAK_CRASH_AT")
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Drain both pipes while the child runs so a chatty child never blocks on a full pipe.
    let outData = DataCollector(out.fileHandleForReading)
    let errData = DataCollector(err.fileHandleForReading)
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning {
        if Date() > deadline {
            process.terminate()
            break
        }
        try await Task.sleep(for: .milliseconds(5))
    }
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, stdout: outData.finish(), stderr: errData.finish())
}

/// The next bytes from a pipe: empty at its end, nil when it cannot be read (closed under us).
///
/// `FileHandle.availableData` traps on any read error, and a read interrupted by a signal
/// (SIGCHLD from a child exiting) fails with EINTR; this retries that instead.
func readChunk(_ handle: FileHandle) -> Data? {
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
        if count >= 0 { return Data(buffer[0..<count]) }
        if errno != EINTR { return nil }
    }
}

/// Reads a pipe to its end on a background thread.
final class DataCollector: Sendable {
    /// What the reading thread has collected so far.
    private let partial = LockBox(Data())
    /// Signalled by the reading thread once the pipe is at its end.
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [partial, done] in
            while let chunk = readChunk(handle), !chunk.isEmpty {
                partial.withLock { $0.append(chunk) }
            }
            done.signal()
        }
    }

    func finish() -> String {
        done.wait()
        return snapshot()
    }

    /// What has been read so far, without waiting for the end.
    func snapshot() -> String {
        partial.withLock { String(decoding: $0, as: UTF8.self) }
    }
}

/// A long-running child (courier-sim, the daemon) stopped with SIGTERM when released.
final class BackgroundProcess {
    let process = Process()
    private let stdoutHandle: FileHandle
    let stderrCollector: DataCollector

    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        stdoutHandle = out.fileHandleForReading
        stderrCollector = DataCollector(err.fileHandleForReading)
        try process.run()
    }

    /// Reads standard output up to the first line containing `marker`.
    func waitForLine(containing marker: String, timeout: Double = 30) throws -> String {
        var buffer = Data()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let chunk = readChunk(stdoutHandle) ?? Data()
            if chunk.isEmpty {
                if !process.isRunning { break }
                usleep(10_000)
                continue
            }
            buffer.append(chunk)
            let text = String(decoding: buffer, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.contains(marker) }) {
                return String(line)
            }
        }
        throw TestFailure("\(process.executableURL?.lastPathComponent ?? "process") did not print '\(marker)'")
    }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// Sends SIGTERM and waits for exit; anything but status 0 is recorded as an issue that
    /// carries the exit status (66 is a ThreadSanitizer report) and the end of the child's log.
    @discardableResult
    func stopExpectingSuccess(timeout: Double = 20, sourceLocation: SourceLocation = #_sourceLocation) async -> Int32? {
        signal(SIGTERM)
        let status = await waitForExit(timeout: timeout)
        if status != 0 {
            let outcome = status.map { "exited with status \($0)" } ?? "was still running \(timeout) s"
            Issue.record("\(process.executableURL?.lastPathComponent ?? "process") \(outcome) after SIGTERM; end of its log:\n\(stderrCollector.snapshot().suffix(8000))", sourceLocation: sourceLocation)
        }
        return status
    }

    /// Waits for exit without blocking a thread; returns the status, or nil on timeout.
    func waitForExit(timeout: Double = 30) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

/// A failure raised by a test helper.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
