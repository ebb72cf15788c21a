#if canImport(Glibc)
import Glibc
#endif

/// A value shared between threads, guarded by a pthread mutex.
///
/// `Synchronization.Mutex` does the same job, but on Linux it is built from futexes and atomics
/// inside the standard library, which ThreadSanitizer does not see: every access made under it
/// is reported as a race, and `make sanitize` would drown in false reports. A pthread mutex is
/// intercepted by ThreadSanitizer, so a real race still stands out. Keep a value in it, not
/// Void: ThreadSanitizer places the access to an empty value at the object's address, outside
/// the mutex, and reports a race that is not there.
package final class LockBox<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `value` is read and written only between pthread_mutex_lock and
    // pthread_mutex_unlock on `mutex`, which is never moved (it lives in its own allocation).
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    package init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock.
    package func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
