/// A document that is not valid JSON. `line`/`column`/`position` come from the parser.
public struct JSONError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public let line: Int
    public let column: Int
    public let position: Int

    public init(message: String, line: Int = 0, column: Int = 0, position: Int = 0) {
        self.message = message
        self.line = line
        self.column = column
        self.position = position
    }

    public var description: String {
        line > 0 ? "\(message) near line \(line), column \(column)" : message
    }
}
