import CXCrypt

/// Slow salted password hashes (yescrypt, from libxcrypt), in the `$y$...` text form `crypt(5)` describes.
///
/// A hash costs tens of milliseconds on purpose; callers cache what they verified rather than hash on
/// every request.
public enum PasswordHash {
    /// The method prefix: yescrypt, libxcrypt's default and strongest.
    static let prefix = "$y$"

    /// A new hash of `password` with a fresh random salt (from the operating system), or nil if libxcrypt
    /// fails (no randomness available).
    public static func make(_ password: String) -> String? {
        var setting = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        // A nil random-bytes argument asks libxcrypt to draw the salt from the OS; count 0 = default cost.
        guard crypt_gensalt_rn(prefix, 0, nil, 0, &setting, Int32(setting.count)) != nil else { return nil }
        return hash(password, setting: setting)
    }

    /// True when `password` hashes to `stored` (compared in constant time).
    public static func verify(_ password: String, against stored: String) -> Bool {
        guard stored.hasPrefix(prefix), let computed = hash(password, setting: Array(stored.utf8CString)) else { return false }
        let a = Array(computed.utf8), b = Array(stored.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    private static func hash(_ password: String, setting: [CChar]) -> String? {
        // `struct crypt_data` is ~32 KB: on the heap, not the stack of an HTTP worker.
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer {
            // The work area held the password: clear it before freeing.
            UnsafeMutableRawPointer(data).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<crypt_data>.size)
            data.deallocate()
        }
        UnsafeMutableRawPointer(data).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<crypt_data>.size)
        guard let out = crypt_rn(password, setting, UnsafeMutableRawPointer(data), Int32(MemoryLayout<crypt_data>.size)) else {
            return nil
        }
        let text = String(cString: out)
        // libxcrypt signals failure with a string starting with "*".
        return text.hasPrefix("*") ? nil : text
    }
}
