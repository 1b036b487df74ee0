import JSON
import Testing

/// Checks every form of the filter language against an independent brute-force evaluation, written here
/// from the language's definition (three-valued logic: comparisons with null or missing values are unknown,
/// and unknown rows do not match), over randomly generated rows.
@Suite("Filters against brute force")
struct FilterConformanceTests {
    struct Row {
        var id: Int64
        var a: Int64?        // Int32, nullable
        var b: Int64         // Int64
        var x: Double        // Double
        var s: String?       // VarChar, nullable
        var flag: Bool
        var tags: [String]   // Array<VarChar>
        var nums: [Int64]    // Array<Int64>
        var meta: [String: JSONValue]?  // JSON, nullable
        var color: String?   // dynamic
        var score: Int64?    // dynamic
    }

    /// A deterministic generator (SplitMix64), so failures reproduce.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ range: ClosedRange<Int64>) -> Int64 {
            range.lowerBound + Int64(next() % UInt64(range.upperBound - range.lowerBound + 1))
        }
        mutating func chance(_ p: Double) -> Bool { Double(next() % 10_000) / 10_000 < p }
        mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
        mutating func word() -> String { String((0..<int(0...4)).map { _ in pick(["a", "b", "c", "é"]) as Character }) }
    }

    /// An expression: its text and its meaning on a row (nil = unknown).
    struct Expr {
        var text: String
        var eval: (Row) -> Bool?
    }

    static func compare<T: Comparable>(_ l: T?, _ op: String, _ r: T?) -> Bool? {
        guard let l, let r else { return nil }
        switch op {
        case "==": return l == r
        case "!=": return l != r
        case "<": return l < r
        case "<=": return l <= r
        case ">": return l > r
        default: return l >= r
        }
    }

    /// Byte-wise string order, which is what the server uses.
    struct Bytes: Comparable {
        let s: String
        static func < (l: Bytes, r: Bytes) -> Bool { Array(l.s.utf8).lexicographicallyPrecedes(Array(r.s.utf8)) }
        static func == (l: Bytes, r: Bytes) -> Bool { Array(l.s.utf8) == Array(r.s.utf8) }
    }

    static func like(_ text: String, _ pattern: String) -> Bool {
        let t = Array(text.unicodeScalars), p = Array(pattern.unicodeScalars)
        // Classic dynamic programming over (text position, pattern position).
        var table = [[Bool]](repeating: [Bool](repeating: false, count: p.count + 1), count: t.count + 1)
        table[0][0] = true
        for j in 0..<p.count where p[j] == "%" { table[0][j + 1] = table[0][j] }
        for i in 0..<t.count {
            for j in 0..<p.count {
                switch p[j] {
                case "%": table[i + 1][j + 1] = table[i][j + 1] || table[i + 1][j]
                case "_": table[i + 1][j + 1] = table[i][j]
                default: table[i + 1][j + 1] = table[i][j] && t[i] == p[j]
                }
            }
        }
        return table[t.count][p.count]
    }

    static func number(_ v: JSONValue?) -> Double? {
        switch v {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }

    static func leaf(_ r: inout Random) -> Expr {
        let ops = ["==", "!=", "<", "<=", ">", ">="]
        switch r.int(0...21) {
        case 0:
            let op = r.pick(ops), c = r.int(-60...60)
            return Expr(text: "a \(op) \(c)") { compare($0.a, op, c) }
        case 1:
            let op = r.pick(ops), c = r.int(-1100...1100)
            return Expr(text: "b \(op) \(c)") { compare($0.b, op, c) }
        case 2:
            let op = r.pick(ops), c = Double(r.int(-110...110)) / 10
            return Expr(text: "x \(op) \(c)") { compare($0.x, op, c) }
        case 3:
            let op = r.pick(ops), w = r.word()
            return Expr(text: "s \(op) \"\(w)\"") { row in compare(row.s.map(Bytes.init), op, Bytes(s: w)) }
        case 4:
            let lo = r.int(-1000...0), hi = r.int(0...1000)
            return Expr(text: "\(lo) < b <= \(hi)") { lo < $0.b && $0.b <= hi }
        case 5:
            let hi = Double(r.int(0...100)) / 10, lo = -Double(r.int(0...100)) / 10
            return Expr(text: "\(hi) >= x > \(lo)") { hi >= $0.x && $0.x > lo }
        case 6:
            let k = r.int(2...7), m = r.int(0...(k - 1))
            return Expr(text: "b % \(k) == \(m)") { $0.b % k == m }
        case 7:
            let c = r.int(-1000...1000)
            return Expr(text: "a + b * 2 > \(c)") { row in row.a.map { $0 + row.b * 2 > c } }
        case 8:
            let values = (0..<r.int(1...5)).map { _ in r.int(-1000...1000) }
            let negated = r.chance(0.3)
            let list = values.map(String.init).joined(separator: ", ")
            return Expr(text: "b \(negated ? "not in" : "in") [\(list)]") { values.contains($0.b) != negated }
        case 9:
            let words = (0..<r.int(1...3)).map { _ in r.word() }
            let list = words.map { "\"\($0)\"" }.joined(separator: ",")
            return Expr(text: "s in [\(list)]") { row in row.s.map { s in words.contains(where: { Array($0.utf8) == Array(s.utf8) }) } }
        case 10:
            let pattern = r.pick(["a%", "%c", "%b%", "a_", "_", "%", "é%", "a%c"])
            let negated = r.chance(0.2)
            return Expr(text: "s \(negated ? "not like" : "like") \"\(pattern)\"") { row in row.s.map { like($0, pattern) != negated } }
        case 11:
            return r.chance(0.5) ? Expr(text: "flag") { $0.flag } : Expr(text: "flag == false") { !$0.flag }
        case 12:
            let negated = r.chance(0.5)
            let field = r.pick(["a", "s", "meta"])
            return Expr(text: "\(field) is \(negated ? "not " : "")null") { row in
                let isNull = switch field {
                case "a": row.a == nil
                case "s": row.s == nil
                default: row.meta == nil
                }
                return isNull != negated
            }
        case 13:
            let op = r.pick(ops), c = r.int(-5...5)
            return Expr(text: "meta[\"k\"] \(op) \(c)") { row in compare(number(row.meta?["k"]), op, Double(c)) }
        case 14:
            let w = r.pick(["x", "y", "z"])
            return Expr(text: "meta[\"t\"] == \"\(w)\"") { row in
                guard case .string(let t)? = row.meta?["t"] else { return nil }
                return t == w
            }
        case 15:
            return Expr(text: "exists meta[\"k\"]") { $0.meta?["k"] != nil }
        case 16:
            let w = r.pick(["red", "green", "blue"])
            return Expr(text: "color == \"\(w)\"") { row in row.color.map { $0 == w } }
        case 17:
            let op = r.pick(ops), c = r.int(0...10)
            return Expr(text: "score \(op) \(c)") { compare($0.score, op, c) }
        case 18:
            let w = r.pick(["p", "q", "r", "s"])
            return Expr(text: "array_contains(tags, \"\(w)\")") { $0.tags.contains(w) }
        case 19:
            let values = (0..<r.int(1...3)).map { _ in r.int(0...9) }
            let all = r.chance(0.5)
            let list = values.map(String.init).joined(separator: ",")
            return Expr(text: "array_contains_\(all ? "all" : "any")(nums, [\(list)])") { row in
                all ? values.allSatisfy(row.nums.contains) : values.contains(where: row.nums.contains)
            }
        case 20:
            let n = r.int(0...4), op = r.pick(ops)
            return Expr(text: "array_length(nums) \(op) \(n)") { compare(Int64($0.nums.count), op, n) }
        default:
            let v = r.int(0...5)
            return Expr(text: "json_contains(meta[\"arr\"], \(v))") { row in
                guard case .array(let items)? = row.meta?["arr"] else { return nil }
                return items.contains(.int(v))
            }
        }
    }

    static func expression(_ r: inout Random, depth: Int) -> Expr {
        if depth == 0 || r.chance(0.35) { return leaf(&r) }
        switch r.int(0...2) {
        case 0:
            let l = expression(&r, depth: depth - 1), rr = expression(&r, depth: depth - 1)
            return Expr(text: "(\(l.text)) and (\(rr.text))") { row in
                let a = l.eval(row), b = rr.eval(row)
                if a == false || b == false { return false }
                return a == true && b == true ? true : nil
            }
        case 1:
            let l = expression(&r, depth: depth - 1), rr = expression(&r, depth: depth - 1)
            return Expr(text: "(\(l.text)) \(r.pick(["or", "||", "OR"])) (\(rr.text))") { row in
                let a = l.eval(row), b = rr.eval(row)
                if a == true || b == true { return true }
                return a == false && b == false ? false : nil
            }
        default:
            let inner = expression(&r, depth: depth - 1)
            return Expr(text: "not (\(inner.text))") { row in inner.eval(row).map { !$0 } }
        }
    }

    static func makeRows(_ r: inout Random, count: Int) -> [Row] {
        (0..<count).map { i in
            var meta: [String: JSONValue]?
            if !r.chance(0.15) {
                var m: [String: JSONValue] = [:]
                if r.chance(0.8) { m["k"] = r.chance(0.5) ? .int(r.int(-5...5)) : .double(Double(r.int(-50...50)) / 10) }
                if r.chance(0.7) { m["t"] = .string(r.pick(["x", "y", "z"])) }
                if r.chance(0.6) { m["arr"] = .array((0..<r.int(0...3)).map { _ in .int(r.int(0...5)) }) }
                meta = m
            }
            return Row(id: Int64(i), a: r.chance(0.2) ? nil : r.int(-50...50), b: r.int(-1000...1000),
                       x: Double(r.int(-100...100)) / 10, s: r.chance(0.15) ? nil : r.word(), flag: r.chance(0.5),
                       tags: (0..<r.int(0...3)).map { _ in r.pick(["p", "q", "r", "s"]) },
                       nums: (0..<r.int(0...4)).map { _ in r.int(0...9) }, meta: meta,
                       color: r.chance(0.2) ? nil : r.pick(["red", "green", "blue"]), score: r.chance(0.3) ? nil : r.int(0...10))
        }
    }

    static func json(_ row: Row) -> String {
        var o = JSONObject()
        o.append("id", .int(row.id))
        o.append("v", [0.5, 0.5])
        if let a = row.a { o.append("a", .int(a)) }
        o.append("b", .int(row.b))
        o.append("x", .double(row.x))
        o.append("s", row.s.map(JSONValue.string) ?? .null)
        o.append("flag", .bool(row.flag))
        o.append("tags", .array(row.tags.map(JSONValue.string)))
        o.append("nums", .array(row.nums.map(JSONValue.int)))
        if let meta = row.meta {
            o.append("meta", .object(JSONObject(entries: meta.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: $0.value) })))
        }
        if let color = row.color { o.append("color", .string(color)) }
        if let score = row.score { o.append("score", .int(score)) }
        return JSONWriter().encodeString(.object(o))
    }

    static let schema = #"""
    {"collectionName":"f","schema":{"enableDynamicField":true,"fields":[
      {"fieldName":"id","dataType":"Int64","isPrimary":true},
      {"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":2}},
      {"fieldName":"a","dataType":"Int32","nullable":true},
      {"fieldName":"b","dataType":"Int64"},
      {"fieldName":"x","dataType":"Double"},
      {"fieldName":"s","dataType":"VarChar","nullable":true,"elementTypeParams":{"max_length":32}},
      {"fieldName":"flag","dataType":"Bool"},
      {"fieldName":"tags","dataType":"Array","elementDataType":"VarChar","elementTypeParams":{"max_capacity":4,"max_length":4}},
      {"fieldName":"nums","dataType":"Array","elementDataType":"Int64","elementTypeParams":{"max_capacity":4}},
      {"fieldName":"meta","dataType":"JSON","nullable":true}]},
     "indexParams":[{"fieldName":"v","metricType":"L2"}]}
    """#

    func ids(_ s: ServerProcess, _ filter: String, params: String = "") throws -> Set<Int64> {
        let escaped = JSONWriter().encodeString(.string(filter))
        let r = try s.call("entities/query", #"{"collectionName":"f","filter":\#(escaped),"outputFields":["id"],"limit":16384\#(params)}"#)
        guard r.code == 0 else { throw TestFailure("filter \(filter) failed: \(r.message)") }
        return Set(r["data"]?.arrayValue?.compactMap { $0["id"]?.intValue } ?? [])
    }

    @Test func randomFiltersMatchBruteForce() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", Self.schema).code == 0)
        var r = Random(state: 20_261_122)
        var rows = Self.makeRows(&r, count: 400)
        for chunk in stride(from: 0, to: rows.count, by: 100) {
            let data = rows[chunk..<min(chunk + 100, rows.count)].map(Self.json).joined(separator: ",")
            let inserted = try s.call("entities/insert", #"{"collectionName":"f","data":[\#(data)]}"#)
            #expect(inserted.code == 0, "\(inserted.message)")
        }
        var checked = 0
        var nonTrivial = 0
        for _ in 0..<400 {
            let e = Self.expression(&r, depth: 3)
            let expected = Set(rows.filter { e.eval($0) == true }.map(\.id))
            let got = try ids(s, e.text)
            #expect(got == expected, "\(e.text): missing \(expected.subtracting(got).sorted().prefix(5)), extra \(got.subtracting(expected).sorted().prefix(5))")
            checked += 1
            if !expected.isEmpty && expected.count < rows.count { nonTrivial += 1 }
        }
        #expect(checked == 400)
        #expect(nonTrivial > 200, "most filters select a proper subset")

        // Templates give the same answers as literals.
        for _ in 0..<30 {
            let c = r.int(-1000...1000), values = (0..<3).map { _ in r.int(-1000...1000) }
            let templated = try ids(s, "b > {c} or b in {vs}", params: #","exprParams":{"c":\#(c),"vs":[\#(values.map(String.init).joined(separator: ","))]}"#)
            #expect(templated == Set(rows.filter { $0.b > c || values.contains($0.b) }.map(\.id)))
        }

        // Deleting by random filters removes exactly the matching rows.
        for _ in 0..<10 {
            let e = Self.expression(&r, depth: 2)
            let doomed = Set(rows.filter { e.eval($0) == true }.map(\.id))
            let escaped = JSONWriter().encodeString(.string(e.text))
            let d = try s.call("entities/delete", #"{"collectionName":"f","filter":\#(escaped)}"#)
            #expect(d["data"]?["deleteCount"]?.intValue == Int64(doomed.count), "\(e.text)")
            rows.removeAll { doomed.contains($0.id) }
            #expect(try ids(s, "id >= 0") == Set(rows.map(\.id)))
        }
    }

    @Test func badExpressionsSayWhatAndWhere() throws {
        let s = try ServerProcess()
        #expect(try s.call("collections/create", Self.schema).code == 0)
        let cases: [(String, String)] = [
            ("b > ", "column 5"),
            ("b >> 1", "bitwise"),
            ("(b == 1", "column 8"),
            ("s == 'open", "unterminated"),
            ("b == \"x\"", "cannot compare"),
            ("s > 3", "cannot compare"),
            ("flag < true", "booleans"),
            ("v == 1", "vector field v"),
            ("nosuch(b)", "function nosuch"),
            ("b + 1", "boolean"),
            ("b in 3", "list"),
            ("b > {missing}", "{missing}"),
            ("array_length(b) == 1", "array_length"),
            ("s like 3", "string pattern"),
            ("1 < b > 3", "same direction"),
        ]
        for (filter, mention) in cases {
            let escaped = JSONWriter().encodeString(.string(filter))
            let r = try s.call("entities/query", #"{"collectionName":"f","filter":\#(escaped)}"#)
            #expect(r.code == 1100, "\(filter): \(r)")
            #expect(r.message.contains(mention), "\(filter): \(r.message)")
        }
    }
}
