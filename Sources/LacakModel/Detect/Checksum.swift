import LacakSupport

/// A check-digit algorithm from the tracking_number_data schema, with its parameters.
///
/// The algorithms and their defaults follow the schema's documentation: `mod10`, `mod7`, `s10`,
/// `sum_product_with_weightings_and_modulo`, `mod_37_36` and `luhn`.
package enum Checksum: Sendable, Equatable {
    case mod10(odds: Int, evens: Int, modulo: Int, reverse: Bool)
    case mod7(modulo: Int)
    case s10(weights: [Int], modulo: Int)
    case sumProduct(weights: [Int], modulo1: Int, modulo2: Int)
    case mod3736(modulo: Int, alphabet: [Character])
    case luhn(modulo: Int)

    /// Reads a `validation.checksum` object; the error names what is wrong.
    init(_ value: JSONValue) throws(RuleFileError.Problem) {
        guard let name = value["name"]?.stringValue else { throw .init("checksum has no name") }
        func int(_ key: String, _ fallback: Int) throws(RuleFileError.Problem) -> Int {
            guard let raw = value[key] else { return fallback }
            guard let number = raw.integerValue, number > 0 else { throw .init("checksum \(key) must be a positive integer") }
            return Int(number)
        }
        func weights(_ key: String, _ fallback: [Int]?) throws(RuleFileError.Problem) -> [Int] {
            guard let list = value[key]?.arrayValue else {
                if let fallback { return fallback }
                throw .init("checksum \(name) needs \(key)")
            }
            var result: [Int] = []
            for entry in list {
                guard let number = entry.integerValue else { throw .init("checksum \(key) must be integers") }
                result.append(Int(number))
            }
            return result
        }
        switch name {
        case "mod10":
            let reverse: Bool
            if case .bool(let flag) = value["reverse"] ?? .bool(false) { reverse = flag } else { throw .init("checksum reverse must be true or false") }
            self = .mod10(odds: try int("odds_multiplier", 1), evens: try int("evens_multiplier", 1), modulo: try int("modulo", 10), reverse: reverse)
        case "mod7":
            self = .mod7(modulo: try int("modulo", 7))
        case "s10":
            self = .s10(weights: try weights("weightings", [8, 6, 4, 2, 3, 5, 9, 7]), modulo: try int("modulo", 11))
        case "sum_product_with_weightings_and_modulo":
            self = .sumProduct(weights: try weights("weightings", nil), modulo1: try int("modulo1", 11), modulo2: try int("modulo2", 10))
        case "mod_37_36":
            let alphabet = Array(value["alphabet"]?.stringValue ?? "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            guard alphabet.count >= 36 else { throw .init("checksum alphabet must have 36 characters") }
            self = .mod3736(modulo: try int("modulo", 36), alphabet: alphabet)
        case "luhn":
            self = .luhn(modulo: try int("modulo", 10))
        default:
            throw .init("unknown checksum '\(name)'; known: mod10, mod7, s10, sum_product_with_weightings_and_modulo, mod_37_36, luhn")
        }
    }

    /// Whether `checkDigit` is right for `serial` (both without spaces, upper case).
    package func verify(serial: String, checkDigit: String) -> Bool {
        switch self {
        case .mod10(let odds, let evens, let modulo, let reverse):
            var characters = Array(serial)
            if reverse { characters.reverse() }
            var sum = 0
            for (position, character) in characters.enumerated() {
                guard let value = Self.mod10Value(character) else { return false }
                sum += value * (position % 2 == 1 ? odds : evens)
            }
            let remainder = sum % modulo
            return checkDigit == String(remainder == 0 ? 0 : modulo - remainder)
        case .mod7(let modulo):
            var remainder = 0
            for character in serial {
                guard let digit = character.wholeNumberValue, character.isASCII else { return false }
                remainder = (remainder * 10 + digit) % modulo
            }
            return checkDigit == String(remainder)
        case .s10(let weights, let modulo):
            let digits = serial.compactMap { $0.isASCII ? $0.wholeNumberValue : nil }
            guard digits.count == serial.count, digits.count == weights.count else { return false }
            let remainder = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 } % modulo
            let expected = remainder == 1 ? 0 : remainder == 0 ? 5 : modulo - remainder
            return checkDigit == String(expected)
        case .sumProduct(let weights, let modulo1, let modulo2):
            let digits = serial.compactMap { $0.isASCII ? $0.wholeNumberValue : nil }
            guard digits.count == serial.count, digits.count <= weights.count else { return false }
            let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
            return checkDigit == String(sum % modulo1 % modulo2)
        case .mod3736(let modulo, let alphabet):
            var product = modulo
            for character in serial {
                guard let value = alphabet.firstIndex(of: character) else { return false }
                product += value
                if product > modulo { product -= modulo }
                product *= 2
                if product > modulo { product -= modulo + 1 }
            }
            let expected = modulo + 1 - product
            let index = expected == modulo ? 0 : expected
            guard index >= 0, index < alphabet.count else { return false }
            return checkDigit == String(alphabet[index])
        case .luhn(let modulo):
            var sum = 0
            for (position, character) in serial.reversed().enumerated() {
                guard let digit = character.wholeNumberValue, character.isASCII else { return false }
                if position % 2 == 0 {
                    let doubled = digit * 2
                    sum += doubled > 9 ? doubled - 9 : doubled
                } else {
                    sum += digit
                }
            }
            let remainder = sum % modulo
            return checkDigit == String(remainder == 0 ? 0 : modulo - remainder)
        }
    }

    /// Digits count as themselves; letters as (ASCII code − 3) mod 10.
    private static func mod10Value(_ character: Character) -> Int? {
        guard let ascii = character.asciiValue else { return nil }
        if ascii >= 0x30 && ascii <= 0x39 { return Int(ascii - 0x30) }
        if ascii >= 0x41 && ascii <= 0x5A { return (Int(ascii) - 3) % 10 }
        return nil
    }

    /// The algorithm's name as written in rule files.
    package var name: String {
        switch self {
        case .mod10: return "mod10"
        case .mod7: return "mod7"
        case .s10: return "s10"
        case .sumProduct: return "sum_product_with_weightings_and_modulo"
        case .mod3736: return "mod_37_36"
        case .luhn: return "luhn"
        }
    }
}
