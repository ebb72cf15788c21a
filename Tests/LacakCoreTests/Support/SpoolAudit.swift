import Foundation
import GRDB
@testable import LacakSupport
@testable import LacakModel
@testable import LacakStore
@testable import LacakConfig
@testable import LacakSpool
@testable import LacakIntake
@testable import LacakDaemon

/// Compares a spool with the state beside it: every status change has exactly the notification
/// files it owes, each exactly once, every file parses, and no temporary file is visible.
enum SpoolAudit {
    /// The problems found; empty when the spool is exactly what state says it should be.
    static func problems(root: String) throws -> [String] {
        var problems: [String] = []
        let database = try DatabaseQueue(path: root + "/state/state.sqlite", configuration: readOnly)
        let owed: [Int64: Int] = try database.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, notifications FROM status_changes WHERE notifications > 0").map { ($0[0], $0[1]) })
        }
        var seen: [Int64: [String]] = [:]
        for directory in ["new", "cur"] {
            let path = root + "/spool/notifications/" + directory
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                guard !name.hasPrefix("."), name.hasSuffix(".json") else {
                    problems.append("temporary file visible to readers: notifications/\(directory)/\(name)")
                    continue
                }
                guard let text = try? String(contentsOfFile: path + "/" + name, encoding: .utf8), (try? JSONParser().parse(text)) != nil else {
                    problems.append("notifications/\(directory)/\(name) is partial or unparsable")
                    continue
                }
                let parts = name.split(separator: ".")
                guard parts.count == 3, let id = Int64(parts[1].prefix(while: { $0 != "-" })) else {
                    problems.append("unexpected notification name \(name)")
                    continue
                }
                seen[id, default: []].append(name)
            }
        }
        for (id, count) in owed where seen[id]?.count != count {
            problems.append("status change \(id) owes \(count) notification(s), found \(seen[id] ?? [])")
        }
        for id in Set(seen.keys).subtracting(owed.keys) {
            problems.append("notification(s) for unknown status change \(id): \(seen[id] ?? [])")
        }
        let integrity = try database.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") }
        if integrity != "ok" { problems.append("integrity_check: \(integrity ?? "nil")") }
        return problems
    }

    /// Notification files delivered so far (new/ and cur/).
    static func notificationCount(root: String) -> Int {
        ["new", "cur"].reduce(0) { count, directory in
            count + ((try? FileManager.default.contentsOfDirectory(atPath: root + "/spool/notifications/" + directory))?.count ?? 0)
        }
    }

    /// Orders by carrier status, read from state.
    static func carrierStatuses(root: String) throws -> [String: String] {
        let database = try DatabaseQueue(path: root + "/state/state.sqlite", configuration: readOnly)
        return try database.read { db in
            Dictionary(try Row.fetchAll(db, sql: "SELECT order_id, carrier_status FROM shipments").map { ($0[0], $0[1]) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// Notifications still waiting in the outbox.
    static func pendingNotifications(root: String) throws -> Int {
        let database = try DatabaseQueue(path: root + "/state/state.sqlite", configuration: readOnly)
        return try database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL") ?? 0 }
    }

    private static var readOnly: Configuration {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        return configuration
    }
}
