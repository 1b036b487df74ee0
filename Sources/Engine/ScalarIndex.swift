import Filter
import Glibc
import JSON

/// A scalar index over one field of a segment (INVERTED, STL_SORT, BITMAP and Trie are all served by it):
/// the non-null values of the first `covered` rows, sorted, with their positions. Equality, `in`, ranges
/// and prefix `like` become binary searches over it; rows appended after it was built are evaluated row by
/// row. On an Array field the keys are the elements (a row once per element), and it answers
/// `array_contains`, `array_contains_any` and `array_contains_all`. On a JSON field it keys the value at
/// one path (`json_path`) when it has the cast type (`json_cast_type`; an `ARRAY_*` cast keys the elements
/// of an array there): other rows are unknown to comparisons, as a scan finds them. Values never change
/// in place (an upsert is a delete and an insert), so an index stays right for the rows it covers;
/// deleted rows are masked by the filter as always. Immutable once built.
final class ScalarIndex: Sendable {
    enum Keys: Sendable {
        case ints([Int64])
        case doubles([Double])
        case strings([String])
    }

    let field: Int
    let covered: Int
    let keys: Keys
    /// A bool field: only equality is defined on it (an ordering of bools is unknown, as in a scan).
    let isBool: Bool
    /// An Array field, or a JSON path cast to an array: the keys are the elements.
    let isArray: Bool
    /// A JSON field: the path whose value is keyed.
    let jsonPath: [FilterExpression.PathComponent]?
    /// A JSON field: the covered rows that have a key (the rest are unknown to a comparison).
    let known: [Bool]?
    /// A JSON field: the covered rows with a non-null value at the path, of any type (`in` is false, not
    /// unknown, for a value of another type, as a scan finds it).
    let present: [Bool]?
    let positions: [Int32]

    /// The type a JSON path index reads its values as.
    struct JSONCast: Sendable {
        let path: [FilterExpression.PathComponent]
        /// `.bool`, `.double` or `.varChar`.
        let type: DataType
        let array: Bool

        /// From `json_cast_type` (BOOL, DOUBLE, VARCHAR, ARRAY_BOOL, ARRAY_DOUBLE, ARRAY_VARCHAR).
        init?(path: [FilterExpression.PathComponent], castType: String) {
            let name = castType.uppercased()
            array = name.hasPrefix("ARRAY_")
            switch array ? String(name.dropFirst(6)) : name {
            case "BOOL": type = .bool
            case "DOUBLE": type = .double
            case "VARCHAR": type = .varChar
            default: return nil
            }
            self.path = path
        }

        /// The value `v` as a key of this type; nil when it is not of the type. Integers a Double cannot
        /// hold exactly make the whole index impossible (`exact` is cleared): a scan compares them exactly.
        func key(_ v: JSONValue, exact: inout Bool) -> FieldValue? {
            switch (type, v) {
            case (.bool, .bool(let b)): return .bool(b)
            case (.varChar, .string(let s)): return .string(s)
            case (.double, .double(let d)): return .double(d)
            case (.double, .float(let f)): return .double(Double(f))
            case (.double, .int(let i)), (.double, .int64Datum(let i)):
                if i.magnitude >= 1 << 53 { exact = false }
                return .int(i)
            default: return nil
            }
        }
    }

    private static let scalarTypes: [DataType] = [.bool, .int8, .int16, .int32, .int64, .float, .double, .varChar]

    /// The field types it serves: booleans, numbers, strings, and arrays of them.
    static func serves(_ field: FieldSchema) -> Bool {
        scalarTypes.contains(field.dataType) || field.dataType == .json
            || (field.dataType == .array && field.elementType.map(scalarTypes.contains) == true)
    }

    /// Sorts the non-null values of `column`'s first `count` rows (for a JSON field, those at `json`'s path);
    /// nil for a type it does not serve (or a NaN among the values).
    init?(column: Column, field: Int, count: Int, json: JSONCast? = nil) {
        let nonNull = (0..<count).filter { !column.isNull($0) }
        var rowOfKey = nonNull
        let type: DataType
        // Scalars: one key per row. Arrays and JSON: the keys gathered in `elements`, read through the same
        // accessors as scalars.
        var elements: [FieldValue] = []
        var known: [Bool]?, present: [Bool]?
        switch column.field.dataType {
        case .array:
            type = column.field.elementType ?? .array
            var rows: [Int] = []
            for i in nonNull {
                elements.append(contentsOf: column.arrays[i])
                rows.append(contentsOf: repeatElement(i, count: column.arrays[i].count))
            }
            rowOfKey = rows
        case .json:
            guard let json else { return nil }
            type = json.type
            var rows: [Int] = [], exact = true, flags = [Bool](repeating: false, count: count), valued = flags
            for i in nonNull {
                guard let v = column.jsons[i].at(json.path) else { continue }
                if v != .null { valued[i] = true }
                if json.array {
                    guard case .array(let items) = v else { continue }
                    for item in items {
                        if let key = json.key(item, exact: &exact) {
                            elements.append(key)
                            rows.append(i)
                        }
                    }
                    flags[i] = true
                } else if let key = json.key(v, exact: &exact) {
                    elements.append(key)
                    rows.append(i)
                    flags[i] = true
                }
            }
            guard exact else { return nil }
            rowOfKey = rows
            known = flags
            present = valued
        default:
            type = column.field.dataType
        }
        let isArray = column.field.dataType == .array || json?.array == true
        let fromElements = column.field.dataType == .array || column.field.dataType == .json
        func int(_ k: Int) -> Int64? {
            guard fromElements else { return type == .bool ? (column.bools[rowOfKey[k]] ? 1 : 0) : column.ints[rowOfKey[k]] }
            switch elements[k] {
            case .int(let v): return v
            case .bool(let b): return b ? 1 : 0
            default: return nil
            }
        }
        func double(_ k: Int) -> Double? {
            guard fromElements else { return type == .float ? Double(column.floats[rowOfKey[k]]) : column.doubles[rowOfKey[k]] }
            switch elements[k] {
            case .float(let v): return Double(v)
            case .double(let v): return v
            case .int(let v): return Double(v)
            default: return nil
            }
        }
        func string(_ k: Int) -> String? {
            guard fromElements else { return column.strings[rowOfKey[k]] }
            if case .string(let v) = elements[k] { return v }
            return nil
        }
        let order: [Int]
        switch type {
        case .bool, .int8, .int16, .int32, .int64:
            let values = rowOfKey.indices.compactMap(int)
            guard values.count == rowOfKey.count else { return nil }
            order = values.indices.sorted { (values[$0], $0) < (values[$1], $1) }
            keys = .ints(order.map { values[$0] })
        case .float, .double:
            let values = rowOfKey.indices.compactMap(double)
            guard values.count == rowOfKey.count else { return nil }
            // NaN has no place in an order (and compares as unknown, which a mask cannot say): such a column is
            // not indexed, and filters on it are evaluated column at a time.
            if values.contains(where: \.isNaN) { return nil }
            order = values.indices.sorted { (values[$0], $0) < (values[$1], $1) }
            keys = .doubles(order.map { values[$0] })
        case .varChar:
            // Sorted by UTF-8 bytes, so that a prefix is one contiguous range.
            let values = rowOfKey.indices.compactMap(string)
            guard values.count == rowOfKey.count else { return nil }
            order = values.indices.sorted { a, b in
                let ordered = Self.compare(values[a], values[b])
                return ordered == 0 ? a < b : ordered < 0
            }
            keys = .strings(order.map { values[$0] })
        default:
            return nil
        }
        self.field = field
        covered = count
        isBool = type == .bool
        self.isArray = isArray
        jsonPath = json?.path
        self.known = known
        self.present = present
        positions = order.map { Int32(rowOfKey[$0]) }
    }

    /// An index from its parts (one read back from its file).
    init(field: Int, covered: Int, keys: Keys, isBool: Bool, isArray: Bool, jsonPath: [FilterExpression.PathComponent]?,
         known: [Bool]?, present: [Bool]?, positions: [Int32]) {
        self.field = field
        self.covered = covered
        self.keys = keys
        self.isBool = isBool
        self.isArray = isArray
        self.jsonPath = jsonPath
        self.known = known
        self.present = present
        self.positions = positions
    }

    /// The covered rows (a flag per position below `covered`) for which `field op value` holds, or nil when
    /// the index cannot answer this comparison (then the rows are evaluated one by one).
    func rows(_ op: BinaryOperator, _ value: FilterValue) -> [Bool]? {
        guard !isArray, let (low, high) = bounds(value), !isBool || op == .equal || op == .notEqual else { return nil }
        let n = positions.count
        switch op {
        case .equal: return mask([low..<high])
        case .notEqual: return mask([0..<low, high..<n])
        case .less: return mask([0..<low])
        case .lessEqual: return mask([0..<high])
        case .greater: return mask([high..<n])
        case .greaterEqual: return mask([low..<n])
        default: return nil
        }
    }

    /// Rows whose value is one of `values` (nil if one of them cannot be looked up).
    func rows(in values: [FilterValue]) -> [Bool]? {
        guard !isArray else { return nil }
        var ranges: [Range<Int>] = []
        for v in values {
            guard let (low, high) = bounds(v) else { return nil }
            ranges.append(low..<high)
        }
        return mask(ranges)
    }

    /// Rows whose string value starts with `prefix`.
    func rows(withPrefix prefix: String) -> [Bool]? {
        guard !isArray, case .strings(let strings) = keys else { return nil }
        let low = lowerBound { Self.compare(strings[$0], prefix) >= 0 }
        let high = lowerBound { !strings[$0].utf8.starts(with: prefix.utf8) && Self.compare(strings[$0], prefix) > 0 }
        return mask([low..<high])
    }

    /// Array rows holding `values`: every one of them (`all`), or at least one (`any`); nil when one of them
    /// cannot be looked up, or for an empty `all` (true for every row, which the scan answers).
    func rows(containing values: [FilterValue], all: Bool) -> [Bool]? {
        guard isArray, !(all && values.isEmpty) else { return nil }
        var ranges: [Range<Int>] = []
        for v in values {
            guard let (low, high) = bounds(v) else { return nil }
            ranges.append(low..<high)
        }
        guard all else { return mask(ranges) }
        var result = mask([ranges[0]])
        for range in ranges.dropFirst() {
            let next = mask([range])
            for i in result.indices where result[i] && !next[i] { result[i] = false }
        }
        return result
    }

    /// Rows whose value is not null (the complement of a negated lookup must not include nulls).
    func nonNullRows() -> [Bool] { mask([0..<positions.count]) }

    private func mask(_ ranges: [Range<Int>]) -> [Bool] {
        var result = [Bool](repeating: false, count: covered)
        positions.withUnsafeBufferPointer { p in
            for range in ranges where !range.isEmpty { for j in range { result[Int(p[j])] = true } }
        }
        return result
    }

    /// The range of sorted entries equal to `value`, when the value's type matches the keys'.
    private func bounds(_ value: FilterValue) -> (Int, Int)? {
        switch (keys, value) {
        case (.ints(let k), .int(let v)) where !isBool:
            return (lowerBound { k[$0] >= v }, lowerBound { k[$0] > v })
        case (.ints(let k), .bool(let b)) where isBool:
            let v: Int64 = b ? 1 : 0
            return (lowerBound { k[$0] >= v }, lowerBound { k[$0] > v })
        case (.doubles(let k), .double(let v)) where !v.isNaN:
            return (lowerBound { k[$0] >= v }, lowerBound { k[$0] > v })
        case (.doubles(let k), .int(let i)) where i.magnitude < 1 << 53:  // exactly representable
            let v = Double(i)
            return (lowerBound { k[$0] >= v }, lowerBound { k[$0] > v })
        case (.strings(let k), .string(let v)):
            return (lowerBound { Self.compare(k[$0], v) >= 0 }, lowerBound { Self.compare(k[$0], v) > 0 })
        default:
            return nil
        }
    }

    /// The first entry for which `isAtOrAfter` holds (it must be false then true along the sorted keys).
    private func lowerBound(_ isAtOrAfter: (Int) -> Bool) -> Int {
        var low = 0, high = positions.count
        while low < high {
            let mid = (low + high) / 2
            if isAtOrAfter(mid) { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// Byte-wise UTF-8 order (Swift's `<` on strings is by Unicode canonical ordering, which a prefix range
    /// cannot rely on).
    static func compare(_ a: String, _ b: String) -> Int {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let n = min(x.count, y.count)
                let c = n == 0 ? 0 : Int(memcmp(x.baseAddress!, y.baseAddress!, n))
                return c != 0 ? c : x.count - y.count
            }
        }
    }
}
