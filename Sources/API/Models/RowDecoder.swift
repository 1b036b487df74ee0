import Engine
import JSON

/// Turns the `data` rows of insert and upsert into engine rows, checking every value against the schema
/// (reference §7.2). Any problem rejects the whole request with 1804 and names the row and the field.
struct RowDecoder {
    let schema: CollectionSchema
    let properties: [Property]
    /// Upsert needs the primary key even when it is auto-generated on insert.
    let isUpsert: Bool
    /// When JSON fields are native (the default), a string stays a string; otherwise a string holding JSON
    /// text is unwrapped, as Milvus 2.x does.
    let nativeJSON: Bool

    struct Failure: Error {
        let message: String
    }

    func error(_ row: Int, _ field: String, _ message: String) -> SwiftvecError {
        SwiftvecError(.invalidInsertData, "fail to deal the insert data, error: data[\(row)].\(field): \(message)")
    }

    /// Decodes every row; with `partial`, fields absent from a row are left out (and reported in the set).
    func decode(_ data: [JSONValue], partial: Bool = false) throws(SwiftvecError) -> ([EntityRow], Set<String>) {
        guard !data.isEmpty else {
            throw SwiftvecError(.invalidInsertData, "fail to deal the insert data, error: missing required parameters")
        }
        let allowAutoID = properties.value(of: "allow_insert_auto_id")?.lowercased() == "true"
        var rows: [EntityRow] = []
        rows.reserveCapacity(data.count)
        var providedFields: Set<String>?
        for (r, value) in data.enumerated() {
            guard case .object(let object) = value else {
                throw SwiftvecError(.invalidInsertData, "fail to deal the insert data, error: data[\(r)]: expected an object, got \(value.typeName)")
            }
            var values = [FieldValue](repeating: .null, count: schema.fields.count)
            var provided = Set<String>()
            for (f, field) in schema.fields.enumerated() {
                let given = object[field.name]
                if field.isPrimaryKey && field.autoID && !isUpsert {
                    if let given, !given.isNull, !allowAutoID {
                        throw error(r, field.name, "no need to pass pk field(\(field.name)) when autoid==true in insert")
                    }
                    if let given, !given.isNull { values[f] = try decodeValue(given, field: field, row: r) }
                    continue
                }
                guard let given, !given.isNull else {
                    if partial && given == nil { continue }
                    if let d = field.defaultValue {
                        values[f] = field.fieldValue(of: d)
                        if given != nil || !partial { provided.insert(field.name) }
                        continue
                    }
                    if field.nullable {
                        if given != nil { provided.insert(field.name) }
                        continue
                    }
                    throw error(r, field.name, "field \(field.name) is required")
                }
                provided.insert(field.name)
                values[f] = try decodeValue(given, field: field, row: r)
            }
            var dynamic: JSONObject?
            for entry in object.entries where schema.field(named: entry.key) == nil {
                guard schema.enableDynamicField else {
                    throw error(r, entry.key, "has pass more field without dynamic schema, please check it: invalid parameter")
                }
                guard entry.key != "$meta" else { throw error(r, entry.key, "the key $meta is reserved") }
                if dynamic == nil { dynamic = JSONObject() }
                dynamic![entry.key] = entry.value
                provided.insert("$meta")
            }
            if partial {
                if let previous = providedFields, previous != provided {
                    throw SwiftvecError(.invalidInsertData, "fail to deal the insert data, error: data[\(r)]: with partialUpdate every row must carry the same fields")
                }
                providedFields = provided
            }
            rows.append(EntityRow(values: values, dynamic: dynamic))
        }
        return (rows, providedFields ?? [])
    }

    func decodeValue(_ v: JSONValue, field: FieldSchema, row r: Int) throws(SwiftvecError) -> FieldValue {
        let name = field.name
        switch field.dataType {
        case .bool, .int8, .int16, .int32, .int64, .float, .double, .varChar:
            return try scalar(v, type: field.dataType, maxLength: field.maxLength, row: r, path: name)
        case .json:
            if !nativeJSON, case .string(let text) = v, let parsed = try? JSONParser.parse(text) { return .json(parsed) }
            return .json(v)
        case .array:
            guard case .array(let items) = v else { throw error(r, name, "expected an array, got \(v.typeName)") }
            let capacity = field.maxCapacity ?? 0
            guard items.count <= capacity else {
                throw error(r, name, "array length \(items.count) exceeds max_capacity \(capacity)")
            }
            var result: [FieldValue] = []
            result.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                guard !item.isNull else { throw error(r, "\(name)[\(i)]", "null is not allowed in an array") }
                result.append(try scalar(item, type: field.elementType ?? .int64, maxLength: field.maxLength, row: r, path: "\(name)[\(i)]"))
            }
            return .array(result)
        case .floatVector:
            return .floatVector(try floats(v, field: field, row: r))
        case .float16Vector, .bFloat16Vector:
            let dim = field.dimension ?? 0
            if case .string(let text) = v {
                guard let bytes = Base64.decode(text), bytes.count == dim * 2 else {
                    throw error(r, name, "expected base64 of \(dim * 2) bytes (\(dim) \(field.dataType.name) values)")
                }
                let halfs = (0..<dim).map { UInt16(bytes[2 * $0]) | UInt16(bytes[2 * $0 + 1]) << 8 }
                if field.dataType == .float16Vector, halfs.contains(where: { Float(Float16(bitPattern: $0)).isFinite == false }) {
                    throw error(r, name, "NaN or infinite values are not allowed in a vector")
                }
                if field.dataType == .bFloat16Vector, halfs.contains(where: { !Float(bitPattern: UInt32($0) << 16).isFinite }) {
                    throw error(r, name, "NaN or infinite values are not allowed in a vector")
                }
                return .bytes(bytes)
            }
            let values = try floats(v, field: field, row: r)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(dim * 2)
            for x in values {
                let bits = field.dataType == .float16Vector ? Float16(x).bitPattern : Self.bfloat16(x)
                if field.dataType == .float16Vector, !Float16(x).isFinite {
                    throw error(r, name, "\(x) is out of the Float16 range")
                }
                if field.dataType == .bFloat16Vector, !Float(bitPattern: UInt32(bits) << 16).isFinite {
                    throw error(r, name, "\(x) is out of the BFloat16 range")
                }
                bytes.append(UInt8(truncatingIfNeeded: bits))
                bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
            }
            return .bytes(bytes)
        case .binaryVector:
            let n = (field.dimension ?? 0) / 8
            if case .string(let text) = v {
                guard let bytes = Base64.decode(text), bytes.count == n else {
                    throw error(r, name, "expected base64 of \(n) bytes for a BinaryVector of dim \(n * 8)")
                }
                return .bytes(bytes)
            }
            guard case .array(let items) = v else { throw error(r, name, "expected a base64 string or an array of \(n) bytes") }
            guard items.count == n else {
                throw error(r, name, "[]byte size \(items.count) doesn't equal to vector dimension \(n * 8) of BinaryVector (\(n) bytes): invalid parameter")
            }
            var bytes: [UInt8] = []
            for (i, item) in items.enumerated() {
                guard let b = item.intValue, b >= 0, b <= 255 else { throw error(r, "\(name)[\(i)]", "expected a byte 0..255") }
                bytes.append(UInt8(b))
            }
            return .bytes(bytes)
        case .int8Vector:
            let dim = field.dimension ?? 0
            guard case .array(let items) = v else { throw error(r, name, "expected an array of \(dim) integers") }
            guard items.count == dim else {
                throw error(r, name, "[]int8 size \(items.count) doesn't equal to vector dimension \(dim) of Int8Vector: invalid parameter")
            }
            var result: [Int8] = []
            result.reserveCapacity(dim)
            for (i, item) in items.enumerated() {
                guard let x = item.intValue, x >= -128, x <= 127 else { throw error(r, "\(name)[\(i)]", "expected an integer -128..127") }
                result.append(Int8(x))
            }
            return .int8Vector(result)
        case .sparseFloatVector:
            return .sparse(try sparse(v, row: r, name: name))
        }
    }

    private func floats(_ v: JSONValue, field: FieldSchema, row r: Int) throws(SwiftvecError) -> [Float] {
        let dim = field.dimension ?? 0
        guard case .array(let items) = v else { throw error(r, field.name, "expected an array of \(dim) numbers, got \(v.typeName)") }
        guard items.count == dim else {
            throw error(r, field.name, "[]float32 size \(items.count) doesn't equal to vector dimension \(dim) of \(field.dataType.name): invalid parameter")
        }
        var result = [Float]()
        result.reserveCapacity(dim)
        for (i, item) in items.enumerated() {
            guard let d = item.doubleValue else { throw error(r, "\(field.name)[\(i)]", "expected a number, got \(item.typeName)") }
            let f = Float(d)
            guard f.isFinite else { throw error(r, "\(field.name)[\(i)]", "\(d) is out of the float32 range") }
            result.append(f)
        }
        return result
    }

    private func sparse(_ v: JSONValue, row r: Int, name: String) throws(SwiftvecError) -> SparseVector {
        guard case .object(let o) = v else { throw error(r, name, "expected an object {index: value} or {\"indices\":[...],\"values\":[...]}") }
        var pairs: [(UInt32, Float)] = []
        if let indices = o["indices"]?.arrayValue, let values = o["values"]?.arrayValue, o.count == 2 {
            guard indices.count == values.count else { throw error(r, name, "indices and values differ in length") }
            for (i, v) in zip(indices, values) {
                guard let index = i.intValue, index >= 0, index < Int64(UInt32.max) else { throw error(r, name, "index \(RequestBody.stringify(i)) is not in [0, 2^32-1)") }
                guard let value = v.doubleValue, Float(value).isFinite else { throw error(r, name, "value \(RequestBody.stringify(v)) is not a finite number") }
                pairs.append((UInt32(index), Float(value)))
            }
        } else {
            for entry in o.entries {
                guard let index = UInt32(entry.key), index < UInt32.max else { throw error(r, name, "index \(entry.key) is not in [0, 2^32-1)") }
                guard let value = entry.value.doubleValue, Float(value).isFinite else { throw error(r, name, "value of index \(entry.key) is not a finite number") }
                pairs.append((index, Float(value)))
            }
        }
        pairs.sort { $0.0 < $1.0 }
        for k in pairs.indices.dropFirst() where pairs[k].0 == pairs[k - 1].0 {
            throw error(r, name, "index \(pairs[k].0) appears twice")
        }
        return SparseVector(indices: pairs.map(\.0), values: pairs.map(\.1))
    }

    private func scalar(_ v: JSONValue, type: DataType, maxLength: Int?, row r: Int, path: String) throws(SwiftvecError) -> FieldValue {
        switch type {
        case .bool:
            switch v {
            case .bool(let b): return .bool(b)
            case .string(let text) where APIServer.parseBool(text) != nil: return .bool(APIServer.parseBool(text)!)
            default: throw error(r, path, "expected a bool, got \(v.typeName)")
            }
        case .int8, .int16, .int32, .int64:
            let range: ClosedRange<Int64> = switch type {
            case .int8: -128...127
            case .int16: -32_768...32_767
            case .int32: Int64(Int32.min)...Int64(Int32.max)
            default: Int64.min...Int64.max
            }
            var value: Int64?
            switch v {
            case .int(let i), .int64Datum(let i): value = i
            case .double(let d) where d == d.rounded() && abs(d) < 9.2e18: value = Int64(d)
            case .string(let s): value = Int64(s)
            default: value = nil
            }
            guard let value else { throw error(r, path, "expected an integer (\(type.name)), got \(RequestBody.stringify(v))") }
            guard range.contains(value) else { throw error(r, path, "\(value) is out of the range of \(type.name)") }
            return .int(value)
        case .float, .double:
            var value: Double?
            switch v {
            case .string(let s): value = Double(s)
            default: value = v.doubleValue
            }
            guard let value, value.isFinite else { throw error(r, path, "expected a finite number (\(type.name)), got \(RequestBody.stringify(v))") }
            if type == .float {
                guard Float(value).isFinite else { throw error(r, path, "\(value) is out of the float32 range") }
                return .float(Float(value))
            }
            return .double(value)
        case .varChar:
            let s: String
            switch v {
            case .string(let text): s = text
            case .int, .int64Datum, .double, .float, .bool: s = RequestBody.stringify(v)
            default: throw error(r, path, "expected a string, got \(v.typeName)")
            }
            if let maxLength, s.utf8.count > maxLength {
                throw error(r, path, "the length (\(s.utf8.count)) of the string exceeds max length (\(maxLength))")
            }
            return .string(s)
        default:
            throw error(r, path, "unsupported element type \(type.name)")
        }
    }

    /// Round-to-nearest-even truncation of a Float to bfloat16.
    static func bfloat16(_ x: Float) -> UInt16 {
        let bits = x.bitPattern
        let rounding = ((bits >> 16) & 1) + 0x7FFF
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }
}
