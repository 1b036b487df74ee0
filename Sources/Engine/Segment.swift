import Glibc
import JSON
import VectorCore

/// The values of one field over a segment's rows, in a contiguous array of the field's type. Only the array
/// that matches the type is used. Nullable fields keep a null flag per row (the value slot then holds a
/// placeholder).
public struct Column: Sendable {
    public let field: FieldSchema
    public var bools: [Bool] = []
    public var ints: [Int64] = []
    public var floats: [Float] = []
    public var doubles: [Double] = []
    public var strings: [String] = []
    public var jsons: [JSONValue] = []
    public var arrays: [[FieldValue]] = []
    /// Dense vectors, `stride` bytes per row, little-endian element bytes, of the rows from `denseStart` on.
    public var dense: [UInt8] = []
    /// Float vector rows below `denseStart` are held by built indexes (`borrowed`, in position order, one
    /// part per index) rather than by `dense`: an HNSW graph or IVF_FLAT lists keep the rows they were
    /// built from, and they are the column's too (see `borrow`).
    public internal(set) var borrowed: [BorrowedRows] = []
    public internal(set) var denseStart = 0
    public let stride: Int
    public var sparse: [SparseVector] = []
    public var nulls: [Bool]?

    init(field: FieldSchema) {
        self.field = field
        stride = field.dataType.bytesPerVector(dim: field.dimension ?? 0)
        if field.nullable { nulls = [] }
    }

    public func isNull(_ i: Int) -> Bool { nulls?[i] ?? false }

    /// Capacity for `rows` rows in the array this field's type uses.
    mutating func reserve(_ rows: Int) {
        nulls?.reserveCapacity(rows)
        switch field.dataType {
        case .bool: bools.reserveCapacity(rows)
        case .int8, .int16, .int32, .int64: ints.reserveCapacity(rows)
        case .float: floats.reserveCapacity(rows)
        case .double: doubles.reserveCapacity(rows)
        case .varChar: strings.reserveCapacity(rows)
        case .json: jsons.reserveCapacity(rows)
        case .array: arrays.reserveCapacity(rows)
        case .sparseFloatVector: sparse.reserveCapacity(rows)
        case .floatVector, .float16Vector, .bFloat16Vector, .binaryVector, .int8Vector: dense.reserveCapacity(max(0, rows - denseStart) * stride)
        }
    }

    mutating func append(_ value: FieldValue) {
        if nulls != nil { nulls!.append(value == .null) }
        switch (field.dataType, value) {
        case (.bool, .bool(let b)): bools.append(b)
        case (.bool, _): bools.append(false)
        case (.int8, .int(let v)), (.int16, .int(let v)), (.int32, .int(let v)), (.int64, .int(let v)): ints.append(v)
        case (.int8, _), (.int16, _), (.int32, _), (.int64, _): ints.append(0)
        case (.float, .float(let f)): floats.append(f)
        case (.float, _): floats.append(0)
        case (.double, .double(let d)): doubles.append(d)
        case (.double, _): doubles.append(0)
        case (.varChar, .string(let s)): strings.append(s)
        case (.varChar, _): strings.append("")
        case (.json, .json(let j)): jsons.append(j)
        case (.json, _): jsons.append(.null)
        case (.array, .array(let a)): arrays.append(a)
        case (.array, _): arrays.append([])
        case (.floatVector, .floatVector(let v)): v.withUnsafeBytes { dense.append(contentsOf: $0) }
        case (.int8Vector, .int8Vector(let v)): v.withUnsafeBytes { dense.append(contentsOf: $0) }
        case (.binaryVector, .bytes(let b)), (.float16Vector, .bytes(let b)), (.bFloat16Vector, .bytes(let b)):
            dense.append(contentsOf: b)
        case (.sparseFloatVector, .sparse(let s)): sparse.append(s)
        case (.sparseFloatVector, _): sparse.append(SparseVector(indices: [], values: []))
        default: dense.append(contentsOf: repeatElement(0, count: stride))
        }
    }

    /// The value at row position `i`.
    ///
    /// Inlined so that a caller reading through an array of columns loads only the array it needs: called
    /// out of line, the whole column was copied first (a retain and a release of each of its arrays, for
    /// every hit of a search).
    @inline(__always)
    public func value(at i: Int) -> FieldValue {
        if isNull(i) { return .null }
        switch field.dataType {
        case .bool: return .bool(bools[i])
        case .int8, .int16, .int32, .int64: return .int(ints[i])
        case .float: return .float(floats[i])
        case .double: return .double(doubles[i])
        case .varChar: return .string(strings[i])
        case .json: return .json(jsons[i])
        case .array: return .array(arrays[i])
        case .floatVector:
            let dim = stride / 4
            return .floatVector(withRow(i) { row in
                [Float](unsafeUninitializedCapacity: dim) { buffer, n in
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(start: row, count: stride))
                    n = dim
                }
            })
        case .int8Vector:
            return .int8Vector(withRow(i) { Array(UnsafeBufferPointer(start: $0.assumingMemoryBound(to: Int8.self), count: stride)) })
        case .binaryVector, .float16Vector, .bFloat16Vector:
            return .bytes(withRow(i) { Array(UnsafeRawBufferPointer(start: $0, count: stride)) })
        case .sparseFloatVector: return .sparse(sparse[i])
        }
    }

    /// Runs `body` with the bytes of dense vector row `i`, wherever they are held.
    func withRow<T>(_ i: Int, _ body: (UnsafeRawPointer) -> T) -> T {
        if i >= denseStart { return dense.withUnsafeBytes { body($0.baseAddress! + (i - denseStart) * stride) } }
        var low = 0, high = borrowed.count - 1
        while low < high {
            let mid = (low + high) / 2
            if borrowed[mid].positions.upperBound <= i { low = mid + 1 } else { high = mid }
        }
        return body(borrowed[low].row(at: i, stride: stride))
    }

    /// Runs `body` with the dense rows as runs in position order: the indexes' parts, then the owned tail.
    func withDenseRuns<T>(_ body: ([DenseRun]) -> T) -> T {
        dense.withUnsafeBytes { raw in
            var runs = borrowed.map {
                DenseRun(start: $0.positions.lowerBound, base: $0.base, count: $0.count, positionOfSlot: $0.positionOfSlot,
                         end: $0.positions.upperBound, slotOfOffset: $0.slotOfOffset)
            }
            if let base = raw.baseAddress {
                runs.append(DenseRun(start: denseStart, base: base, count: raw.count / stride, positionOfSlot: nil,
                                     end: denseStart + raw.count / stride, slotOfOffset: nil))
            }
            return body(runs)
        }
    }

    /// Whether `part` holds, byte for byte, the rows this column owns at its positions (read-only, so that
    /// the comparison runs under the shared lock; the rows never change in place).
    func holdsSameRows(_ part: BorrowedRows) -> Bool {
        let range = part.positions
        guard field.dataType == .floatVector, range.lowerBound >= denseStart, (range.upperBound - denseStart) * stride <= dense.count else {
            return false
        }
        return dense.withUnsafeBytes { raw in
            range.allSatisfy { p in memcmp(raw.baseAddress! + (p - denseStart) * stride, part.row(at: p, stride: stride), stride) == 0 }
        }
    }

    /// Gives up the owned copy of rows `part.positions`, which must be the next rows after the borrowed ones
    /// and have passed `holdsSameRows`, to the index that holds them. False, and nothing changed, otherwise.
    mutating func borrow(_ part: BorrowedRows) -> Bool {
        let range = part.positions
        guard field.dataType == .floatVector, range.lowerBound == denseStart, (range.upperBound - denseStart) * stride <= dense.count else {
            return false
        }
        // A new array, not `removeFirst`: the old buffer is freed instead of kept at its full capacity.
        dense = Array(dense[((range.upperBound - denseStart) * stride)...])
        denseStart = range.upperBound
        borrowed.append(part)
        return true
    }
}

/// All rows of one collection held in memory, column by column: what reads and filters run on.
/// Deleted rows stay in place, flagged, so positions never move.
///
/// Not thread-safe by itself: `CollectionData` guards it.
public final class Segment: @unchecked Sendable {
    public let schema: CollectionSchema
    public private(set) var rowIDs: [Int64] = []
    public private(set) var partitionIDs: [Int64] = []
    /// True while the row exists; a delete clears it. A search with deletes and no filter uses it as its mask as it is.
    public private(set) var live: [Bool] = []
    public private(set) var columns: [Column]
    public private(set) var dynamic: [JSONObject?] = []
    /// Row ids arrive in ascending order (the id clock is monotonic and changes apply in commit order), so a
    /// row id's position is found by binary search over `rowIDs`; should one ever arrive out of order, the
    /// segment switches to this map for good.
    private var unorderedPositions: [Int64: Int]?
    /// Primary key → a live position; keys inserted more than once (Milvus's insert does not deduplicate)
    /// keep their other positions in `morePrimaryKeyPositions`, so the usual unique key costs no array.
    private var primaryKeyPositions = PrimaryKeyMap()
    private var morePrimaryKeyPositions: [PrimaryKey: [Int]] = [:]
    public private(set) var liveCount = 0
    let primaryIndex: Int
    /// Field number → its scalar index, if one has been built (filters use it for the rows it covers).
    private(set) var scalarIndexes: [Int: ScalarIndex] = [:]

    init(schema: CollectionSchema) {
        self.schema = schema
        columns = schema.fields.map(Column.init)
        primaryIndex = schema.fields.firstIndex(where: \.isPrimaryKey) ?? 0
    }

    public var count: Int { rowIDs.count }

    /// Makes room for `rows` more rows at once (a load knows how many are coming): no regrowth, no rehash.
    func reserve(rows: Int) {
        let total = count + rows
        rowIDs.reserveCapacity(total)
        partitionIDs.reserveCapacity(total)
        live.reserveCapacity(total)
        dynamic.reserveCapacity(total)
        primaryKeyPositions.reserveCapacity(total, stringKeys: schema.fields[primaryIndex].dataType == .varChar)
        for i in columns.indices { columns[i].reserve(total) }
    }

    func append(rowID: Int64, partitionID: Int64, row: EntityRow) {
        let position = rowIDs.count
        let outOfOrder = rowIDs.last.map { $0 >= rowID } ?? false
        rowIDs.append(rowID)
        partitionIDs.append(partitionID)
        live.append(true)
        for i in columns.indices { columns[i].append(row.values[i]) }
        dynamic.append(row.dynamic)
        if unorderedPositions != nil {
            unorderedPositions![rowID] = position
        } else if outOfOrder {
            unorderedPositions = Dictionary(rowIDs.enumerated().filter { live[$0.offset] }.map { ($0.element, $0.offset) },
                                            uniquingKeysWith: { _, new in new })
        }
        if let pk = Self.primaryKey(row.values[primaryIndex]) {
            if primaryKeyPositions[pk] == nil {
                primaryKeyPositions[pk] = position
            } else {
                morePrimaryKeyPositions[pk, default: []].append(position)
            }
        }
        liveCount += 1
    }

    /// Whether `part` holds the same rows as the column of `field` (see `Column.holdsSameRows`).
    func holdsSameRows(_ part: BorrowedRows, field: String) -> Bool {
        columns.first { $0.field.name == field }?.holdsSameRows(part) ?? false
    }

    /// Hands the rows `part` stands for over to the index that holds them (see `Column.borrow`).
    @discardableResult
    func borrow(_ part: BorrowedRows, field: String) -> Bool {
        guard let f = columns.firstIndex(where: { $0.field.name == field }) else { return false }
        return columns[f].borrow(part)
    }

    /// Installs (or replaces) the scalar index of its field; nil `index` removes the field's.
    func setScalarIndex(_ index: ScalarIndex?, field: Int) { scalarIndexes[field] = index }

    /// The live rows among positions `rows` (clamped to the segment), counted a word at a time.
    func liveCount(in rows: Range<Int>) -> Int {
        let rows = rows.clamped(to: 0..<count)
        guard !rows.isEmpty else { return 0 }
        return live.withUnsafeBufferPointer { ByteMask.count($0.baseAddress! + rows.lowerBound, rows.count) }
    }

    /// Flags a row deleted; false if it was not there.
    @discardableResult
    func delete(rowID: Int64) -> Bool {
        guard let position = position(ofRowID: rowID) else { return false }
        unorderedPositions?[rowID] = nil
        live[position] = false
        if let pk = Self.primaryKey(columns[primaryIndex].value(at: position)) {
            if primaryKeyPositions[pk] == position {
                // Another position of the same key, if any, takes its place.
                primaryKeyPositions[pk] = morePrimaryKeyPositions[pk]?.removeFirst()
            } else {
                morePrimaryKeyPositions[pk]?.removeAll { $0 == position }
            }
            if morePrimaryKeyPositions[pk]?.isEmpty == true { morePrimaryKeyPositions[pk] = nil }
        }
        liveCount -= 1
        return true
    }

    /// Applies one committed write: its deletes, then its inserts (an upsert is both).
    func apply(_ change: PendingChange) {
        for rowID in change.deleted { delete(rowID: rowID) }
        for (rowID, partitionID, row) in change.inserted { append(rowID: rowID, partitionID: partitionID, row: row) }
    }

    /// Deletes the live rows whose partition is not in `partitions` (after a partition is dropped).
    func deleteRows(outside partitions: Set<Int64>) {
        for i in 0..<count where live[i] && !partitions.contains(partitionIDs[i]) { delete(rowID: rowIDs[i]) }
    }

    /// The position of a live row.
    public func position(ofRowID rowID: Int64) -> Int? {
        if let unorderedPositions { return unorderedPositions[rowID] }
        var low = 0, high = rowIDs.count
        while low < high {
            let mid = (low + high) / 2
            if rowIDs[mid] < rowID { low = mid + 1 } else { high = mid }
        }
        return low < rowIDs.count && rowIDs[low] == rowID && live[low] ? low : nil
    }

    /// Positions of the live rows with this primary key.
    public func positions(of pk: PrimaryKey) -> [Int] {
        guard let first = primaryKeyPositions[pk] else { return [] }
        return [first] + (morePrimaryKeyPositions[pk] ?? [])
    }

    public func primaryKey(at position: Int) -> PrimaryKey? { Self.primaryKey(columns[primaryIndex].value(at: position)) }

    /// The whole row at `position`.
    public func row(at position: Int) -> EntityRow {
        EntityRow(values: columns.map { $0.value(at: position) }, dynamic: dynamic[position])
    }

    static func primaryKey(_ value: FieldValue) -> PrimaryKey? {
        switch value {
        case .int(let v): .int(v)
        case .string(let s): .string(s)
        default: nil
        }
    }
}
