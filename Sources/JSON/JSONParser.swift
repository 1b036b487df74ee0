import CJansson

/// Parses JSON text with jansson into an exact `JSONValue`.
///
/// jansson keeps integers as `long long`, so 64-bit integers are exact; numbers with a fraction or an
/// exponent become `Double`. Integers outside the 64-bit range are rejected by jansson ("too big integer").
public enum JSONParser {
    /// Parses a whole document (any JSON value at the top level).
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> JSONValue {
        var error = json_error_t()
        let flags = JSON_DECODE_ANY | JSON_ALLOW_NUL
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self),
            let root = json_loadb(base, bytes.count, Int(flags), &error)
        else {
            if bytes.isEmpty { throw JSONError(message: "empty document") }
            throw JSONError(
                message: withUnsafeBytes(of: &error.text) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) },
                line: Int(error.line), column: Int(error.column), position: Int(error.position))
        }
        defer { json_decref(root) }
        return convert(root)
    }

    public static func parse(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
        var result: Result<JSONValue, JSONError> = .success(.null)
        bytes.withUnsafeBytes { raw in
            do throws(JSONError) { result = .success(try parse(raw)) } catch { result = .failure(error) }
        }
        return try result.get()
    }

    public static func parse(_ text: String) throws(JSONError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    private static func convert(_ j: UnsafeMutablePointer<json_t>) -> JSONValue {
        switch json_type(rawValue: UInt32(swiftvec_json_type(j))) {
        case JSON_OBJECT:
            var entries: [JSONObject.Entry] = []
            entries.reserveCapacity(json_object_size(j))
            var iter = json_object_iter(j)
            while let it = iter {
                let key = json_object_iter_key(it)!
                let keyLength = json_object_iter_key_len(it)
                let keyString = key.withMemoryRebound(to: UInt8.self, capacity: keyLength) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: keyLength), as: UTF8.self)
                }
                entries.append(JSONObject.Entry(key: keyString, value: convert(json_object_iter_value(it))))
                iter = json_object_iter_next(j, it)
            }
            return .object(JSONObject(entries: entries))
        case JSON_ARRAY:
            let n = json_array_size(j)
            var items: [JSONValue] = []
            items.reserveCapacity(n)
            for i in 0..<n { items.append(convert(json_array_get(j, i))) }
            return .array(items)
        case JSON_STRING:
            let n = json_string_length(j)
            return .string(json_string_value(j).withMemoryRebound(to: UInt8.self, capacity: n) {
                String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self)
            })
        case JSON_INTEGER: return .int(Int64(json_integer_value(j)))
        case JSON_REAL: return .double(json_real_value(j))
        case JSON_TRUE: return .bool(true)
        case JSON_FALSE: return .bool(false)
        default: return .null
        }
    }
}
