import COpenSSL

/// HMAC-SHA256 and SHA-256 from OpenSSL's libcrypto (the system library libcurl already uses
/// for TLS), for signing API requests and checking webhook signatures.
package enum Digest {
    /// HMAC-SHA256 of `message` keyed with `key`: 32 bytes.
    package static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        // An empty key is passed as a pointer to one unused byte: OpenSSL reads a NULL key as
        // "keep the previous one".
        let keyBytes = key.isEmpty ? [0] : key
        keyBytes.withUnsafeBufferPointer { keyBuffer in
            message.withUnsafeBufferPointer { messageBuffer in
                output.withUnsafeMutableBufferPointer { out in
                    _ = HMAC(EVP_sha256(), keyBuffer.baseAddress, Int32(key.count), messageBuffer.baseAddress, messageBuffer.count, out.baseAddress, &length)
                }
            }
        }
        return Array(output.prefix(Int(length)))
    }

    /// SHA-256 of `bytes`: 32 bytes.
    package static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                _ = SHA256(input.baseAddress, input.count, out.baseAddress)
            }
        }
        return output
    }

    /// Lowercase hexadecimal.
    package static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Whether two byte strings are equal, in time that depends only on their length, so a
    /// signature check tells an attacker nothing about how much of a guess was right.
    package static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        if left.isEmpty { return true }
        return left.withUnsafeBytes { a in right.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, left.count) == 0 } }
    }
}
