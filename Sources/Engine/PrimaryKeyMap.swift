/// Primary key → row position, stored by the key's own type: an Int64 key with an Int32 position takes 12
/// bytes a slot where `[PrimaryKey: Int]` takes 32 (the enum is padded for its String case); heaptrack put
/// the old map at 8.4 MB for 100,000 rows.
struct PrimaryKeyMap {
    private var ints: [Int64: Int32] = [:]
    private var strings: [String: Int32] = [:]

    subscript(key: PrimaryKey) -> Int? {
        get {
            switch key {
            case .int(let v): ints[v].map(Int.init)
            case .string(let s): strings[s].map(Int.init)
            }
        }
        set {
            let position = newValue.map { Int32($0) }
            switch key {
            case .int(let v): ints[v] = position
            case .string(let s): strings[s] = position
            }
        }
    }

    /// Room for `count` keys, of strings or of integers, without rehashing.
    mutating func reserveCapacity(_ count: Int, stringKeys: Bool) {
        if stringKeys { strings.reserveCapacity(count) } else { ints.reserveCapacity(count) }
    }
}
