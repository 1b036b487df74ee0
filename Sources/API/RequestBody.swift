import Engine
import JSON

/// The parsed JSON body of a request, with typed accessors that fail the way Milvus's REST layer does:
/// a missing required field is 1802 (with the Go validator's wording, naming the field), a field of the
/// wrong JSON type is 1801 naming the field and both types. Unknown keys are ignored, as in Milvus.
struct RequestBody {
    let object: JSONObject
    /// The Milvus request struct name, used in 1802 messages (`CollectionNameReq`).
    let structName: String

    /// Parses `bytes`; an empty body or anything but a JSON object is 1801.
    init(bytes: [UInt8], structName: String) throws(SwiftvecError) {
        self.structName = structName
        guard bytes.contains(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) else {
            throw SwiftvecError(.invalidJSON, "can only accept json format request, the request body should be nil, however {} is valid")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw SwiftvecError(.invalidJSON, "can only accept json format request, error: \(error)")
        }
        guard case .object(let object) = value else {
            throw SwiftvecError(.invalidJSON, "can only accept json format request, error: the request body must be a JSON object, got \(value.typeName)")
        }
        self.object = object
    }

    init(object: JSONObject, structName: String) {
        self.object = object
        self.structName = structName
    }

    /// The name of `key` in messages, with the nesting path.
    func path(_ key: String) -> String { prefix.isEmpty ? key : "\(prefix).\(key)" }

    func missing(_ key: String) -> SwiftvecError {
        if !prefix.isEmpty {
            return SwiftvecError(.missingRequiredParameter, "missing required parameters, error: \(path(key)) is required")
        }
        let field = key.prefix(1).uppercased() + key.dropFirst()
        return SwiftvecError(.missingRequiredParameter,
                             "missing required parameters, error: Key: '\(structName).\(field)' Error:Field validation for '\(field)' failed on the 'required' tag")
    }

    func wrongType(_ key: String, expected: String, got value: JSONValue) -> SwiftvecError {
        SwiftvecError(.invalidJSON, "can only accept json format request, error: \(path(key)): expected \(expected), got \(value.typeName)")
    }

    /// The value of `key`, treating JSON `null` as absent (as Go does).
    func value(_ key: String) -> JSONValue? {
        guard let v = object[key], !v.isNull else { return nil }
        return v
    }

    func string(_ key: String) throws(SwiftvecError) -> String? {
        guard let v = value(key) else { return nil }
        guard case .string(let s) = v else { throw wrongType(key, expected: "a string", got: v) }
        return s
    }

    /// A required string: absent or empty is 1802.
    func requiredString(_ key: String) throws(SwiftvecError) -> String {
        guard let s = try string(key), !s.isEmpty else { throw missing(key) }
        return s
    }

    func bool(_ key: String) throws(SwiftvecError) -> Bool? {
        guard let v = value(key) else { return nil }
        guard case .bool(let b) = v else { throw wrongType(key, expected: "a bool", got: v) }
        return b
    }

    /// An integer within `range` (a JSON number without fraction).
    func int(_ key: String, range: ClosedRange<Int64> = Int64(Int32.min)...Int64(Int32.max)) throws(SwiftvecError) -> Int64? {
        guard let v = value(key) else { return nil }
        guard let i = v.intValue else { throw wrongType(key, expected: "an integer", got: v) }
        guard range.contains(i) else {
            throw SwiftvecError(.invalidJSON, "can only accept json format request, error: \(path(key)): \(i) is out of range [\(range.lowerBound), \(range.upperBound)]")
        }
        return i
    }

    func object(_ key: String) throws(SwiftvecError) -> JSONObject? {
        guard let v = value(key) else { return nil }
        guard case .object(let o) = v else { throw wrongType(key, expected: "an object", got: v) }
        return o
    }

    func array(_ key: String) throws(SwiftvecError) -> [JSONValue]? {
        guard let v = value(key) else { return nil }
        guard case .array(let a) = v else { throw wrongType(key, expected: "an array", got: v) }
        return a
    }

    func stringArray(_ key: String) throws(SwiftvecError) -> [String]? {
        guard let items = try array(key) else { return nil }
        var result: [String] = []
        result.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item else { throw wrongType("\(key)[\(i)]", expected: "a string", got: item) }
            result.append(s)
        }
        return result
    }

    /// A required array of strings: absent or null is 1802, `[]` passes (Go's rule for slices).
    func requiredStringArray(_ key: String) throws(SwiftvecError) -> [String] {
        guard let a = try stringArray(key) else { throw missing(key) }
        return a
    }

    /// A nested object read with the same accessors; `path` prefixes messages (`schema.fields[2]`).
    func nested(_ object: JSONObject, path: String) -> RequestBody {
        RequestBody(object: object, structName: structName).prefixed(path)
    }

    private var prefix = ""
    private func prefixed(_ path: String) -> RequestBody {
        var copy = self
        copy.prefix = path
        return copy
    }
}

extension RequestBody {
    /// Milvus stringifies property and parameter values: strings as they are, numbers and bools in their
    /// text form, objects and arrays as JSON text.
    static func properties(_ object: JSONObject) -> [Property] {
        object.entries.map { Property($0.key, stringify($0.value)) }
    }

    static func stringify(_ value: JSONValue) -> String {
        if case .string(let s) = value { return s }
        return JSONWriter().encodeString(value)
    }
}
