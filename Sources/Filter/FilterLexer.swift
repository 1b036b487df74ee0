/// Tokens of the filter language.
enum FilterToken: Equatable {
    case identifier(String)
    case keyword(String)  // lower-cased: and, or, not, in, like, is, null, exists
    case int(Int64)
    case double(Double)
    case string(String)
    case bool(Bool)
    case symbol(String)
    case template(String)
    case end
}

/// Splits filter text into tokens, with their columns.
struct FilterLexer {
    private let chars: [Character]
    private var i = 0

    init(_ text: String) { chars = Array(text) }

    private static let keywords: Set<String> = ["and", "or", "not", "in", "like", "is", "null", "exists"]

    mutating func tokenize() throws(FilterSyntaxError) -> [(FilterToken, Int)] {
        var tokens: [(FilterToken, Int)] = []
        while true {
            while i < chars.count, chars[i].isWhitespace { i += 1 }
            let column = i + 1
            guard i < chars.count else {
                tokens.append((.end, column))
                return tokens
            }
            tokens.append((try next(), column))
        }
    }

    private func error(_ message: String, _ at: Int? = nil) -> FilterSyntaxError {
        FilterSyntaxError(message: message, column: (at ?? i) + 1)
    }

    private mutating func next() throws(FilterSyntaxError) -> FilterToken {
        let c = chars[i]
        if c == "\"" || c == "'" { return .string(try stringLiteral()) }
        if (c == "r" || c == "R"), i + 1 < chars.count, chars[i + 1] == "\"" || chars[i + 1] == "'" {
            i += 1
            return .string(try stringLiteral(raw: true))
        }
        if c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isNumber) { return try number() }
        if c.isLetter || c == "_" || c == "$" {
            let start = i
            i += 1
            while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" { i += 1 }
            let word = String(chars[start..<i])
            switch word {
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            default: break
            }
            // Keywords in lower case or all upper case only, as Milvus's grammar has them.
            if Self.keywords.contains(word) || (word == word.uppercased() && Self.keywords.contains(word.lowercased())) {
                return .keyword(word.lowercased())
            }
            return .identifier(word)
        }
        if c == "{" {
            let start = i
            i += 1
            let nameStart = i
            while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" { i += 1 }
            guard i < chars.count, chars[i] == "}", i > nameStart else {
                throw error("a template must look like {name}", start)
            }
            let name = String(chars[nameStart..<i])
            i += 1
            return .template(name)
        }
        for symbol in ["**", "==", "!=", "<=", ">=", "&&", "||", "<<", ">>", "=~", "!~"] where matches(symbol) {
            i += symbol.count
            return .symbol(symbol)
        }
        if "+-*/%<>()[],!&|^~".contains(c) {
            i += 1
            return .symbol(String(c))
        }
        throw error("unexpected character '\(c)'")
    }

    private func matches(_ s: String) -> Bool {
        let cs = Array(s)
        guard i + cs.count <= chars.count else { return false }
        return Array(chars[i..<i + cs.count]) == cs
    }

    private mutating func stringLiteral(raw: Bool = false) throws(FilterSyntaxError) -> String {
        let quote = chars[i]
        let start = i
        i += 1
        var result = ""
        while i < chars.count {
            let c = chars[i]
            if c == quote {
                i += 1
                return result
            }
            if c == "\\" && !raw {
                guard i + 1 < chars.count else { break }
                let e = chars[i + 1]
                i += 2
                switch e {
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "r": result.append("\r")
                case "\\": result.append("\\")
                case "\"": result.append("\"")
                case "'": result.append("'")
                case "u":
                    guard i + 4 <= chars.count, let v = UInt32(String(chars[i..<i + 4]), radix: 16), let s = Unicode.Scalar(v) else {
                        throw error("bad \\u escape", i - 2)
                    }
                    result.unicodeScalars.append(s)
                    i += 4
                // `\%` and `\_` keep their backslash: they are escapes of the `like` pattern.
                case "%", "_": result.append("\\"); result.append(e)
                default: throw error("unknown escape \\\(e)", i - 2)
                }
                continue
            }
            result.append(c)
            i += 1
        }
        throw error("unterminated string", start)
    }

    private mutating func number() throws(FilterSyntaxError) -> FilterToken {
        let start = i
        if chars[i] == "0", i + 1 < chars.count, "xXbBoO".contains(chars[i + 1]) {
            let radix = "xX".contains(chars[i + 1]) ? 16 : ("bB".contains(chars[i + 1]) ? 2 : 8)
            i += 2
            let digitsStart = i
            while i < chars.count, chars[i].isHexDigit { i += 1 }
            guard let v = Int64(String(chars[digitsStart..<i]), radix: radix) else {
                throw error("bad integer literal \(String(chars[start..<i]))", start)
            }
            return .int(v)
        }
        var isFloat = false
        while i < chars.count {
            let c = chars[i]
            if c.isNumber {
                i += 1
            } else if c == "." {
                isFloat = true
                i += 1
            } else if c == "e" || c == "E" {
                isFloat = true
                i += 1
                if i < chars.count, chars[i] == "+" || chars[i] == "-" { i += 1 }
            } else {
                break
            }
        }
        let text = String(chars[start..<i])
        if i < chars.count, chars[i].isLetter || chars[i] == "_" {
            throw error("bad number literal \(text)\(chars[i])", start)
        }
        if isFloat {
            guard let d = Double(text), d.isFinite else { throw error("bad number literal \(text)", start) }
            return .double(d)
        }
        // A leading 0 means octal, as in Milvus's grammar.
        if text.count > 1, text.hasPrefix("0") {
            guard let v = Int64(text.dropFirst(), radix: 8) else { throw error("bad octal literal \(text)", start) }
            return .int(v)
        }
        guard let v = Int64(text) else { throw error("integer literal \(text) is out of the 64-bit range", start) }
        return .int(v)
    }
}
