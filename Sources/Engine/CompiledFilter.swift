import Glibc
import Filter
import JSON
import VectorCore

/// A value while evaluating a filter on one row.
enum FilterValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case list([FilterValue])
    case object(JSONObject)

    init(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i), .int64Datum(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .float(let f): self = .double(Double(f))
        case .string(let s): self = .string(s)
        case .array(let a): self = .list(a.map(FilterValue.init))
        case .object(let o): self = .object(o)
        }
    }

    init(_ field: FieldValue) {
        switch field {
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .float(let f): self = .double(Double(f))
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .json(let j): self = FilterValue(j)
        case .array(let a): self = .list(a.map(FilterValue.init))
        default: self = .null
        }
    }

    var staticType: FilterType {
        switch self {
        case .bool: .bool
        case .int, .double: .number
        case .string: .string
        case .list: .list
        case .object, .null: .unknown
        }
    }

    var fieldValue: FieldValue? {
        switch self {
        case .int(let i): .int(i)
        case .string(let s): .string(s)
        default: nil
        }
    }
}

/// A `like` pattern: `%` matches any run of characters, `_` exactly one; `\%` and `\_` match themselves.
struct LikePattern: Sendable {
    enum Piece: Sendable, Equatable { case literal([Unicode.Scalar]), any, one }
    let pieces: [Piece]

    init(_ pattern: String) {
        var pieces: [Piece] = []
        var literal: [Unicode.Scalar] = []
        var escaped = false
        for s in pattern.unicodeScalars {
            if escaped {
                literal.append(s)
                escaped = false
            } else if s == "\\" {
                escaped = true
            } else if s == "%" || s == "_" {
                if !literal.isEmpty { pieces.append(.literal(literal)); literal = [] }
                pieces.append(s == "%" ? .any : .one)
            } else {
                literal.append(s)
            }
        }
        if escaped { literal.append("\\") }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        self.pieces = pieces
    }

    /// The literal before a final `%` when that is the whole pattern (`abc%`): a prefix match.
    var literalPrefix: String? {
        guard pieces.count == 2, case .literal(let l) = pieces[0], pieces[1] == .any else { return nil }
        var s = ""
        s.unicodeScalars.append(contentsOf: l)
        return s
    }

    /// Wildcard matching in linear time: on a mismatch, fall back to the last `%` and let it absorb one
    /// more character (no exponential backtracking, no recursion).
    func matches(_ text: String) -> Bool {
        var tokens: [Unicode.Scalar?] = []  // nil = `_`; `%` is kept apart below
        var stars: [Bool] = []
        for piece in pieces {
            switch piece {
            case .literal(let l): for c in l { tokens.append(c); stars.append(false) }
            case .one: tokens.append(nil); stars.append(false)
            case .any: tokens.append(nil); stars.append(true)
            }
        }
        let t = Array(text.unicodeScalars)
        var i = 0, p = 0
        var starP = -1, starI = 0
        while i < t.count {
            if p < tokens.count && !stars[p] && (tokens[p] == nil || tokens[p] == t[i]) {
                i += 1
                p += 1
            } else if p < tokens.count && stars[p] {
                starP = p
                starI = i
                p += 1
            } else if starP >= 0 {
                p = starP + 1
                starI += 1
                i = starI
            } else {
                return false
            }
        }
        while p < tokens.count && stars[p] { p += 1 }
        return p == tokens.count
    }
}

/// A compiled filter: evaluates into one flag per row of a segment, with SQL's three-valued logic (a
/// comparison with a null or missing value is unknown, and unknown rows do not match).
public struct CompiledFilter: RowPredicate {
    var root: BoundFilter
    let schema: CollectionSchema
    public let primaryKeys: [PrimaryKey]?
    public let partitionKeyValues: [FieldValue]?
    /// Rows found by scalar indexes, for the `.indexed` leaves of `root` (filled by `evaluate`).
    var masks: [[Bool]] = []
    /// Per mask, the rows its index holds a key for when that is not every non-null row (a JSON path index:
    /// the others have no value of the cast type there, and their comparisons are unknown).
    var knownRows: [[Bool]?] = []

    init(root: BoundFilter, schema: CollectionSchema, primaryKeys: [PrimaryKey]?, partitionKeyValues: [FieldValue]?) {
        self.root = root
        self.schema = schema
        self.primaryKeys = primaryKeys
        self.partitionKeyValues = partitionKeyValues
    }

    public func evaluate(_ segment: Segment) throws(SwiftvecError) -> [Bool] {
        var filter = self
        if !segment.scalarIndexes.isEmpty { filter.root = filter.usingIndexes(root, segment) }
        // Column at a time where it can (see `truths`); deleted rows need no answer.
        let live = segment.live
        let t = filter.truths(filter.root, segment, needed: segment.liveCount == segment.count ? nil : live)
        return [Bool](unsafeUninitializedCapacity: live.count) { out, count in
            t.withUnsafeBytes { t in
                live.withUnsafeBytes { l in
                    let o = UnsafeMutableRawBufferPointer(out)
                    for i in 0..<l.count { o[i] = (t[i] == 1 ? 1 : 0) & l[i] }
                }
            }
            count = live.count
        }
    }

    /// The same answer as `evaluate`, row by row (what the column-at-a-time evaluation is tested against).
    func evaluateRowByRow(_ segment: Segment) -> [Bool] {
        var filter = self
        if !segment.scalarIndexes.isEmpty { filter.root = filter.usingIndexes(root, segment) }
        return (0..<segment.count).map { segment.live[$0] && filter.truth(filter.root, segment, $0) == true }
    }

    /// `b` with the comparisons that a scalar index of `segment` can answer replaced by `.indexed` leaves.
    mutating func usingIndexes(_ b: BoundFilter, _ segment: Segment) -> BoundFilter {
        /// `path`: the JSON path the comparison reads, which must be the one the index keys (nil: the field).
        /// `known`: the rows whose answer the mask gives (the rest are unknown); by default those with a key.
        func leaf(_ field: Int, path: [FilterExpression.PathComponent]? = nil, known: (ScalarIndex) -> [Bool]? = { $0.known },
                  _ rows: (ScalarIndex) -> [Bool]?) -> BoundFilter {
            guard let index = segment.scalarIndexes[field], index.jsonPath == path, let mask = rows(index) else { return b }
            masks.append(mask)
            knownRows.append(known(index))
            return .indexed(slot: masks.count - 1, field: field, original: b)
        }
        func flipped(_ op: BinaryOperator) -> BinaryOperator {
            switch op {
            case .less: .greater
            case .lessEqual: .greaterEqual
            case .greater: .less
            case .greaterEqual: .lessEqual
            default: op
            }
        }
        switch b {
        case .and(let l, let r): return .and(usingIndexes(l, segment), usingIndexes(r, segment))
        case .or(let l, let r): return .or(usingIndexes(l, segment), usingIndexes(r, segment))
        case .not(let inner): return .not(usingIndexes(inner, segment))
        case .compare(let op, .field(let f), .constant(let v)): return leaf(f) { $0.rows(op, v) }
        case .compare(let op, .constant(let v), .field(let f)): return leaf(f) { $0.rows(flipped(op), v) }
        // Negations invert the mask: null rows never reach it (they are unknown, checked first).
        case .membership(.field(let f), let values, let negated):
            return leaf(f) { $0.rows(in: values).map { negated ? $0.map(!) : $0 } }
        case .like(.field(let f), let pattern, let negated):
            guard let prefix = pattern.literalPrefix else { return b }
            return leaf(f) { $0.rows(withPrefix: prefix).map { negated ? $0.map(!) : $0 } }
        case .contains(let kind, .field(let f), let values):
            return leaf(f) { $0.rows(containing: values, all: kind != .any) }
        case .compare(let op, .jsonPath(.some(let f), let path), .constant(let v)): return leaf(f, path: path) { $0.rows(op, v) }
        case .compare(let op, .constant(let v), .jsonPath(.some(let f), let path)): return leaf(f, path: path) { $0.rows(flipped(op), v) }
        case .contains(let kind, .jsonPath(.some(let f), let path), let values):
            return leaf(f, path: path) { $0.rows(containing: values, all: kind != .any) }
        // A JSON value of another type is in no list (false, not unknown); a missing or null one is unknown.
        case .membership(.jsonPath(.some(let f), let path), let values, let negated):
            return leaf(f, path: path, known: { $0.present }) { index in
                guard let found = index.rows(in: values), let keyed = index.known else { return nil }
                return zip(found, keyed).map { found, keyed in (keyed && found) != negated }
            }
        // `like` is unknown for anything but a string, which is what a VARCHAR index keys.
        case .like(.jsonPath(.some(let f), let path), let pattern, let negated):
            guard let prefix = pattern.literalPrefix else { return b }
            return leaf(f, path: path) { $0.rows(withPrefix: prefix).map { negated ? $0.map(!) : $0 } }
        default: return b
        }
    }

    /// true, false, or nil for unknown.
    func truth(_ b: BoundFilter, _ s: Segment, _ i: Int) -> Bool? {
        switch b {
        case .and(let l, let r):
            let a = truth(l, s, i)
            if a == false { return false }
            let c = truth(r, s, i)
            if c == false { return false }
            return (a == true && c == true) ? true : nil
        case .or(let l, let r):
            let a = truth(l, s, i)
            if a == true { return true }
            let c = truth(r, s, i)
            if c == true { return true }
            return (a == false && c == false) ? false : nil
        case .not(let inner):
            return truth(inner, s, i).map { !$0 }
        default:
            switch value(b, s, i) {
            case .bool(let v): return v
            default: return nil
            }
        }
    }

    func value(_ b: BoundFilter, _ s: Segment, _ i: Int) -> FilterValue {
        switch b {
        case .constant(let v): return v
        case .indexed(let slot, let field, let original):
            guard i < masks[slot].count else { return value(original, s, i) }
            if let known = knownRows[slot], !known[i] { return .null }
            return s.columns[field].isNull(i) ? .null : .bool(masks[slot][i])
        case .field(let f):
            return FilterValue(s.columns[f].value(at: i))
        case .jsonPath(let field, let path):
            let root: JSONValue
            if let field {
                guard case .json(let j) = s.columns[field].value(at: i) else { return .null }
                root = j
            } else {
                guard let d = s.dynamic[i] else { return .null }
                root = .object(d)
            }
            return root.at(path).map(FilterValue.init) ?? .null
        case .arrayElement(let field, let index):
            guard case .array(let items) = s.columns[field].value(at: i), index < items.count else { return .null }
            return FilterValue(items[index])
        case .negate(let inner):
            switch value(inner, s, i) {
            case .int(let v): return v == Int64.min ? .double(-Double(v)) : .int(-v)
            case .double(let d): return .double(-d)
            default: return .null
            }
        case .not, .and, .or:
            return truth(b, s, i).map(FilterValue.bool) ?? .null
        case .arithmetic(let op, let l, let r):
            return Self.arithmetic(op, value(l, s, i), value(r, s, i))
        case .compare(let op, let l, let r):
            guard let order = Self.compare(value(l, s, i), value(r, s, i), equalityOnly: op == .equal || op == .notEqual) else {
                return .null
            }
            return .bool(Self.holds(op, order))
        case .membership(let l, let values, let negated):
            let v = value(l, s, i)
            if v == .null { return .null }
            let found = values.contains { Self.compare(v, $0, equalityOnly: true) == 0 }
            return .bool(found != negated)
        case .like(let l, let pattern, let negated):
            guard case .string(let text) = value(l, s, i) else { return .null }
            return .bool(pattern.matches(text) != negated)
        case .isNull(let inner, let negated):
            let isNull = value(inner, s, i) == .null
            return .bool(isNull != negated)
        case .exists(let inner):
            return .bool(value(inner, s, i) != .null || Self.keyPresent(inner, s, i))
        case .contains(let kind, let target, let wanted):
            guard case .list(let items) = value(target, s, i) else { return .null }
            func has(_ w: FilterValue) -> Bool { items.contains { Self.compare($0, w, equalityOnly: true) == 0 } }
            switch kind {
            case .one, .all: return .bool(wanted.allSatisfy(has))
            case .any: return .bool(wanted.contains(where: has))
            }
        case .length(let target):
            guard case .list(let items) = value(target, s, i) else { return .null }
            return .int(Int64(items.count))
        }
    }

    /// `exists` is true for a key whose value is JSON null too.
    private static func keyPresent(_ b: BoundFilter, _ s: Segment, _ i: Int) -> Bool {
        guard case .jsonPath(let field, let path) = b, let lastKey = path.last else { return false }
        let root: JSONValue
        if let field {
            guard case .json(let j) = s.columns[field].value(at: i) else { return false }
            root = j
        } else {
            guard let d = s.dynamic[i] else { return false }
            root = .object(d)
        }
        guard let current = root.at(Array(path.dropLast())) else { return false }
        switch lastKey {
        case .key(let k): return current.objectValue?[k] != nil
        case .index(let idx): return current[idx] != nil
        }
    }

    /// Orders two values: numbers numerically (integers exactly), strings by their UTF-8 bytes, booleans and
    /// lists for equality only. nil when they cannot be compared (a null, or different kinds).
    static func compare(_ a: FilterValue, _ b: FilterValue, equalityOnly: Bool) -> Int? {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.int(let x), .double(let y)): return compareMixed(x, y)
        case (.double(let x), .int(let y)): return compareMixed(y, x).map { -$0 }
        case (.double(let x), .double(let y)):
            if x.isNaN || y.isNaN { return nil }
            return x < y ? -1 : (x == y ? 0 : 1)
        case (.string(let x), .string(let y)):
            if x.utf8.elementsEqual(y.utf8) { return 0 }
            return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1
        case (.bool(let x), .bool(let y)):
            return x == y ? 0 : (equalityOnly ? 1 : nil)
        case (.list(let x), .list(let y)) where equalityOnly:
            return x.count == y.count && zip(x, y).allSatisfy { compare($0, $1, equalityOnly: true) == 0 } ? 0 : 1
        default:
            return nil
        }
    }

    /// Whether comparison `op` holds for two values whose order is `order` (-1, 0 or 1).
    @inline(__always) static func holds(_ op: BinaryOperator, _ order: Int) -> Bool {
        switch op {
        case .equal: order == 0
        case .notEqual: order != 0
        case .less: order < 0
        case .lessEqual: order <= 0
        case .greater: order > 0
        default: order >= 0
        }
    }

    /// An Int64 against a Double without losing precision.
    static func compareMixed(_ x: Int64, _ y: Double) -> Int? {
        if y.isNaN { return nil }
        if y >= 9_223_372_036_854_775_808.0 { return -1 }
        if y < -9_223_372_036_854_775_808.0 { return 1 }
        let t = y.rounded(.down)
        let ti = Int64(t)
        if x < ti { return -1 }
        if x > ti { return 1 }
        return t == y ? 0 : -1
    }

    /// Integer arithmetic stays exact (and falls back to Double on overflow); `/` and `%` by zero are null.
    static func arithmetic(_ op: BinaryOperator, _ a: FilterValue, _ b: FilterValue) -> FilterValue {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            switch op {
            case .add: let (r, o) = x.addingReportingOverflow(y); return o ? .double(Double(x) + Double(y)) : .int(r)
            case .subtract: let (r, o) = x.subtractingReportingOverflow(y); return o ? .double(Double(x) - Double(y)) : .int(r)
            case .multiply: let (r, o) = x.multipliedReportingOverflow(by: y); return o ? .double(Double(x) * Double(y)) : .int(r)
            case .divide:
                if y == 0 { return .null }
                let (r, o) = x.dividedReportingOverflow(by: y)
                return o ? .double(Double(x) / Double(y)) : .int(r)
            case .modulo:
                if y == 0 { return .null }
                let (r, o) = x.remainderReportingOverflow(dividingBy: y)
                return o ? .int(0) : .int(r)
            case .power: return .double(pow(Double(x), Double(y)))
            default: return .null
            }
        default:
            guard let x = a.number, let y = b.number else { return .null }
            switch op {
            case .add: return .double(x + y)
            case .subtract: return .double(x - y)
            case .multiply: return .double(x * y)
            case .divide: return y == 0 ? .null : .double(x / y)
            case .modulo: return y == 0 ? .null : .double(x.truncatingRemainder(dividingBy: y))
            case .power: return .double(pow(x, y))
            default: return .null
            }
        }
    }
}

extension FilterValue {
    var number: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }
}

