import Filter
import JSON

/// A filter bound to a collection's schema: names resolved to fields or dynamic keys, templates filled in,
/// types checked. Errors are 1100 and say what is wrong and where.
indirect enum BoundFilter: Sendable {
    case constant(FilterValue)
    case field(Int)
    /// A JSON path into a JSON field (`field` set) or into the dynamic field (`field` nil).
    case jsonPath(field: Int?, [FilterExpression.PathComponent])
    /// One element of an Array field.
    case arrayElement(field: Int, index: Int)
    case negate(BoundFilter)
    case not(BoundFilter)
    case arithmetic(BinaryOperator, BoundFilter, BoundFilter)
    case compare(BinaryOperator, BoundFilter, BoundFilter)
    case and(BoundFilter, BoundFilter)
    case or(BoundFilter, BoundFilter)
    case membership(BoundFilter, [FilterValue], negated: Bool)
    case like(BoundFilter, LikePattern, negated: Bool)
    case isNull(BoundFilter, negated: Bool)
    case exists(BoundFilter)
    case contains(ContainsKind, BoundFilter, [FilterValue])
    case length(BoundFilter)
    /// A comparison answered by a scalar index for the rows it covers (`masks[slot]`), the rest by `original`.
    case indexed(slot: Int, field: Int, original: BoundFilter)

    enum ContainsKind: Sendable { case one, all, any }
}

/// Static types used to reject meaningless filters before evaluating them.
enum FilterType: Equatable {
    case bool, number, string, list, json, unknown
}

/// Compiles filter text against a schema.
public enum FilterCompiler {
    /// A filter selecting these primary keys (`pk in [...]`), built without parsing text.
    public static func primaryKeys(_ keys: [PrimaryKey], schema: CollectionSchema) -> CompiledFilter {
        let pk = schema.fields.firstIndex(where: \.isPrimaryKey) ?? 0
        let values: [FilterValue] = keys.map { key in
            switch key {
            case .int(let i): .int(i)
            case .string(let s): .string(s)
            }
        }
        return CompiledFilter(root: .membership(.field(pk), values, negated: false), schema: schema, primaryKeys: keys,
                              partitionKeyValues: nil)
    }

    /// Parses and binds `text`; nil when the text is empty (no filter).
    public static func compile(_ text: String, parameters: JSONObject?, schema: CollectionSchema) throws(SwiftvecError) -> CompiledFilter? {
        guard text.contains(where: { !$0.isWhitespace }) else { return nil }
        let expression: FilterExpression
        do {
            expression = try FilterParser.parse(text)
        } catch {
            throw .invalidParameter("cannot parse expression: \(text), error: \(error)")
        }
        let binder = Binder(schema: schema, parameters: parameters, text: text)
        let (bound, type) = try binder.bind(expression)
        guard type == .bool || type == .json || type == .unknown else {
            throw .invalidParameter("cannot parse expression: \(text), error: the filter must be a boolean expression")
        }
        return CompiledFilter(root: bound, schema: schema, primaryKeys: binder.primaryKeys(of: bound),
                              partitionKeyValues: binder.partitionKeyValues(of: bound))
    }
}

private struct Binder {
    let schema: CollectionSchema
    let parameters: JSONObject?
    let text: String

    func fail(_ message: String) -> SwiftvecError {
        .invalidParameter("cannot parse expression: \(text), error: \(message)")
    }

    func bind(_ e: FilterExpression) throws(SwiftvecError) -> (BoundFilter, FilterType) {
        switch e {
        case .bool(let b): return (.constant(.bool(b)), .bool)
        case .int(let v): return (.constant(.int(v)), .number)
        case .double(let d): return (.constant(.double(d)), .number)
        case .string(let s): return (.constant(.string(s)), .string)
        case .list(let items): return (.constant(.list(try items.map(constant))), .list)
        case .template(let name): return try bind(try substitute(name))
        case .identifier(let name): return try bindName(name, path: [])
        case .path(let name, let components): return try bindName(name, path: components)
        case .unary(.not, let inner):
            let (b, t) = try bind(inner)
            try require(t, [.bool, .json, .unknown], "not needs a boolean operand")
            return (.not(b), .bool)
        case .unary(let op, let inner):
            let (b, t) = try bind(inner)
            try require(t, [.number, .json, .unknown], "unary \(op.rawValue) needs a number")
            return (op == .minus ? .negate(b) : b, .number)
        case .binary(let op, let l, let r):
            let (lb, lt) = try bind(l)
            let (rb, rt) = try bind(r)
            switch op {
            case .and, .or:
                try require(lt, [.bool, .json, .unknown], "\(op.rawValue) needs boolean operands")
                try require(rt, [.bool, .json, .unknown], "\(op.rawValue) needs boolean operands")
                return (op == .and ? .and(lb, rb) : .or(lb, rb), .bool)
            case .add, .subtract, .multiply, .divide, .modulo, .power:
                try require(lt, [.number, .json, .unknown], "arithmetic needs numbers, got \(describe(l))")
                try require(rt, [.number, .json, .unknown], "arithmetic needs numbers, got \(describe(r))")
                return (.arithmetic(op, lb, rb), .number)
            default:
                try checkComparable(lt, rt, op: op, l, r)
                return (.compare(op, lb, rb), .bool)
            }
        case .range(let low, let op1, let mid, let op2, let high):
            let (lb, lt) = try bind(low)
            let (mb, mt) = try bind(mid)
            let (hb, ht) = try bind(high)
            try checkComparable(lt, mt, op: op1, low, mid)
            try checkComparable(mt, ht, op: op2, mid, high)
            return (.and(.compare(op1, lb, mb), .compare(op2, mb, hb)), .bool)
        case .membership(let l, let list, let negated):
            let (lb, lt) = try bind(l)
            try require(lt, [.number, .string, .bool, .json, .unknown], "in needs a scalar on its left")
            let values: [FilterValue]
            switch list {
            case .list(let items): values = try items.map(constant)
            case .template(let name):
                guard case .list(let items) = try substitute(name) else { throw fail("template {\(name)} must be a list for in") }
                values = try items.map(constant)
            default: throw fail("in needs a list on its right")
            }
            for v in values { try checkComparable(lt, v.staticType, op: .equal, l, list) }
            return (.membership(lb, values, negated: negated), .bool)
        case .like(let l, let pattern, let negated):
            let (lb, lt) = try bind(l)
            try require(lt, [.string, .json, .unknown], "like needs a VarChar field or a JSON path, got \(describe(l))")
            return (.like(lb, LikePattern(pattern), negated: negated), .bool)
        case .isNull(let inner, let negated):
            return (.isNull(try bind(inner).0, negated: negated), .bool)
        case .exists(let inner):
            let (b, _) = try bind(inner)
            guard case .jsonPath = b else { throw fail("exists applies to a JSON path") }
            return (.exists(b), .bool)
        case .call(let name, let args):
            return try bindCall(name.lowercased(), args)
        }
    }

    private func bindCall(_ name: String, _ args: [FilterExpression]) throws(SwiftvecError) -> (BoundFilter, FilterType) {
        func target(_ e: FilterExpression) throws(SwiftvecError) -> BoundFilter {
            let (b, t) = try bind(e)
            switch b {
            case .jsonPath: return b
            case .field where t == .list: return b
            default: throw fail("\(name) needs an Array field or a JSON path, got \(describe(e))")
            }
        }
        switch name {
        case "array_length":
            guard args.count == 1 else { throw fail("array_length takes one argument") }
            return (.length(try target(args[0])), .number)
        case "json_contains", "array_contains":
            guard args.count == 2 else { throw fail("\(name) takes two arguments") }
            return (.contains(.one, try target(args[0]), [try constant(args[1])]), .bool)
        case "json_contains_all", "array_contains_all", "json_contains_any", "array_contains_any":
            guard args.count == 2 else { throw fail("\(name) takes two arguments") }
            guard case .list(let values) = try constant(args[1]) else { throw fail("\(name) needs a list as its second argument") }
            return (.contains(name.hasSuffix("_all") ? .all : .any, try target(args[0]), values), .bool)
        default:
            throw fail("function \(name) is not supported")
        }
    }

    private func bindName(_ name: String, path: [FilterExpression.PathComponent]) throws(SwiftvecError) -> (BoundFilter, FilterType) {
        if name == "$meta" {
            guard schema.enableDynamicField else { throw fail("the collection has no dynamic field") }
            guard !path.isEmpty else { throw fail("$meta needs a key: $meta[\"key\"]") }
            return (.jsonPath(field: nil, path), .json)
        }
        guard let index = schema.fields.firstIndex(where: { $0.name == name }) else {
            guard schema.enableDynamicField else {
                throw SwiftvecError.invalidParameter("cannot parse expression: \(text), error: field \(name) not exist")
            }
            return (.jsonPath(field: nil, [.key(name)] + path), .json)
        }
        let field = schema.fields[index]
        if field.dataType.isVector { throw fail("vector field \(name) cannot be used in a filter") }
        if path.isEmpty {
            switch field.dataType {
            case .bool: return (.field(index), .bool)
            case .varChar: return (.field(index), .string)
            case .json: return (.jsonPath(field: index, []), .json)
            case .array: return (.field(index), .list)
            default: return (.field(index), .number)
            }
        }
        switch field.dataType {
        case .json: return (.jsonPath(field: index, path), .json)
        case .array:
            guard path.count == 1, case .index(let i) = path[0] else { throw fail("array field \(name) takes one integer index") }
            let t: FilterType = switch field.elementType {
            case .bool: .bool
            case .varChar: .string
            default: .number
            }
            return (.arrayElement(field: index, index: i), t)
        default:
            throw fail("field \(name) of type \(field.dataType.name) cannot be indexed with []")
        }
    }

    private func constant(_ e: FilterExpression) throws(SwiftvecError) -> FilterValue {
        switch e {
        case .bool(let b): return .bool(b)
        case .int(let v): return .int(v)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .list(let items): return .list(try items.map(constant))
        case .unary(.minus, .int(let v)): return .int(0 &- v)
        case .unary(.minus, .double(let d)): return .double(-d)
        case .template(let name): return try constant(try substitute(name))
        default: throw fail("expected a literal value, got \(describe(e))")
        }
    }

    /// The value of a `{name}` template from `exprParams`.
    private func substitute(_ name: String) throws(SwiftvecError) -> FilterExpression {
        guard let value = parameters?[name] else {
            throw fail("template variable {\(name)} has no value in exprParams")
        }
        func literal(_ v: JSONValue) throws(SwiftvecError) -> FilterExpression {
            switch v {
            case .bool(let b): return .bool(b)
            case .int(let i), .int64Datum(let i): return .int(i)
            case .double(let d): return .double(d)
            case .float(let f): return .double(Double(f))
            case .string(let s): return .string(s)
            case .array(let items): return .list(try items.map(literal))
            case .null, .object: throw fail("template variable {\(name)} must be a bool, number, string or list")
            }
        }
        return try literal(value)
    }

    private func require(_ t: FilterType, _ allowed: [FilterType], _ message: String) throws(SwiftvecError) {
        guard allowed.contains(t) else { throw fail(message) }
    }

    private func checkComparable(_ a: FilterType, _ b: FilterType, op: BinaryOperator, _ l: FilterExpression, _ r: FilterExpression) throws(SwiftvecError) {
        if a == .json || b == .json || a == .unknown || b == .unknown { return }
        if a == .list || b == .list { throw fail("cannot compare \(describe(l)) with \(describe(r))") }
        guard a == b else { throw fail("cannot compare \(describe(l)) (\(a)) with \(describe(r)) (\(b))") }
        if a == .bool, op != .equal, op != .notEqual { throw fail("booleans only support == and !=") }
    }

    private func describe(_ e: FilterExpression) -> String {
        switch e {
        case .identifier(let n): n
        case .path(let n, _): "\(n)[...]"
        case .int(let v): String(v)
        case .double(let d): String(d)
        case .string(let s): "\"\(s)\""
        case .bool(let b): String(b)
        default: "an expression"
        }
    }

    /// The keys of a pure primary-key filter (`pk in [...]`, `pk == v`), for direct deletes.
    func primaryKeys(of b: BoundFilter) -> [PrimaryKey]? {
        guard let pk = schema.fields.firstIndex(where: \.isPrimaryKey) else { return nil }
        func key(_ v: FilterValue) -> PrimaryKey? {
            switch (schema.fields[pk].dataType, v) {
            case (.int64, .int(let i)): .int(i)
            case (.varChar, .string(let s)): .string(s)
            default: nil
            }
        }
        switch b {
        case .membership(.field(pk), let values, negated: false):
            let keys = values.compactMap(key)
            return keys.count == values.count ? keys : nil
        case .compare(.equal, .field(pk), .constant(let v)), .compare(.equal, .constant(let v), .field(pk)):
            return key(v).map { [$0] }
        default:
            return nil
        }
    }

    /// The partition-key values a filter restricts to (`key == v`, `key in [...]`, possibly inside `and`).
    func partitionKeyValues(of b: BoundFilter) -> [FieldValue]? {
        guard let k = schema.fields.firstIndex(where: \.isPartitionKey) else { return nil }
        func values(_ b: BoundFilter) -> [FieldValue]? {
            switch b {
            case .membership(.field(k), let vs, negated: false):
                // Only exact key values prune (a 5.0 for an Int64 key still matches 5, so it does not).
                let keys = vs.compactMap(\.fieldValue)
                return keys.count == vs.count ? keys : nil
            case .compare(.equal, .field(k), .constant(let v)), .compare(.equal, .constant(let v), .field(k)):
                return v.fieldValue.map { [$0] }
            case .and(let l, let r): return values(l) ?? values(r)
            default: return nil
            }
        }
        return values(b)
    }
}
