@testable import Engine
import JSON
import Testing

/// The same pseudo-random sequence on every run (a 64-bit LCG), for the segments these tests build.
struct SeededRandom {
    var state: UInt64

    mutating func next() -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int(state >> 33)
    }

    /// A value in 0..<n.
    mutating func next(_ n: Int) -> Int { next() % n }
}

extension CompiledFilter {
    /// Whether a scalar index of `segment` answers some comparison of this filter (rather than the scan only).
    func usesIndex(_ segment: Segment) -> Bool {
        var probe = self
        func find(_ b: BoundFilter) -> Bool {
            switch b {
            case .indexed: true
            case .and(let l, let r), .or(let l, let r): find(l) || find(r)
            case .not(let inner): find(inner)
            default: false
            }
        }
        return find(probe.usingIndexes(probe.root, segment))
    }
}

/// The column-at-a-time filter evaluation against the row-by-row evaluator, over rows with nulls, NaN,
/// zeros and the integer extremes (overflow falls back to Double in the row evaluator), deletes, and a
/// scalar index covering part of the rows.
@Suite struct ColumnarFilterTests {
    static let schema = CollectionSchema(enableDynamicField: true, fields: [
        FieldSchema(name: "id", dataType: .int64, isPrimaryKey: true),
        FieldSchema(name: "a", dataType: .int64, nullable: true),
        FieldSchema(name: "b", dataType: .int32),
        FieldSchema(name: "f", dataType: .float),
        FieldSchema(name: "d", dataType: .double, nullable: true),
        FieldSchema(name: "s", dataType: .varChar, nullable: true, typeParams: [Property("max_length", "20")]),
        FieldSchema(name: "flag", dataType: .bool),
        FieldSchema(name: "j", dataType: .json),
        FieldSchema(name: "v", dataType: .floatVector, typeParams: [Property("dim", "2")]),
    ])

    /// 600 rows (row ids 0..<600), less those `skipping` names (the same values for the others).
    static func segment(skipping: (Int) -> Bool = { _ in false }) -> Segment {
        let segment = Segment(schema: schema)
        var random = SeededRandom(state: 99)
        func next() -> Int { random.next() }
        let extremes: [Int64] = [.max, .min, .max - 1, .min + 1, 0, -1]
        for i in 0..<600 {
            let a: FieldValue = i % 11 == 0 ? .null : .int(i % 37 == 0 ? extremes[i % extremes.count] : Int64(next() % 200) - 100)
            let d: FieldValue = i % 13 == 0 ? .null : .double(i % 29 == 0 ? .nan : Double(next() % 1000) / 7 - 50)
            let s: FieldValue = i % 17 == 0 ? .null : .string("x\(next() % 10)")
            // Mostly a number at "k"; some rows have none, a null or a string there.
            let k = Int64(next() % 10)
            let j = JSONObject(i % 23 == 4 ? [:] : ["k": i % 31 == 6 ? .null : i % 41 == 9 ? .string("\(k)") : .int(k)])
            let row = EntityRow(values: [
                .int(Int64(i)), a, .int(Int64(next() % 9) - 4), .float(Float(next() % 100) / 10), d, s, .bool(next() % 2 == 0),
                .json(.object(j)), .floatVector([0, 0]),
            ], dynamic: JSONObject(["extra": .int(Int64(i % 5))]))
            if !skipping(i) { segment.append(rowID: Int64(i), partitionID: 1, row: row) }
        }
        for i in stride(from: 3, to: 600, by: 19) { segment.delete(rowID: Int64(i)) }
        return segment
    }

    static let filters = [
        "a < 10", "a + b > 5", "a * 3 == b", "a % 7 == 1", "a % 0 == 1", "a / 0 == 1", "a / b > 2", "a * 9223372036854775807 > 0",
        "a + 9223372036854775807 > 0", "a - b < -9223372036854775800", "-a < 0", "-(a + 1) > 3", "f > 0.5", "d >= f", "d / 0.0 > 1",
        "d % 3 == 1", "a < 2.5", "2.5 > a", "a == 2.0", "b ** 2 > 9", "a ** 2 > 100", "b in [1, 2, 3]", "b not in [1, 2]",
        "a in [1, 2.5, 7]", "a in [-5, 7, 9223372036854775807]", "s == \"x3\"", "s > \"x5\"", "\"x5\" <= s", "s != \"x1\"",
        "flag == true", "not (a < 10) or d > 0", "(a < 10 and d > 0) or s like \"x1%\"", "j[\"k\"] > 3 and a > 0",
        "a is null", "d is not null and a > 0", "id > 100 and a + 1 < 50", "extra == 2 or b > 2", "not (b > 0 and d < 0)",
        "a > 0 and a < 0", "d != d", "f * 2 < b", "id % 100 < 10", "10 > id % 100", "b - 4 <= -a",
        // Remainders by a constant (read without a division below 2³²) and comparisons of every kind.
        "a % -7 == -1", "b % 3 == -1", "a % 1 == 0", "a % -1 == 0", "a % 4294967295 > 5", "a % 4294967296 > 5",
        "a % 2147483647 < -3", "a <= b", "a != 3", "3 == a", "b >= -2", "1 < 2", "2 <= 1", "d < 1e300", "f >= f",
    ]

    @Test func columnAtATimeAnswersAsRowByRow() throws {
        let segment = Self.segment()
        for text in Self.filters {
            let filter = try #require(try FilterCompiler.compile(text, parameters: nil, schema: Self.schema), "\(text)")
            let columnar = try filter.evaluate(segment)
            let rowByRow = filter.evaluateRowByRow(segment)
            #expect(columnar == rowByRow, "\(text): \(zip(columnar, rowByRow).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset).prefix(5))")
        }
    }

    @Test func partlyIndexedFieldsAnswerAsRowByRow() throws {
        let segment = Self.segment(), plain = Self.segment()
        // Indexes over the first 400 rows only: the rest are evaluated as written.
        for f in [1, 2, 3, 5] {
            // Bound first: passed straight to the optional parameter, #require would check nothing.
            let index = try #require(ScalarIndex(column: segment.columns[f], field: f, count: 400))
            segment.setScalarIndex(index, field: f)
        }
        // A NaN has no place in an order: that column is not indexed.
        #expect(ScalarIndex(column: segment.columns[4], field: 4, count: 400) == nil)
        for text in Self.filters {
            let filter = try #require(try FilterCompiler.compile(text, parameters: nil, schema: Self.schema), "\(text)")
            #expect(try filter.evaluate(segment) == filter.evaluateRowByRow(plain), "\(text)")
        }
    }
}

/// An index on an Array field keys the rows by their elements: `array_contains`, `_any` and `_all` are
/// answered from it, and must select what a scan selects (nulls, empty arrays, repeated elements, element
/// types that do not match the value's).
@Suite struct ArrayIndexFilterTests {
    static let schema = CollectionSchema(enableDynamicField: false, fields: [
        FieldSchema(name: "id", dataType: .int64, isPrimaryKey: true),
        FieldSchema(name: "ints", dataType: .array, elementType: .int64, nullable: true, typeParams: [Property("max_capacity", "8")]),
        FieldSchema(name: "words", dataType: .array, elementType: .varChar, typeParams: [Property("max_capacity", "8"), Property("max_length", "8")]),
        FieldSchema(name: "reals", dataType: .array, elementType: .double, typeParams: [Property("max_capacity", "8")]),
        FieldSchema(name: "flags", dataType: .array, elementType: .bool, typeParams: [Property("max_capacity", "8")]),
        FieldSchema(name: "v", dataType: .floatVector, typeParams: [Property("dim", "2")]),
    ])

    static func segment() -> Segment {
        let segment = Segment(schema: schema)
        var random = SeededRandom(state: 7)
        func next(_ n: Int) -> Int { random.next(n) }
        for i in 0..<600 {
            let ints: FieldValue = i % 13 == 0 ? .null : .array((0..<next(5)).map { _ in .int(Int64(next(12)) - 2) })
            segment.append(rowID: Int64(i), partitionID: 1, row: EntityRow(values: [
                .int(Int64(i)), ints, .array((0..<next(4)).map { _ in .string("w\(next(6))") }),
                .array((0..<next(4)).map { _ in .double(Double(next(8)) / 4) }), .array((0..<next(3)).map { _ in .bool(next(2) == 0) }),
                .floatVector([0, 0]),
            ]))
        }
        for i in stride(from: 5, to: 600, by: 23) { segment.delete(rowID: Int64(i)) }
        return segment
    }

    @Test func arrayIndexesAnswerAsAScan() throws {
        let segment = Self.segment(), plain = Self.segment()
        // Indexes over the first 400 rows only: the rest are evaluated as written.
        for f in 1...4 {
            let index = try #require(ScalarIndex(column: segment.columns[f], field: f, count: 400))
            segment.setScalarIndex(index, field: f)
        }
        let answered = [
            "array_contains(ints, 3)", "array_contains(ints, -2)", "array_contains_any(ints, [1, 2, 50])", "array_contains_all(ints, [1, 2])",
            "not array_contains(ints, 0)", "array_contains(words, \"w1\")", "array_contains_all(words, [\"w1\", \"w2\"])",
            "array_contains_any(reals, [0.5, 1])", "array_contains(flags, true)", "array_contains_all(flags, [true, false])",
            "array_contains(ints, 3) and not array_contains_any(words, [\"w0\"])", "ARRAY_CONTAINS(ints, 9)",
        ]
        // Values the keys cannot be looked up by (another type, an empty `all`): the scan answers.
        let scanned = ["array_contains(ints, 2.5)", "array_contains_all(ints, [])", "array_contains(words, 1)", "array_contains(ints, [1])"]
        for text in answered + scanned {
            let filter = try #require(try FilterCompiler.compile(text, parameters: nil, schema: Self.schema), "\(text)")
            #expect(try filter.evaluate(segment) == filter.evaluateRowByRow(plain), "\(text)")
            #expect(filter.evaluateRowByRow(segment) == filter.evaluateRowByRow(plain), "\(text) row by row")
            #expect(filter.usesIndex(segment) == answered.contains(text), "\(text): answered by the index")
        }
        // Some rows hold each probed value, so the comparisons above are not all empty.
        let some = try #require(try FilterCompiler.compile("array_contains(ints, 3)", parameters: nil, schema: Self.schema)).evaluate(segment)
        #expect(some.filter { $0 }.count > 20)
    }
}

/// A JSON path index keys the value at its path when it has the cast type; rows without such a value are
/// unknown to comparisons, as a scan finds them (so `not` does not turn them true). Values of every kind sit
/// at the path: numbers of both kinds, strings, bools, null, arrays, objects, and missing keys.
@Suite struct JSONPathIndexFilterTests {
    static let schema = CollectionSchema(enableDynamicField: false, fields: [
        FieldSchema(name: "id", dataType: .int64, isPrimaryKey: true),
        FieldSchema(name: "j", dataType: .json, nullable: true),
        FieldSchema(name: "v", dataType: .floatVector, typeParams: [Property("dim", "2")]),
    ])

    static func segment() -> Segment {
        let segment = Segment(schema: schema)
        var random = SeededRandom(state: 11)
        func next(_ n: Int) -> Int { random.next(n) }
        for i in 0..<600 {
            let k: JSONValue? = switch next(9) {
            case 0: nil
            case 1: .null
            case 2: .string("s\(next(3))")
            case 3: .bool(next(2) == 0)
            case 4: .double(Double(next(12)) / 4)
            case 5: .array([.int(1)])
            case 6: .object(JSONObject(["x": .int(1)]))
            default: .int(Int64(next(6)))
            }
            let tags: JSONValue = next(4) == 0 ? .string("none") : .array((0..<next(4)).map { _ in next(5) == 0 ? .string("a") : .int(Int64(next(5))) })
            var object = JSONObject(["tags": tags, "inner": .object(JSONObject(["k": k ?? .int(0)]))])
            if let k { object["k"] = k }
            segment.append(rowID: Int64(i), partitionID: 1, row: EntityRow(values: [
                .int(Int64(i)), i % 31 == 0 ? .null : .json(.object(object)), .floatVector([0, 0]),
            ]))
        }
        for i in stride(from: 2, to: 600, by: 29) { segment.delete(rowID: Int64(i)) }
        return segment
    }

    @Test(arguments: [
        ("j[\"k\"]", "DOUBLE", ["j[\"k\"] > 1", "j[\"k\"] <= 0.5", "j[\"k\"] == 2", "j[\"k\"] != 2", "not (j[\"k\"] < 1)", "1.25 < j[\"k\"]", "j[\"k\"] >= 0 or j[\"k\"] == \"s1\"",
                                  "j[\"k\"] in [1, 2]", "j[\"k\"] not in [2]", "not (j[\"k\"] in [1, 0.5])"],
         ["j[\"k\"] == \"s1\"", "j[\"k\"] in [1, \"s1\"]", "j[\"inner\"][\"k\"] > 1"]),
        ("j[\"k\"]", "VARCHAR", ["j[\"k\"] == \"s1\"", "j[\"k\"] > \"s0\"", "not (j[\"k\"] != \"s2\")", "j[\"k\"] like \"s%\"", "j[\"k\"] not like \"s1%\"",
                                   "not (j[\"k\"] like \"s2%\")", "j[\"k\"] in [\"s1\", \"s2\"]", "j[\"k\"] not in [\"s1\"]"],
         ["j[\"k\"] > 1", "j[\"k\"] like \"%1\"", "j[\"k\"] like \"s2\"", "j[\"k\"] in [\"s1\", 1]"]),
        ("j[\"k\"]", "BOOL", ["j[\"k\"] == true", "not (j[\"k\"] == false)", "j[\"k\"] in [true]", "j[\"k\"] not in [false]"],
         ["j[\"k\"] > false", "j[\"k\"] == 1"]),
        ("j[\"tags\"]", "ARRAY_DOUBLE", ["json_contains(j[\"tags\"], 3)", "json_contains_any(j[\"tags\"], [1, 4])", "json_contains_all(j[\"tags\"], [0, 1])",
                                          "not json_contains(j[\"tags\"], 2)"],
         ["json_contains(j[\"tags\"], \"a\")", "json_contains_all(j[\"tags\"], [])", "j[\"tags\"] == 1"]),
        ("j[\"inner\"][\"k\"]", "DOUBLE", ["j[\"inner\"][\"k\"] > 1", "not (j[\"inner\"][\"k\"] <= 0.75)"], ["j[\"k\"] > 1"]),
    ])
    func jsonPathIndexesAnswerAsAScan(path: String, cast: String, answered: [String], scanned: [String]) throws {
        let segment = Self.segment(), plain = Self.segment()
        let keys = try #require(IndexRules.jsonPath(path, field: Self.schema.fields[1]))
        let json = try #require(ScalarIndex.JSONCast(path: keys, castType: cast))
        // Over the first 400 rows only: the rest are evaluated as written.
        let index = try #require(ScalarIndex(column: segment.columns[1], field: 1, count: 400, json: json))
        segment.setScalarIndex(index, field: 1)
        for text in answered + scanned {
            let filter = try #require(try FilterCompiler.compile(text, parameters: nil, schema: Self.schema), "\(text)")
            #expect(try filter.evaluate(segment) == filter.evaluateRowByRow(plain), "\(path) as \(cast): \(text)")
            #expect(filter.evaluateRowByRow(segment) == filter.evaluateRowByRow(plain), "\(path) as \(cast): \(text) row by row")
            #expect(filter.usesIndex(segment) == answered.contains(text), "\(path) as \(cast): \(text) answered by the index")
            // The indexed comparisons are not vacuous: each selects some rows.
            if answered.contains(text) { #expect(try filter.evaluate(segment).contains(true), "\(text) selects some rows") }
        }
    }

    /// An integer a Double cannot hold exactly at the path: no DOUBLE index (the scan compares exactly).
    @Test func wideIntegersAreNotIndexedAsDoubles() throws {
        let segment = Segment(schema: Self.schema)
        for i in 0..<3 {
            let k: JSONValue = .int(i == 1 ? (1 << 53) + 1 : Int64(i))
            segment.append(rowID: Int64(i), partitionID: 1, row: EntityRow(values: [.int(Int64(i)), .json(.object(JSONObject(["k": k]))), .floatVector([0, 0])]))
        }
        let json = try #require(ScalarIndex.JSONCast(path: [.key("k")], castType: "double"))
        #expect(ScalarIndex(column: segment.columns[1], field: 1, count: 3, json: json) == nil)
        #expect(IndexRules.jsonPath("j[\"a\"][2]", field: Self.schema.fields[1]) == [.key("a"), .index(2)])
        #expect(IndexRules.jsonPath("other[\"a\"]", field: Self.schema.fields[1]) == nil)
        #expect(IndexRules.jsonPath("j[", field: Self.schema.fields[1]) == nil)
    }
}
