import Filter
import Glibc

/// Column-at-a-time evaluation: comparisons, arithmetic, `in` and the logic between them run as loops over
/// a field's contiguous array instead of row by row through `FilterValue`s. Anything else (JSON paths,
/// arrays, `like`, ...) is evaluated row by row by `truth`, only for the rows whose answer still matters.
/// Answers are those of the row-by-row evaluator, null and overflow rules included (tested against it).
extension CompiledFilter {
    /// Per row: 1 true, 0 false, -1 unknown (SQL's three-valued logic).
    typealias Truths = [Int8]

    /// Numbers over every row, or one constant; `known` false marks a null (nil: every row known).
    enum Numbers {
        case int(Int64)
        case double(Double)
        case ints([Int64], known: [Bool]?)
        case doubles([Double], known: [Bool]?)

        var known: [Bool]? {
            switch self {
            case .ints(_, let k), .doubles(_, let k): k
            default: nil
            }
        }

        var isInteger: Bool {
            switch self {
            case .int, .ints: true
            default: false
            }
        }

        /// Runs `body` with the integers (only for `isInteger` values): a constant is read at every row.
        func withInts<T>(_ body: (Run<Int64>) -> T) -> T {
            switch self {
            case .ints(let a, _) where !a.isEmpty: a.withUnsafeBufferPointer { body(Run(base: $0.baseAddress!, step: 1)) }
            default: withUnsafePointer(to: self.constant) { body(Run(base: $0, step: 0)) }
            }
        }

        /// Runs `body` with the values as doubles (integers converted).
        func withDoubles<T>(_ body: (Run<Double>) -> T) -> T {
            switch self {
            case .doubles(let a, _) where !a.isEmpty: a.withUnsafeBufferPointer { body(Run(base: $0.baseAddress!, step: 1)) }
            case .ints(let a, _) where !a.isEmpty: a.map(Double.init).withUnsafeBufferPointer { body(Run(base: $0.baseAddress!, step: 1)) }
            case .double(let v): withUnsafePointer(to: v) { body(Run(base: $0, step: 0)) }
            default: withUnsafePointer(to: Double(self.constant)) { body(Run(base: $0, step: 0)) }
            }
        }

        private var constant: Int64 {
            if case .int(let v) = self { v } else { 0 }
        }
    }

    /// Values of every row at `base` (`step` 1) or one value for all (`step` 0), read without copies.
    struct Run<Element> {
        let base: UnsafePointer<Element>
        let step: Int
        @inline(__always) subscript(i: Int) -> Element { base[i &* step] }
    }

    /// The truth of `b` for rows `0..<s.count`; rows where `needed` is false may get any answer.
    func truths(_ b: BoundFilter, _ s: Segment, needed: [Bool]?) -> Truths {
        let n = s.count
        switch b {
        case .and(let l, let r):
            let a = truths(l, s, needed: needed)
            // The right side matters only where the left is not false.
            let c = truths(r, s, needed: Self.rows(of: a, needed) { $0 != 0 })
            return Self.combine(a, c) { a, c in a == 0 || c == 0 ? 0 : (a == 1 && c == 1 ? 1 : -1) }
        case .or(let l, let r):
            let a = truths(l, s, needed: needed)
            let c = truths(r, s, needed: Self.rows(of: a, needed) { $0 != 1 })
            return Self.combine(a, c) { a, c in a == 1 || c == 1 ? 1 : (a == 0 && c == 0 ? 0 : -1) }
        case .not(let inner):
            return truths(inner, s, needed: needed).map { $0 == -1 ? -1 : 1 - $0 }
        case .compare(let op, let l, let r):
            if let x = numbers(l, s), let y = numbers(r, s) { return Self.compare(op, x, y, n) }
            if let t = compareStrings(op, l, r, s) { return t }
        case .membership(let l, let values, let negated):
            let ints = values.compactMap { value -> Int64? in if case .int(let v) = value { v } else { nil } }
            if ints.count == values.count, let x = numbers(l, s), case .ints(let xs, let known) = x {
                let set = Set(ints)
                return (0..<n).map { i in known?[i] == false ? -1 : (set.contains(xs[i]) != negated ? 1 : 0) }
            }
        case .indexed(let slot, let field, let original):
            // The index answers the rows it covers; the rest are evaluated as written.
            let mask = masks[slot]
            var t = mask.count >= n ? Truths(repeating: -1, count: n)
                : truths(original, s, needed: (0..<n).map { $0 >= mask.count && (needed?[$0] ?? true) })
            let covered = min(mask.count, n)
            t.withUnsafeMutableBufferPointer { t in
                // Loops without a branch per row: the mask's bytes are 0 or 1 already.
                mask.withUnsafeBytes { mask in for i in 0..<covered { t[i] = Int8(bitPattern: mask[i]) } }
                for unknown in [s.columns[field].nulls.map { ($0, true) }, knownRows[slot].map { ($0, false) }] {
                    guard let (rows, flagged) = unknown else { continue }
                    let unknownByte: UInt8 = flagged ? 1 : 0
                    rows.withUnsafeBytes { rows in for i in 0..<covered { t[i] = rows[i] == unknownByte ? -1 : t[i] } }
                }
            }
            return t
        default:
            break
        }
        return (0..<n).map { i in
            guard needed?[i] ?? true else { return -1 }
            return truth(b, s, i).map { $0 ? 1 : 0 } ?? -1
        }
    }

    /// `a` and `c` combined row by row.
    private static func combine(_ a: Truths, _ c: Truths, _ f: (Int8, Int8) -> Int8) -> Truths {
        Truths(unsafeUninitializedCapacity: a.count) { out, count in
            a.withUnsafeBufferPointer { a in c.withUnsafeBufferPointer { c in for i in 0..<a.count { out[i] = f(a[i], c[i]) } } }
            count = a.count
        }
    }

    /// The rows of `t` for which `keep` holds, among those `needed`.
    private static func rows(of t: Truths, _ needed: [Bool]?, _ keep: (Int8) -> Bool) -> [Bool] {
        t.indices.map { keep(t[$0]) && (needed?[$0] ?? true) }
    }

    /// `b` as numbers over every row, when it is a numeric field, a numeric constant, or arithmetic over
    /// them without an integer overflow (which the row evaluator turns into a Double for that row); nil
    /// otherwise.
    func numbers(_ b: BoundFilter, _ s: Segment) -> Numbers? {
        switch b {
        case .constant(.int(let v)): return .int(v)
        case .constant(.double(let v)): return .double(v)
        case .field(let f):
            let column = s.columns[f]
            let known = column.nulls.map { $0.map { !$0 } }
            switch column.field.dataType {
            case .int8, .int16, .int32, .int64: return .ints(column.ints, known: known)
            case .float: return .doubles(column.floats.map(Double.init), known: known)
            case .double: return .doubles(column.doubles, known: known)
            default: return nil
            }
        case .negate(let inner):
            switch numbers(inner, s) {
            case .int(let v)?: return v == .min ? nil : .int(-v)
            case .double(let v)?: return .double(-v)
            case .ints(let a, let known)?: return a.contains(.min) ? nil : .ints(a.map { -$0 }, known: known)
            case .doubles(let a, let known)?: return .doubles(a.map { -$0 }, known: known)
            case nil: return nil
            }
        case .arithmetic(let op, let l, let r):
            guard let x = numbers(l, s), let y = numbers(r, s) else { return nil }
            return Self.arithmetic(op, x, y, s.count)
        default:
            return nil
        }
    }

    private static func mergedKnown(_ x: Numbers, _ y: Numbers, _ n: Int) -> [Bool]? {
        switch (x.known, y.known) {
        case (nil, nil): nil
        case (let a?, nil): a
        case (nil, let b?): b
        case (let a?, let b?): (0..<n).map { a[$0] && b[$0] }
        }
    }

    /// `arithmetic` of the row evaluator over whole columns; nil on an integer overflow or when both sides
    /// are constants (left to the row evaluator, rare).
    private static func arithmetic(_ op: BinaryOperator, _ x: Numbers, _ y: Numbers, _ n: Int) -> Numbers? {
        switch (x, y) {
        case (.int, .int), (.int, .double), (.double, .int), (.double, .double): return nil
        default: break
        }
        if op == .modulo, x.isInteger, case .int(let b) = y, b != 0, b != -1, let d = UInt32(exactly: b.magnitude) {
            return .ints(remainders(x, dividingBy: d, n), known: x.known)
        }
        var known = mergedKnown(x, y, n) ?? [Bool](repeating: true, count: n)
        if x.isInteger && y.isInteger && op != .power {
            var out = [Int64](repeating: 0, count: n)
            let overflow = x.withInts { xs in y.withInts { ys in
                known.withUnsafeMutableBufferPointer { known in
                    out.withUnsafeMutableBufferPointer { out in
                        for i in 0..<n {
                            let a = xs[i], b = ys[i]
                            let (r, o): (Int64, Bool)
                            switch op {
                            case .add: (r, o) = a.addingReportingOverflow(b)
                            case .subtract: (r, o) = a.subtractingReportingOverflow(b)
                            case .multiply: (r, o) = a.multipliedReportingOverflow(by: b)
                            case .divide:
                                if b == 0 { known[i] = false; continue }
                                (r, o) = a.dividedReportingOverflow(by: b)
                            default:
                                if b == 0 { known[i] = false; continue }
                                let (m, mo) = a.remainderReportingOverflow(dividingBy: b)
                                (r, o) = (mo ? 0 : m, false)
                            }
                            // Only a known row's overflow matters (a null row's values are placeholders).
                            if o && known[i] { return true }
                            out[i] = r
                        }
                        return false
                    }
                }
            } }
            guard [.add, .subtract, .multiply, .divide, .modulo].contains(op), !overflow else { return nil }
            return .ints(out, known: known)
        }
        guard [.add, .subtract, .multiply, .divide, .modulo, .power].contains(op) else { return nil }
        var out = [Double](repeating: 0, count: n)
        x.withDoubles { xs in y.withDoubles { ys in
            known.withUnsafeMutableBufferPointer { known in
                out.withUnsafeMutableBufferPointer { out in
                    for i in 0..<n {
                        let a = xs[i], b = ys[i]
                        switch op {
                        case .add: out[i] = a + b
                        case .subtract: out[i] = a - b
                        case .multiply: out[i] = a * b
                        case .divide: if b == 0 { known[i] = false } else { out[i] = a / b }
                        case .modulo: if b == 0 { known[i] = false } else { out[i] = a.truncatingRemainder(dividingBy: b) }
                        default: out[i] = pow(a, b)
                        }
                    }
                }
            }
        } }
        return .doubles(out, known: known)
    }

    /// `x % d` (the sign of `x`, as Swift's `%`) for integer rows, without a division for values under 2³²: the
    /// remainder is read from the fraction `x / d` held in 64 bits (Lemire, Kaser and Kurz, "Faster remainder by
    /// direct computation", 2019), exact for every 32-bit value and divisor.
    private static func remainders(_ x: Numbers, dividingBy d: UInt32, _ n: Int) -> [Int64] {
        let fraction = UInt64.max / UInt64(d) &+ 1, divisor = Int64(d)
        return x.withInts { xs in
            [Int64](unsafeUninitializedCapacity: n) { out, count in
                for i in 0..<n {
                    let a = xs[i], u = a.magnitude
                    if u <= UInt64(UInt32.max) {
                        let r = Int64((fraction &* u).multipliedFullWidth(by: UInt64(d)).high)
                        out[i] = a < 0 ? -r : r
                    } else {
                        out[i] = a % divisor
                    }
                }
                count = n
            }
        }
    }

    /// A comparison of numbers over every row: integers exactly, an integer against a double without
    /// rounding, NaN unknown.
    private static func compare(_ op: BinaryOperator, _ x: Numbers, _ y: Numbers, _ n: Int) -> Truths {
        let known = mergedKnown(x, y, n)
        @inline(__always) func verdict(_ order: Int) -> Int8 { holds(op, order) ? 1 : 0 }
        var out = Truths(repeating: 0, count: n)
        out.withUnsafeMutableBufferPointer { out in
            switch (x.isInteger, y.isInteger) {
            case (true, true):
                x.withInts { xs in y.withInts { ys in Self.sweep(op, xs, ys, out) } }
            case (true, false):
                x.withInts { xs in y.withDoubles { ys in
                    for i in 0..<n { out[i] = compareMixed(xs[i], ys[i]).map(verdict) ?? -1 }
                } }
            case (false, true):
                y.withInts { ys in x.withDoubles { xs in
                    for i in 0..<n { out[i] = compareMixed(ys[i], xs[i]).map { verdict(-$0) } ?? -1 }
                } }
            case (false, false):
                x.withDoubles { xs in y.withDoubles { ys in
                    Self.sweep(op, xs, ys, out)
                    // A NaN compares false above; it is unknown.
                    for i in 0..<n where xs[i].isNaN || ys[i].isNaN { out[i] = -1 }
                } }
            }
        }
        if let known { known.withUnsafeBytes { k in out.withUnsafeMutableBufferPointer { o in for i in 0..<n { o[i] = k[i] == 0 ? -1 : o[i] } } } }
        return out
    }

    /// `out[i]` = whether `x[i] op y[i]` (1 or 0), with the operator chosen once and a constant side read once,
    /// so that each loop vectorises.
    @inline(__always)
    private static func sweep<T: Comparable>(_ op: BinaryOperator, _ x: Run<T>, _ y: Run<T>, _ out: UnsafeMutableBufferPointer<Int8>) {
        @inline(__always) func fill(_ holds: (T, T) -> Bool) {
            switch (x.step, y.step) {
            case (0, 0): let v: Int8 = holds(x[0], y[0]) ? 1 : 0; for i in 0..<out.count { out[i] = v }
            case (_, 0): let b = y[0]; for i in 0..<out.count { out[i] = holds(x.base[i], b) ? 1 : 0 }
            case (0, _): let a = x[0]; for i in 0..<out.count { out[i] = holds(a, y.base[i]) ? 1 : 0 }
            default: for i in 0..<out.count { out[i] = holds(x.base[i], y.base[i]) ? 1 : 0 }
            }
        }
        switch op {
        case .equal: fill(==)
        case .notEqual: fill(!=)
        case .less: fill(<)
        case .lessEqual: fill(<=)
        case .greater: fill(>)
        default: fill(>=)
        }
    }

    /// A VarChar field against a string constant (either side), by UTF-8 bytes as the row evaluator does;
    /// nil for anything else.
    private func compareStrings(_ op: BinaryOperator, _ l: BoundFilter, _ r: BoundFilter, _ s: Segment) -> Truths? {
        let (f, constant, flipped): (Int, String, Bool)
        switch (l, r) {
        case (.field(let a), .constant(.string(let c))): (f, constant, flipped) = (a, c, false)
        case (.constant(.string(let c)), .field(let a)): (f, constant, flipped) = (a, c, true)
        default: return nil
        }
        let column = s.columns[f]
        guard column.field.dataType == .varChar else { return nil }
        let target = FilterValue.string(constant)
        return column.strings.indices.map { i in
            if column.nulls?[i] == true { return -1 }
            let text = FilterValue.string(column.strings[i])
            let order = flipped ? Self.compare(target, text, equalityOnly: false) : Self.compare(text, target, equalityOnly: false)
            return order.map { Self.holds(op, $0) ? 1 : 0 } ?? -1
        }
    }
}
