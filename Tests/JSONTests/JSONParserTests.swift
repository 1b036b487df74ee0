import JSON
import Testing

@Suite struct JSONParserTests {
    @Test func integersAreExactAtTheEdges() throws {
        let v = try JSONParser.parse(#"{"max":9223372036854775807,"min":-9223372036854775808,"big":9007199254740993}"#)
        #expect(v["max"] == .int(Int64.max))
        #expect(v["min"] == .int(Int64.min))
        // 2^53 + 1 is not representable as a double: it must survive unchanged.
        #expect(v["big"]?.intValue == 9_007_199_254_740_993)
    }

    @Test func integersBeyond64BitsAreRejected() {
        #expect(throws: JSONError.self) { try JSONParser.parse("[18446744073709551616]") }
    }

    /// Arrays of numbers take a shorter path in both the C++ walk and the Swift build; mixed and nested
    /// arrays must come out as before, and an integer above Int64 inside one is still refused.
    @Test func arraysOfNumbersMixedAndNested() throws {
        let v = try JSONParser.parse(#"[[], [1, [2.5, -0.0]], {"k": [-3, "s", null]}, "s", [true, 9223372036854775807]]"#)
        #expect(v == .array([.array([]), .array([.int(1), .array([.double(2.5), .double(-0.0)])]),
                             .object(JSONObject(["k": .array([.int(-3), .string("s"), .null])])), .string("s"),
                             .array([.bool(true), .int(Int64.max)])]))
        #expect(v[1]?[1]?[1]?.doubleValue?.sign == .minus)
        #expect(throws: JSONError.self) { try JSONParser.parse("[1, 9223372036854775808]") }
        #expect(throws: JSONError.self) { try JSONParser.parse(#"{"data":[[0.5, 18446744073709551615]]}"#) }
    }

    @Test func numbersWithFractionOrExponentAreDoubles() throws {
        let v = try JSONParser.parse("[1.5, 1e3, -0.25, 4.0]")
        #expect(v.arrayValue == [.double(1.5), .double(1000), .double(-0.25), .double(4)])
    }

    @Test func stringsKeepUnicodeEscapesAndNul() throws {
        let v = try JSONParser.parse(#"["caf\u00e9 ☕", "a\"b\\c\n", "x\u0000y"]"#)
        #expect(v[0] == .string("café ☕"))
        #expect(v[1] == .string("a\"b\\c\n"))
        #expect(v[2]?.stringValue?.utf8.count == 3)
    }

    @Test func objectsKeepKeyOrderAndLastDuplicateWins() throws {
        let v = try JSONParser.parse(#"{"b":1,"a":2,"c":{"x":[true,false,null]},"b":3}"#)
        #expect(v.objectValue?.keys.first == "b")
        #expect(v["b"] == .int(3))
        #expect(v["c"]?["x"] == .array([.bool(true), .bool(false), .null]))
    }

    @Test func malformedDocumentsReportWhere() {
        do {
            _ = try JSONParser.parse("{\"a\": [1, 2,, 3]}")
            Issue.record("expected a parse error")
        } catch {
            #expect(error.line == 1)
            #expect(error.column > 0)
        }
        #expect(throws: JSONError.self) { try JSONParser.parse("") }
        #expect(throws: JSONError.self) { try JSONParser.parse("{\"a\":1} trailing") }
        #expect(throws: JSONError.self) { try JSONParser.parse("[NaN]") }
    }

    @Test func scalarsAtTopLevelAreAccepted() throws {
        #expect(try JSONParser.parse("42") == .int(42))
        #expect(try JSONParser.parse("\"s\"") == .string("s"))
    }
}

@Suite struct JSONWriterTests {
    @Test func writesCompactJSONThatParsesBack() throws {
        let value: JSONValue = ["a": 1, "b": [true, nil, "x\"y"], "c": ["d": 2.5], "e": .int(Int64.min)]
        let text = JSONWriter().encodeString(value)
        #expect(text == #"{"a":1,"b":[true,null,"x\"y"],"c":{"d":2.5},"e":-9223372036854775808}"#)
        #expect(try JSONParser.parse(text) == value)
    }

    @Test func int64DataBecomeStringsOnlyWhenAsked() {
        let value: JSONValue = ["id": .int64Datum(9_007_199_254_740_993), "count": .int(7)]
        #expect(JSONWriter(allowInt64: true).encodeString(value) == #"{"id":9007199254740993,"count":7}"#)
        #expect(JSONWriter(allowInt64: false).encodeString(value) == #"{"id":"9007199254740993","count":7}"#)
    }

    @Test func controlCharactersAreEscaped() {
        let text = JSONWriter().encodeString(.string("tab\tnl\ncr\rbell\u{07}é"))
        #expect(text == "\"tab\\tnl\\ncr\\rbell\\u0007é\"")
    }

    @Test func doublesUseTheShortestFormAndNoFractionWhenWhole() {
        #expect(JSONWriter().encodeString([1.0, 0.1, -2.5, 1e20, 1e-7]) == "[1,0.1,-2.5,1e+20,1e-07]")
        #expect(JSONWriter().encodeString(.double(.nan)) == "null")
        var out: [UInt8] = []
        JSONWriter.writeFloat(0.9128709, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "0.9128709")
    }

    @Test func randomDocumentsRoundTrip() throws {
        var rng = SystemRandomNumberGenerator()
        func random(_ depth: Int) -> JSONValue {
            switch Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &rng) {
            case 0: return .null
            case 1: return .bool(Bool.random(using: &rng))
            case 2: return .int(Int64.random(in: Int64.min...Int64.max, using: &rng))
            case 3: return .double(Double.random(in: -1e6...1e6, using: &rng))
            case 4: return .string(String((0..<Int.random(in: 0..<8, using: &rng)).map { _ in
                    Character(Unicode.Scalar(UInt8.random(in: 1...126, using: &rng)))
                }))
            case 5: return .array((0..<Int.random(in: 0..<4, using: &rng)).map { _ in random(depth + 1) })
            default:
                var o = JSONObject()
                for i in 0..<Int.random(in: 0..<4, using: &rng) { o.append("k\(i)", random(depth + 1)) }
                return .object(o)
            }
        }
        for _ in 0..<300 {
            let v = random(0)
            #expect(try JSONParser.parse(JSONWriter().encode(v)) == normalized(v))
        }
    }

    /// Whole doubles are written without a fraction, so they parse back as integers.
    private func normalized(_ v: JSONValue) -> JSONValue {
        switch v {
        case .double(let d) where d == d.rounded() && abs(d) < 1e15: return .int(Int64(d))
        case .array(let a): return .array(a.map(normalized))
        case .object(let o): return .object(JSONObject(entries: o.entries.map { .init(key: $0.key, value: normalized($0.value)) }))
        default: return v
        }
    }
}
