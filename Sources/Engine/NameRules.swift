/// Milvus's naming rules for databases, collections, partitions, fields, indexes and aliases: a letter or
/// `_` first, then letters, digits and `_`, at most 255 characters.
public enum NameRules {
    public static let maxLength = 255

    /// Checks `name`; `kind` names the thing in the message ("collection", "field", ...).
    public static func validate(_ name: String, kind: String, code: ErrorCode = .invalidParameter,
                                maxLength: Int = maxLength) throws(SwiftvecError) {
        func fail(_ reason: String) -> SwiftvecError {
            SwiftvecError(code, "Invalid \(kind) name: \(name). \(reason): invalid parameter")
        }
        guard !name.isEmpty else {
            throw SwiftvecError(code, "\(kind) name should not be empty: invalid parameter")
        }
        guard name.utf8.count <= maxLength else {
            throw fail("the length of a \(kind) name must be less than \(maxLength) characters")
        }
        let bytes = Array(name.utf8)
        let first = bytes[0]
        guard first == UInt8(ascii: "_") || isLetter(first) else {
            throw fail("the first character of a \(kind) name must be an underscore or letter")
        }
        for b in bytes.dropFirst() where !(b == UInt8(ascii: "_") || isLetter(b) || (b >= 48 && b <= 57)) {
            throw fail("\(kind) name can only contain numbers, letters and underscores")
        }
    }

    private static func isLetter(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) }
}
