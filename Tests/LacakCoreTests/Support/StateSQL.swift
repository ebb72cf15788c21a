import GRDB
@testable import LacakStore

extension SQLiteStateStore {
    /// Reads state with SQL of the test's own, as an independent look at what lacak stored.
    func sql<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }
}
