import Filter
import Testing

@Suite struct FilterParserTests {
    private func parse(_ s: String) throws -> FilterExpression { try FilterParser.parse(s) }

    @Test func precedenceFollowsTheGrammar() throws {
        #expect(try parse("a == 1 or b == 2 and c == 3")
                == .binary(.or, .binary(.equal, .identifier("a"), .int(1)),
                           .binary(.and, .binary(.equal, .identifier("b"), .int(2)), .binary(.equal, .identifier("c"), .int(3)))))
        #expect(try parse("x + 2 * y > 10")
                == .binary(.greater, .binary(.add, .identifier("x"), .binary(.multiply, .int(2), .identifier("y"))), .int(10)))
        #expect(try parse("-x ** 2") == .unary(.minus, .binary(.power, .identifier("x"), .int(2))))
        // Unary `not` binds tighter than comparisons: `not a > 1` is `(not a) > 1`.
        #expect(try parse("not a > 1") == .binary(.greater, .unary(.not, .identifier("a")), .int(1)))
        #expect(try parse("not (a > 1)") == .unary(.not, .binary(.greater, .identifier("a"), .int(1))))
        #expect(try parse("a > 1 && !(b < 2) || c") == .binary(.or, .binary(.and, .binary(.greater, .identifier("a"), .int(1)),
                                                                              .unary(.not, .binary(.less, .identifier("b"), .int(2)))),
                                                                  .identifier("c")))
    }

    @Test func chainedRangesMembershipLikeAndNulls() throws {
        #expect(try parse("1 < x <= 5") == .range(.int(1), .less, .identifier("x"), .lessEqual, .int(5)))
        #expect(try parse("10 >= x > 2") == .range(.int(10), .greaterEqual, .identifier("x"), .greater, .int(2)))
        #expect(throws: FilterSyntaxError.self) { try parse("1 < x > 5") }
        #expect(try parse("id in [1, 2, 3,]") == .membership(.identifier("id"), .list([.int(1), .int(2), .int(3)]), negated: false))
        #expect(try parse("c not in {colors}") == .membership(.identifier("c"), .template("colors"), negated: true))
        #expect(try parse(#"name like "ab%""#) == .like(.identifier("name"), "ab%", negated: false))
        #expect(try parse("x is not null") == .isNull(.identifier("x"), negated: true))
        #expect(try parse("x IS NOT NULL") == .isNull(.identifier("x"), negated: true))
        #expect(try parse(#"meta["a"][0] is null"#) == .isNull(.path("meta", [.key("a"), .index(0)]), negated: false))
        #expect(try parse(#"exists $meta["k"]"#) == .exists(.path("$meta", [.key("k")])))
    }

    @Test func literalsAndCalls() throws {
        #expect(try parse("x == 0x1F") == .binary(.equal, .identifier("x"), .int(31)))
        #expect(try parse("x == 0b101") == .binary(.equal, .identifier("x"), .int(5)))
        #expect(try parse("x == 017") == .binary(.equal, .identifier("x"), .int(15)))
        #expect(try parse("x == 1.5e3") == .binary(.equal, .identifier("x"), .double(1500)))
        #expect(try parse("x == 9223372036854775807") == .binary(.equal, .identifier("x"), .int(Int64.max)))
        #expect(try parse(#"s == 'it\'s' or s == "a\"b\u00e9""#)
                == .binary(.or, .binary(.equal, .identifier("s"), .string("it's")), .binary(.equal, .identifier("s"), .string("a\"bé"))))
        #expect(try parse("b == True and c == FALSE") == .binary(.and, .binary(.equal, .identifier("b"), .bool(true)),
                                                                   .binary(.equal, .identifier("c"), .bool(false))))
        #expect(try parse(#"json_contains_any(m["tags"], ["a", "b"])"#)
                == .call("json_contains_any", [.path("m", [.key("tags")]), .list([.string("a"), .string("b")])]))
        #expect(try parse("array_length(arr) == 2") == .binary(.equal, .call("array_length", [.identifier("arr")]), .int(2)))
    }

    @Test func errorsSayWhere() {
        let cases: [(String, Int)] = [("x > ", 5), ("x >> 1", 3), ("(a == 1", 8), ("a == 'open", 6), ("a == 1 b", 8),
                                      ("x == 99999999999999999999", 6), ("a ~= 1", 4), ("{bad name}", 1), ("x in [1 2]", 9)]
        for (text, column) in cases {
            do {
                _ = try FilterParser.parse(text)
                Issue.record("parsed \(text)")
            } catch {
                #expect(error.column == column, "\(text): \(error)")
            }
        }
    }
}
