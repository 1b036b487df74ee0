import CJansson
import CSimdJSON

/// Parses JSON text into an exact `JSONValue`.
///
/// simdjson does the parsing (about 15 times faster than jansson on vector payloads, which measured about
/// 30 MB/s here); when a document is invalid, jansson parses it again to report the line and column.
/// Integers stay 64-bit exact; numbers with a fraction or an exponent become `Double`; integers outside
/// the signed 64-bit range are refused.
public enum JSONParser {
    /// Parses a whole document (any JSON value at the top level).
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> JSONValue {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { throw JSONError(message: "empty document") }
        var count = 0
        var message: UnsafePointer<CChar>?
        guard let events = svj_parse(base.assumingMemoryBound(to: CChar.self), bytes.count, &count, &message) else {
            // Ask jansson where the document breaks; fall back to simdjson's own message.
            do {
                _ = try parseWithJansson(bytes)
            } catch {
                throw error
            }
            throw JSONError(message: message.map { String(cString: $0) } ?? "invalid JSON")
        }
        var position = 0
        return build(UnsafeBufferPointer(start: events, count: count), &position)
    }

    private static func build(_ events: UnsafeBufferPointer<svj_event>, _ i: inout Int) -> JSONValue {
        let e = events[i]
        i += 1
        switch Int(e.type) {
        case SVJ_INT: return .int(e.value.integer)
        case SVJ_DOUBLE: return .double(e.value.real)
        case SVJ_STRING: return .string(string(e))
        case SVJ_TRUE: return .bool(true)
        case SVJ_FALSE: return .bool(false)
        case SVJ_ARRAY:
            // Numbers (a vector's components) are taken in the loop rather than by a call each, and the
            // array is written in place: a 768-d query vector cost about 66 instructions a component here.
            let n = Int(e.length)
            return .array([JSONValue](unsafeUninitializedCapacity: n) { items, count in
                for k in 0..<n {
                    let x = events[i]
                    let item: JSONValue
                    switch Int(x.type) {
                    case SVJ_DOUBLE:
                        item = .double(x.value.real)
                        i += 1
                    case SVJ_INT:
                        item = .int(x.value.integer)
                        i += 1
                    default: item = build(events, &i)
                    }
                    (items.baseAddress! + k).initialize(to: item)
                    count = k + 1
                }
            })
        case SVJ_OBJECT:
            let n = Int(e.length)
            var entries: [JSONObject.Entry] = []
            entries.reserveCapacity(n)
            for _ in 0..<n {
                let key = string(events[i])
                i += 1
                entries.append(JSONObject.Entry(key: key, value: build(events, &i)))
            }
            return .object(JSONObject(entries: entries))
        default: return .null
        }
    }

    private static func string(_ e: svj_event) -> String {
        let n = Int(e.length)
        return e.value.string.withMemoryRebound(to: UInt8.self, capacity: n) {
            String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self)
        }
    }

    /// jansson's parse, used for its precise error positions.
    static func parseWithJansson(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> JSONValue {
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
