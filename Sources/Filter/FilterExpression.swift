/// A parsed filter expression (Milvus's boolean expression language, reference §12). Pure syntax: names are
/// resolved against a schema by the engine.
public indirect enum FilterExpression: Sendable, Equatable {
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case list([FilterExpression])
    /// A field name, or a key of the dynamic field.
    case identifier(String)
    /// `name["key"][0]...`: a JSON path, an array element, or `$meta["key"]`.
    case path(String, [PathComponent])
    /// `{name}`: a template value from `exprParams`.
    case template(String)
    case unary(UnaryOperator, FilterExpression)
    case binary(BinaryOperator, FilterExpression, FilterExpression)
    /// `lower op1 value op2 upper` (both operators `<`/`<=`, or both `>`/`>=`).
    case range(FilterExpression, BinaryOperator, FilterExpression, BinaryOperator, FilterExpression)
    case membership(FilterExpression, FilterExpression, negated: Bool)
    case like(FilterExpression, String, negated: Bool)
    case isNull(FilterExpression, negated: Bool)
    case exists(FilterExpression)
    case call(String, [FilterExpression])

    public enum PathComponent: Sendable, Equatable {
        case key(String)
        case index(Int)
    }
}

public enum UnaryOperator: String, Sendable {
    case plus = "+", minus = "-", not = "not"
}

public enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%", power = "**"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case and = "and", or = "or"

    public var isComparison: Bool {
        switch self {
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: true
        default: false
        }
    }
}

/// A filter that could not be parsed: where, and why.
public struct FilterSyntaxError: Error, Sendable, CustomStringConvertible {
    public let message: String
    /// 1-based column (in characters) where the problem was found.
    public let column: Int

    public var description: String { "\(message) at column \(column)" }
}
