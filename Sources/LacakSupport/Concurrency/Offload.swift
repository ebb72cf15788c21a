import Foundation

/// Runs blocking work (file I/O, flock, a plugin process) on a Dispatch thread instead of a
/// Swift concurrency thread, which must never block.
///
/// Each call gets its own serial queue: those are overcommitting, so a job that blocks for a
/// long time (a hung plugin until its timeout) gets a thread of its own. On the global
/// concurrent queue, which runs one job per core, two such jobs held up every other one.
package func offload<T: Sendable, E: Error>(_ work: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
    let result: Result<T, E> = await withCheckedContinuation { continuation in
        DispatchQueue(label: "lacak.blocking", qos: .utility).async {
            do throws(E) {
                continuation.resume(returning: .success(try work()))
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
    }
    return try result.get()
}
