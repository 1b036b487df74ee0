import Filter
import JSON

extension JSONValue {
    /// The value at `path` (keys into objects, indexes into arrays), or nil when a step is missing.
    func at(_ path: [FilterExpression.PathComponent]) -> JSONValue? {
        var current = self
        for component in path {
            switch component {
            case .key(let k):
                guard let next = current[k] else { return nil }
                current = next
            case .index(let i):
                guard let next = current[i] else { return nil }
                current = next
            }
        }
        return current
    }
}
