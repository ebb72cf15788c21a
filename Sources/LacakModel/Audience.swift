

/// Who a notification is for.
package enum Audience: String, Sendable, CaseIterable, Codable {
    case buyer, seller
}

/// Languages with built-in notification texts.
package enum NotificationLocale: String, Sendable, CaseIterable, Codable {
    case english = "en"
    case indonesian = "id"
}
