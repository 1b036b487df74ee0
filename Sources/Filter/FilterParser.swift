/// Parses filter text into a `FilterExpression`, with the precedence of Milvus's grammar (reference §12.3):
/// `or` < `and` < `== !=` < `< <= > >=` (and chained ranges) < `in`/`like` < `+ -` < `* / %` < unary
/// (`+ - not !`) < `**` < `is [not] null` < primaries.
public struct FilterParser {
    private var tokens: [(FilterToken, Int)]
    private var position = 0
    /// Current nesting (parentheses, unary operators, lists, calls) and the limits that keep evaluation's
    /// recursion shallow: a filter is client input, and a deep one must be an error, not a stack overflow.
    private var depth = 0
    static let maxDepth = 256
    static let maxChain = 4_096

    /// Parses `text`; an empty or all-blank text is an error (callers treat "no filter" before parsing).
    public static func parse(_ text: String) throws(FilterSyntaxError) -> FilterExpression {
        var lexer = FilterLexer(text)
        var parser = FilterParser(tokens: try lexer.tokenize())
        let expression = try parser.parseOr()
        guard case .end = parser.current else { throw parser.unexpected() }
        return expression
    }

    private init(tokens: [(FilterToken, Int)]) { self.tokens = tokens }

    private var current: FilterToken { tokens[position].0 }
    private var column: Int { tokens[position].1 }
    private func peek(_ offset: Int = 1) -> FilterToken {
        tokens[min(position + offset, tokens.count - 1)].0
    }
    private mutating func advance() { if position < tokens.count - 1 { position += 1 } }

    private func unexpected(_ expected: String? = nil) -> FilterSyntaxError {
        let found: String = switch current {
        case .end: "end of expression"
        case .identifier(let s): "'\(s)'"
        case .keyword(let s): "'\(s)'"
        case .int(let v): "\(v)"
        case .double(let d): "\(d)"
        case .string(let s): "\"\(s)\""
        case .bool(let b): "\(b)"
        case .symbol(let s): "'\(s)'"
        case .template(let t): "{\(t)}"
        }
        return FilterSyntaxError(message: "unexpected \(found)" + (expected.map { ", expected \($0)" } ?? ""), column: column)
    }

    private mutating func expect(symbol: String) throws(FilterSyntaxError) {
        guard current == .symbol(symbol) else { throw unexpected("'\(symbol)'") }
        advance()
    }

    private func isSymbol(_ s: String) -> Bool { current == .symbol(s) }
    private func isKeyword(_ s: String) -> Bool { current == .keyword(s) }

    mutating func parseOr() throws(FilterSyntaxError) -> FilterExpression {
        try enter()
        defer { depth -= 1 }
        var operands = [try parseAnd()]
        while isKeyword("or") || isSymbol("||") {
            advance()
            operands.append(try parseAnd())
        }
        return Self.balanced(.or, operands[...])
    }

    private mutating func parseAnd() throws(FilterSyntaxError) -> FilterExpression {
        var operands = [try parseEquality()]
        while isKeyword("and") || isSymbol("&&") {
            advance()
            operands.append(try parseEquality())
        }
        return Self.balanced(.and, operands[...])
    }

    /// `and` and `or` are associative: a long chain becomes a balanced tree, logarithmic in depth.
    private static func balanced(_ op: BinaryOperator, _ operands: ArraySlice<FilterExpression>) -> FilterExpression {
        if operands.count == 1 { return operands.first! }
        let mid = operands.startIndex + operands.count / 2
        return .binary(op, balanced(op, operands[..<mid]), balanced(op, operands[mid...]))
    }

    private mutating func enter() throws(FilterSyntaxError) {
        depth += 1
        guard depth <= Self.maxDepth else {
            throw FilterSyntaxError(message: "the expression nests deeper than \(Self.maxDepth) levels", column: column)
        }
    }

    /// Left-deep chains of one precedence level (`a + b + c ...`) are limited in length.
    private func checkChain(_ n: Int) throws(FilterSyntaxError) {
        guard n <= Self.maxChain else {
            throw FilterSyntaxError(message: "the expression chains more than \(Self.maxChain) operators of one kind", column: column)
        }
    }

    private mutating func parseEquality() throws(FilterSyntaxError) -> FilterExpression {
        var left = try parseRelational()
        var n = 0
        while true {
            n += 1
            try checkChain(n)
            if isSymbol("==") { advance(); left = .binary(.equal, left, try parseRelational()) }
            else if isSymbol("!=") { advance(); left = .binary(.notEqual, left, try parseRelational()) }
            else if isSymbol("&") || isSymbol("|") || isSymbol("^") || isSymbol("<<") || isSymbol(">>") || isSymbol("~") {
                throw FilterSyntaxError(message: "bitwise operators are not supported", column: column)
            } else if isSymbol("=~") || isSymbol("!~") {
                throw FilterSyntaxError(message: "regular expression matching is not supported", column: column)
            } else { return left }
        }
    }

    private func relationalOperator() -> BinaryOperator? {
        switch current {
        case .symbol("<"): .less
        case .symbol("<="): .lessEqual
        case .symbol(">"): .greater
        case .symbol(">="): .greaterEqual
        default: nil
        }
    }

    private mutating func parseRelational() throws(FilterSyntaxError) -> FilterExpression {
        let left = try parseMembership()
        guard let op1 = relationalOperator() else { return left }
        advance()
        let middle = try parseMembership()
        guard let op2 = relationalOperator() else { return .binary(op1, left, middle) }
        let opColumn = column
        advance()
        let right = try parseMembership()
        let ascending: Set<BinaryOperator> = [.less, .lessEqual]
        guard ascending.contains(op1) == ascending.contains(op2) else {
            throw FilterSyntaxError(message: "a chained range needs both comparisons in the same direction", column: opColumn)
        }
        if relationalOperator() != nil { throw unexpected() }
        return .range(left, op1, middle, op2, right)
    }

    private mutating func parseMembership() throws(FilterSyntaxError) -> FilterExpression {
        var left = try parseAdditive()
        var n = 0
        while true {
            n += 1
            try checkChain(n)
            var negated = false
            if isKeyword("not"), peek() == .keyword("in") || peek() == .keyword("like") {
                negated = true
                advance()
            }
            if isKeyword("in") {
                advance()
                left = .membership(left, try parseAdditive(), negated: negated)
            } else if isKeyword("like") {
                advance()
                guard case .string(let pattern) = current else { throw unexpected("a string pattern") }
                advance()
                left = .like(left, pattern, negated: negated)
            } else {
                return left
            }
        }
    }

    private mutating func parseAdditive() throws(FilterSyntaxError) -> FilterExpression {
        var left = try parseMultiplicative()
        var n = 0
        while true {
            n += 1
            try checkChain(n)
            if isSymbol("+") { advance(); left = .binary(.add, left, try parseMultiplicative()) }
            else if isSymbol("-") { advance(); left = .binary(.subtract, left, try parseMultiplicative()) }
            else { return left }
        }
    }

    private mutating func parseMultiplicative() throws(FilterSyntaxError) -> FilterExpression {
        var left = try parseUnary()
        var n = 0
        while true {
            n += 1
            try checkChain(n)
            if isSymbol("*") { advance(); left = .binary(.multiply, left, try parseUnary()) }
            else if isSymbol("/") { advance(); left = .binary(.divide, left, try parseUnary()) }
            else if isSymbol("%") { advance(); left = .binary(.modulo, left, try parseUnary()) }
            else { return left }
        }
    }

    private mutating func parseUnary() throws(FilterSyntaxError) -> FilterExpression {
        try enter()
        defer { depth -= 1 }
        if isSymbol("-") { advance(); return .unary(.minus, try parseUnary()) }
        if isSymbol("+") { advance(); return .unary(.plus, try parseUnary()) }
        if isKeyword("not") || isSymbol("!") { advance(); return .unary(.not, try parseUnary()) }
        return try parsePower()
    }

    private mutating func parsePower() throws(FilterSyntaxError) -> FilterExpression {
        let base = try parsePostfix()
        guard isSymbol("**") else { return base }
        advance()
        return .binary(.power, base, try parseUnary())
    }

    private mutating func parsePostfix() throws(FilterSyntaxError) -> FilterExpression {
        let expression = try parsePrimary()
        guard isKeyword("is") else { return expression }
        advance()
        var negated = false
        if isKeyword("not") { negated = true; advance() }
        guard isKeyword("null") else { throw unexpected("null") }
        advance()
        switch expression {
        case .identifier, .path: return .isNull(expression, negated: negated)
        default: throw FilterSyntaxError(message: "is null applies to a field or a JSON path", column: column)
        }
    }

    private mutating func parsePrimary() throws(FilterSyntaxError) -> FilterExpression {
        switch current {
        case .bool(let b): advance(); return .bool(b)
        case .int(let v): advance(); return .int(v)
        case .double(let d): advance(); return .double(d)
        case .string(let s): advance(); return .string(s)
        case .template(let t): advance(); return .template(t)
        case .symbol("("):
            advance()
            let inner = try parseOr()
            try expect(symbol: ")")
            return inner
        case .symbol("["):
            advance()
            var items: [FilterExpression] = []
            while !isSymbol("]") {
                items.append(try parseOr())
                if isSymbol(",") { advance() } else if !isSymbol("]") { throw unexpected("',' or ']'") }
            }
            advance()
            return .list(items)
        case .keyword("exists"):
            advance()
            let target = try parsePrimary()
            switch target {
            case .identifier, .path: return .exists(target)
            default: throw FilterSyntaxError(message: "exists applies to a JSON path", column: column)
            }
        case .identifier(let name):
            advance()
            if isSymbol("(") {
                advance()
                var args: [FilterExpression] = []
                while !isSymbol(")") {
                    args.append(try parseOr())
                    if isSymbol(",") { advance() } else if !isSymbol(")") { throw unexpected("',' or ')'") }
                }
                advance()
                return .call(name, args)
            }
            var components: [FilterExpression.PathComponent] = []
            while isSymbol("[") {
                advance()
                switch current {
                case .string(let key): components.append(.key(key))
                case .int(let index) where index >= 0 && index <= Int64(Int32.max): components.append(.index(Int(index)))
                default: throw unexpected("a string key or an index")
                }
                advance()
                try expect(symbol: "]")
            }
            return components.isEmpty ? .identifier(name) : .path(name, components)
        default:
            throw unexpected()
        }
    }
}
