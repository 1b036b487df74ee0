@testable import Engine
import JSON
import Testing

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

    static func segment() -> Segment {
        let segment = Segment(schema: schema)
        var state: UInt64 = 99
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33)
        }
        let extremes: [Int64] = [.max, .min, .max - 1, .min + 1, 0, -1]
        for i in 0..<600 {
            let a: FieldValue = i % 11 == 0 ? .null : .int(i % 37 == 0 ? extremes[i % extremes.count] : Int64(next() % 200) - 100)
            let d: FieldValue = i % 13 == 0 ? .null : .double(i % 29 == 0 ? .nan : Double(next() % 1000) / 7 - 50)
            let s: FieldValue = i % 17 == 0 ? .null : .string("x\(next() % 10)")
            let j = JSONObject(["k": .int(Int64(next() % 10))])
            segment.append(rowID: Int64(i), partitionID: 1, row: EntityRow(values: [
                .int(Int64(i)), a, .int(Int64(next() % 9) - 4), .float(Float(next() % 100) / 10), d, s, .bool(next() % 2 == 0),
                .json(.object(j)), .floatVector([0, 0]),
            ], dynamic: JSONObject(["extra": .int(Int64(i % 5))])))
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
            segment.setScalarIndex(try #require(ScalarIndex(column: segment.columns[f], field: f, count: 400)), field: f)
        }
        // A NaN has no place in an order: that column is not indexed.
        #expect(ScalarIndex(column: segment.columns[4], field: 4, count: 400) == nil)
        for text in Self.filters {
            let filter = try #require(try FilterCompiler.compile(text, parameters: nil, schema: Self.schema), "\(text)")
            #expect(try filter.evaluate(segment) == filter.evaluateRowByRow(plain), "\(text)")
        }
    }
}
