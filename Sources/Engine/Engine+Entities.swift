import JSON
import Storage

/// What a read returns: rows (only the requested fields are filled in; the others are `.null`).
public struct QueryRows: Sendable {
    public var rows: [EntityRow]
}

/// Which rows a read or delete looks at.
public struct RowSelection: Sendable {
    /// Partition names (empty: every loaded partition).
    public var partitions: [String]
    /// The filter, already parsed (nil: every row).
    public var filter: (any RowPredicate)?

    public init(partitions: [String] = [], filter: (any RowPredicate)? = nil) {
        self.partitions = partitions
        self.filter = filter
    }
}

/// A predicate evaluated over a whole segment into one flag per row position.
public protocol RowPredicate: Sendable {
    /// Primary keys the predicate restricts to, when it is a pure primary-key filter (`pk in [...]`).
    var primaryKeys: [PrimaryKey]? { get }
    /// Values of the partition key the predicate restricts to (for partition pruning), if any.
    var partitionKeyValues: [FieldValue]? { get }
    /// One flag per row position of `segment`; deleted rows are false.
    func evaluate(_ segment: Segment) throws(SwiftvecError) -> [Bool]
}

extension Engine {
    // MARK: Writes

    /// Inserts rows; returns their primary keys (generated ones for auto-id). Duplicated keys are kept, as
    /// in Milvus. All rows land in one transaction, or none.
    public func insert(database: String, collection: String, partition: String?, rows: [EntityRow]) throws(SwiftvecError) -> [PrimaryKey] {
        let c = try describeCollection(database: database, name: collection)
        let targets = try partitionTargets(c, partition: partition, rows: rows)
        let box = ResultBox<[PrimaryKey]>([])
        try perform { txn in
            try self.requireCollection(c.id, partitions: Set(targets), in: txn)
            var next = try Self.allocateIDs(txn, count: rows.count)
            var written: [(Int64, Int64, EntityRow)] = []
            written.reserveCapacity(rows.count)
            var keys: [PrimaryKey] = []
            keys.reserveCapacity(rows.count)
            let pkIndex = c.schema.fields.firstIndex(where: \.isPrimaryKey)!
            let autoID = c.schema.fields[pkIndex].autoID
            for (row, partitionID) in zip(rows, targets) {
                var row = row
                let rowID = next
                next += 1
                if autoID && row.values[pkIndex] == .null { row.values[pkIndex] = .int(rowID) }
                try self.writeRow(row, rowID: rowID, partitionID: partitionID, collection: c, txn: txn)
                keys.append(Segment.primaryKey(row.values[pkIndex])!)
                written.append((rowID, partitionID, row))
            }
            _ = try txn.nextOperationNumber()
            box.value = keys
            return self.memoryApply(c.id, inserted: written, deleted: [])
        }
        return box.value
    }

    /// Upserts rows: every existing row with the same primary key is replaced. With `partialUpdate`, fields
    /// listed in `providedFields` come from the request and the others keep their stored values (a key that
    /// does not exist yet needs a complete row).
    public func upsert(database: String, collection: String, partition: String?, rows: [EntityRow],
                       partialUpdate: Bool = false, providedFields: Set<String> = []) throws(SwiftvecError) -> [PrimaryKey] {
        let c = try describeCollection(database: database, name: collection)
        let pkIndex = c.schema.fields.firstIndex(where: \.isPrimaryKey)!
        // Within one request the last row of a key wins.
        var lastIndexOfKey: [PrimaryKey: Int] = [:]
        for (i, row) in rows.enumerated() {
            guard let pk = Segment.primaryKey(row.values[pkIndex]) else {
                throw SwiftvecError(.invalidInsertData, "fail to deal the insert data, error: row \(i): the primary key \(c.schema.fields[pkIndex].name) is required for upsert")
            }
            lastIndexOfKey[pk] = i
        }
        let kept = rows.indices.filter { lastIndexOfKey[Segment.primaryKey(rows[$0].values[pkIndex])!] == $0 }
        let keptRows = kept.map { rows[$0] }
        // Validates the partition choice now; with a partition key the partition is computed from each
        // merged row below, since a partial update may leave the key out.
        let targets = try partitionTargets(c, partition: partition, rows: partialUpdate && c.schema.partitionKeyField != nil ? [] : keptRows)
        let box = ResultBox<[PrimaryKey]>([])
        try perform { txn in
            try self.requireCollection(c.id, partitions: Set(targets), in: txn)
            var next = try Self.allocateIDs(txn, count: keptRows.count)
            var inserted: [(Int64, Int64, EntityRow)] = []
            var deleted: [Int64] = []
            for (i, row) in keptRows.enumerated() {
                let pk = Segment.primaryKey(row.values[pkIndex])!
                let existing = try self.rowIDs(of: pk, collection: c.id, txn: txn)
                var merged = row
                if partialUpdate, let last = existing.last,
                   let record = try txn.get(.rows, StorageKey.row(collection: c.id, row: last)) {
                    let (old, _) = try RowCodec.decode(record, schema: c.schema)
                    for (f, field) in c.schema.fields.enumerated() where !providedFields.contains(field.name) {
                        merged.values[f] = old.values[f]
                    }
                    // Dynamic keys merge: the given ones replace, the others stay.
                    var dynamic = old.dynamic ?? JSONObject()
                    for entry in row.dynamic?.entries ?? [] { dynamic[entry.key] = entry.value }
                    merged.dynamic = dynamic.isEmpty ? nil : dynamic
                } else if partialUpdate {
                    // A new key: fields left out take their default, or null, or are missing.
                    for (f, field) in c.schema.fields.enumerated() where !providedFields.contains(field.name) && !field.isPrimaryKey {
                        if let d = field.defaultValue {
                            merged.values[f] = field.fieldValue(of: d)
                        } else if !field.nullable {
                            throw SwiftvecError(.invalidInsertData, "fail to deal the insert data, error: row \(kept[i]): primary key \(pk) does not exist, so partial update needs field \(field.name)")
                        }
                    }
                }
                let partitionID = c.schema.partitionKeyField != nil
                    ? try self.partitionTargets(c, partition: nil, rows: [merged])[0] : targets[i]
                for old in existing { try self.deleteRow(old, pk: pk, collection: c.id, txn: txn) }
                deleted += existing
                let rowID = next
                next += 1
                try self.writeRow(merged, rowID: rowID, partitionID: partitionID, collection: c, txn: txn)
                inserted.append((rowID, partitionID, merged))
            }
            _ = try txn.nextOperationNumber()
            box.value = rows.map { Segment.primaryKey($0.values[pkIndex])! }
            return self.memoryApply(c.id, inserted: inserted, deleted: deleted)
        }
        return box.value
    }

    /// Deletes the rows the selection matches; returns how many were deleted.
    public func delete(database: String, collection: String, selection: RowSelection) throws(SwiftvecError) -> Int {
        let c = try describeCollection(database: database, name: collection)
        let partitionIDs = try selectedPartitionIDs(c, names: selection.partitions, requireLoaded: false)
        if let keys = selection.filter?.primaryKeys {
            // Pure primary-key filters go straight to the key table.
            return try deleteRows(c) { txn in
                var victims: [(Int64, PrimaryKey)] = []
                for pk in keys {
                    for rowID in try self.rowIDs(of: pk, collection: c.id, txn: txn) {
                        if let partitionIDs {
                            guard let record = try txn.get(.rows, StorageKey.row(collection: c.id, row: rowID)),
                                  partitionIDs.contains(Self.partitionID(ofRecord: record)) else { continue }
                        }
                        victims.append((rowID, pk))
                    }
                }
                return victims
            }
        }
        // Evaluate the filter on the rows as they are now (in memory, or read from storage when the
        // collection is not loaded), then delete those rows in one transaction.
        let data: CollectionData
        if let d = loadedData(c.id) { data = d } else { data = try buildData(c) }
        let victims: [(Int64, PrimaryKey)] = try data.read { segment throws(SwiftvecError) in
            let matches = try selection.filter?.evaluate(segment)
            var result: [(Int64, PrimaryKey)] = []
            for i in 0..<segment.count where segment.live[i] && (matches?[i] ?? true) {
                if let partitionIDs, !partitionIDs.contains(segment.partitionIDs[i]) { continue }
                result.append((segment.rowIDs[i], segment.primaryKey(at: i)!))
            }
            return result
        }
        return try deleteRows(c) { txn in
            // Rows deleted since the filter ran are skipped.
            try victims.filter { try txn.get(.rows, StorageKey.row(collection: c.id, row: $0.0)) != nil }
        }
    }

    /// Deletes the rows `victims` names (inside the write's transaction) and returns how many.
    private func deleteRows(_ c: CollectionInfo,
                            _ victims: @escaping (WriteTransaction) throws -> [(Int64, PrimaryKey)]) throws(SwiftvecError) -> Int {
        let box = ResultBox<Int>(0)
        try perform { txn in
            try self.requireCollection(c.id, in: txn)
            let rows = try victims(txn)
            for (rowID, pk) in rows { try self.deleteRow(rowID, pk: pk, collection: c.id, txn: txn) }
            if !rows.isEmpty { _ = try txn.nextOperationNumber() }
            box.value = rows.count
            return self.memoryApply(c.id, inserted: [], deleted: rows.map(\.0))
        }
        return box.value
    }

    // MARK: Reads

    /// Rows matching the selection, in insertion order, after `offset`, at most `limit` (nil: all).
    /// `fields` are the schema positions to fill in; `dynamic` whether to include the dynamic field.
    public func query(database: String, collection: String, selection: RowSelection, offset: Int, limit: Int?,
                      fields: Set<Int>, dynamic: Bool) throws(SwiftvecError) -> [EntityRow] {
        let (c, data) = try readableData(database: database, collection: collection, operation: "query")
        let partitionIDs = try selectedPartitionIDs(c, names: selection.partitions, requireLoaded: true, filter: selection.filter)
        return try data.read { segment throws(SwiftvecError) in
            let matches = try selection.filter?.evaluate(segment)
            var skipped = 0
            var rows: [EntityRow] = []
            for i in 0..<segment.count where segment.live[i] && (matches?[i] ?? true) {
                if let partitionIDs, !partitionIDs.contains(segment.partitionIDs[i]) { continue }
                if skipped < offset {
                    skipped += 1
                    continue
                }
                if let limit, rows.count >= limit { break }
                rows.append(Self.project(segment, position: i, fields: fields, dynamic: dynamic))
            }
            return rows
        }
    }

    /// The number of rows matching the selection.
    public func count(database: String, collection: String, selection: RowSelection) throws(SwiftvecError) -> Int64 {
        let (c, data) = try readableData(database: database, collection: collection, operation: "query")
        let partitionIDs = try selectedPartitionIDs(c, names: selection.partitions, requireLoaded: true, filter: selection.filter)
        return try data.read { segment throws(SwiftvecError) in
            let matches = try selection.filter?.evaluate(segment)
            var n: Int64 = 0
            for i in 0..<segment.count where segment.live[i] && (matches?[i] ?? true) {
                if let partitionIDs, !partitionIDs.contains(segment.partitionIDs[i]) { continue }
                n += 1
            }
            return n
        }
    }

    /// Rows with these primary keys (every row of a duplicated key), in the order of `keys`.
    public func get(database: String, collection: String, keys: [PrimaryKey], partitions: [String],
                    fields: Set<Int>, dynamic: Bool) throws(SwiftvecError) -> [EntityRow] {
        let (c, data) = try readableData(database: database, collection: collection, operation: "query")
        let partitionIDs = try selectedPartitionIDs(c, names: partitions, requireLoaded: true)
        return data.read { segment in
            var seen = Set<Int>()
            var rows: [EntityRow] = []
            for key in keys {
                for i in segment.positions(of: key) where seen.insert(i).inserted {
                    if let partitionIDs, !partitionIDs.contains(segment.partitionIDs[i]) { continue }
                    rows.append(Self.project(segment, position: i, fields: fields, dynamic: dynamic))
                }
            }
            return rows
        }
    }

    /// The number of live rows of a collection (or of one partition), counted from storage: exact whether or
    /// not the collection is loaded.
    func storedRowCount(_ c: CollectionInfo, partitionID: Int64?) throws(SwiftvecError) -> Int64 {
        if let data = loadedData(c.id) {
            return data.read { segment in
                var n: Int64 = 0
                for i in 0..<segment.count where segment.live[i] && (partitionID == nil || segment.partitionIDs[i] == partitionID) {
                    n += 1
                }
                return n
            }
        }
        return try Self.translating {
            try storage.read { txn in
                var n: Int64 = 0
                try txn.scan(.rows, prefix: StorageKey.collectionPrefix(c.id)) { _, value in
                    if partitionID == nil || Self.partitionID(ofRecord: value) == partitionID { n += 1 }
                    return true
                }
                return n
            }
        }
    }

    // MARK: Helpers

    private static func project(_ segment: Segment, position i: Int, fields: Set<Int>, dynamic: Bool) -> EntityRow {
        var values = [FieldValue](repeating: .null, count: segment.columns.count)
        for f in fields { values[f] = segment.columns[f].value(at: i) }
        return EntityRow(values: values, dynamic: dynamic ? segment.dynamic[i] : nil)
    }

    private func readableData(database: String, collection: String, operation: String) throws(SwiftvecError) -> (CollectionInfo, CollectionData) {
        let c = try describeCollection(database: database, name: collection)
        guard c.isLoaded, let data = loadedData(c.id) else { throw notLoaded(c, operation: operation) }
        return (c, data)
    }

    /// Error 101 for a collection that is not loaded, or still loading (with its progress).
    func notLoaded(_ c: CollectionInfo, operation: String) -> SwiftvecError {
        let (state, progress) = loadStatus(c)
        if state == .loading {
            return SwiftvecError(.collectionNotLoaded, "failed to \(operation): collection is loading[collection=\(c.id)][progress=\(progress)%]")
        }
        return SwiftvecError(.collectionNotLoaded, "failed to \(operation): collection not loaded[collection=\(c.id)]")
    }

    /// Partition ids to read (nil: no restriction beyond loaded partitions, which `requireLoaded` enforces).
    /// A filter that pins the partition key to some values prunes the other partitions.
    func selectedPartitionIDs(_ c: CollectionInfo, names: [String], requireLoaded: Bool,
                                      filter: (any RowPredicate)? = nil) throws(SwiftvecError) -> Set<Int64>? {
        if names.isEmpty, c.schema.partitionKeyField != nil, let values = filter?.partitionKeyValues {
            let hashed = Set(values.map { c.partitions[PartitionKeyHash.partition(of: $0, count: c.partitions.count)].id })
            return requireLoaded ? hashed.intersection(c.partitions.filter(\.loaded).map(\.id)) : hashed
        }
        if names.isEmpty {
            if requireLoaded, c.partitions.contains(where: { !$0.loaded }) {
                return Set(c.partitions.filter(\.loaded).map(\.id))
            }
            return nil
        }
        var ids = Set<Int64>()
        for name in names {
            guard let p = c.partition(named: name) else { throw .partitionNotFound(name) }
            if requireLoaded && !p.loaded {
                throw SwiftvecError(.partitionNotLoaded, "partition not loaded[partition=\(name)]")
            }
            ids.insert(p.id)
        }
        return ids
    }

    /// The partition of each row: the named one, `_default`, or the hash of the partition key.
    private func partitionTargets(_ c: CollectionInfo, partition: String?, rows: [EntityRow]) throws(SwiftvecError) -> [Int64] {
        if let keyField = c.schema.partitionKeyField {
            if let partition, !partition.isEmpty {
                throw .invalidParameter("not support manually specifying the partition names if partition key mode is used")
            }
            let f = c.schema.fields.firstIndex(where: { $0.name == keyField.name })!
            return rows.map { c.partitions[PartitionKeyHash.partition(of: $0.values[f], count: c.partitions.count)].id }
        }
        let name = (partition?.isEmpty ?? true) ? PartitionInfo.defaultName : partition!
        guard let p = c.partition(named: name) else { throw .partitionNotFound(name) }
        return Array(repeating: p.id, count: rows.count)
    }

    private func writeRow(_ row: EntityRow, rowID: Int64, partitionID: Int64, collection c: CollectionInfo, txn: WriteTransaction) throws {
        try txn.put(.rows, StorageKey.row(collection: c.id, row: rowID), try RowCodec.encode(row, partitionID: partitionID, schema: c.schema))
        let pk = Segment.primaryKey(row.values[c.schema.fields.firstIndex(where: \.isPrimaryKey)!])!
        var key = Self.primaryKeyPrefix(pk, collection: c.id)
        StorageKey.appendBigEndian(UInt64(bitPattern: rowID), to: &key)
        try txn.put(.pks, key, [])
    }

    private func deleteRow(_ rowID: Int64, pk: PrimaryKey, collection: Int64, txn: WriteTransaction) throws {
        try txn.delete(.rows, StorageKey.row(collection: collection, row: rowID))
        var key = Self.primaryKeyPrefix(pk, collection: collection)
        StorageKey.appendBigEndian(UInt64(bitPattern: rowID), to: &key)
        try txn.delete(.pks, key)
        var op: [UInt8] = []
        StorageKey.appendBigEndian(try txn.counter("opnum") + 1, to: &op)
        try txn.put(.deletes, StorageKey.row(collection: collection, row: rowID), op)
    }

    private func rowIDs(of pk: PrimaryKey, collection: Int64, txn: WriteTransaction) throws -> [Int64] {
        let prefix = Self.primaryKeyPrefix(pk, collection: collection)
        var ids: [Int64] = []
        try txn.reader.scan(.pks, prefix: prefix) { key, _ in
            ids.append(Int64(bitPattern: StorageKey.readBigEndian(key, at: key.count - 8)))
            return true
        }
        return ids
    }

    static func primaryKeyPrefix(_ pk: PrimaryKey, collection: Int64) -> [UInt8] {
        switch pk {
        case .int(let v): StorageKey.primaryKeyPrefix(collection: collection, int: v)
        case .string(let s): StorageKey.primaryKeyPrefix(collection: collection, string: s)
        }
    }

    static func partitionID(ofRecord record: some Collection<UInt8>) -> Int64 {
        var v: UInt64 = 0
        for (i, b) in record.dropFirst().prefix(8).enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        return Int64(bitPattern: v)
    }

    /// Fails with 100 when the collection was dropped after the request looked it up, and with 200 when
    /// one of the partitions the rows go to was dropped meanwhile (checked in the write's own transaction).
    private func requireCollection(_ id: Int64, partitions: Set<Int64> = [], in txn: WriteTransaction) throws {
        guard let record = try txn.get(.catalog, StorageKey.catalog(kind: CatalogKind.collection, id: id)) else {
            throw SwiftvecError(.collectionNotFound, "collection not found[collection=\(id)]")
        }
        guard !partitions.isEmpty else { return }
        let live = Set(try CollectionInfo(record: record).partitions.map(\.id))
        guard partitions.isSubset(of: live) else {
            throw SwiftvecError(.partitionNotFound, "partition not found[partition=\(partitions.subtracting(live).first!)]: it was dropped while the write was in flight")
        }
    }

    /// Reserves `count` consecutive ids from the id clock; returns the first.
    static func allocateIDs(_ txn: WriteTransaction, count: Int) throws -> Int64 {
        let last = try txn.counter("nextid")
        let first = max(last + 1, UInt64(nowMillis()) << 18)
        try txn.setCounter("nextid", first + UInt64(max(count, 1)) - 1)
        return Int64(first)
    }

    /// What to apply in memory after the commit, if the collection is loaded then.
    private func memoryApply(_ collection: Int64, inserted: [(Int64, Int64, EntityRow)], deleted: [Int64]) -> () -> Void {
        let change = PendingChange(inserted: inserted, deleted: deleted)
        return { [self] in
            guard let data = loadedData(collection) else {
                // A background load keeps the changes committed after its snapshot, to apply at the end.
                loading.withLock { $0[collection] }?.record(change)
                return
            }
            data.write { $0.apply(change) }
            if !inserted.isEmpty { scheduleBuilds(collection) }
        }
    }

    func perform(_ work: @escaping (WriteTransaction) throws -> (() -> Void)?) throws(SwiftvecError) {
        try Self.translating { try writes.perform(work) }
    }

    // MARK: Loading

    /// The in-memory rows of a loaded collection.
    public func loadedData(_ collection: Int64) -> CollectionData? {
        loaded.withLock { $0[collection] }
    }

    /// Reads every row of a collection from storage into a new in-memory segment.
    func buildData(_ c: CollectionInfo, txn: ReadTransaction? = nil, progress: LoadJob? = nil) throws(SwiftvecError) -> CollectionData {
        let data = CollectionData(collectionID: c.id, schema: c.schema)
        let partitions = Set(c.partitions.map(\.id))
        let scan = { (txn: ReadTransaction) throws in
            try data.write { segment in
                if let progress { segment.reserve(rows: Int(progress.total)) }
                try txn.scan(.rows, prefix: StorageKey.collectionPrefix(c.id)) { key, value in
                    if let progress, segment.count % 4096 == 0 { progress.advance(to: segment.count) }
                    let (row, partition) = try RowCodec.decode(Array(value), schema: c.schema)
                    // Rows of a partition dropped while they were being written are skipped.
                    if partitions.contains(partition) {
                        segment.append(rowID: Int64(bitPattern: StorageKey.readBigEndian(key, at: 8)), partitionID: partition, row: row)
                    }
                    return true
                }
            }
        }
        try Self.translating {
            if let txn { try scan(txn) } else { try storage.read { try scan($0) } }
        }
        return data
    }
}

/// A mutable box for a value produced inside a write job (the job runs on the leader's thread while the
/// requester waits).
final class ResultBox<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

/// Stable hashing of partition-key values onto partitions (FNV-1a; Swift's `Hasher` is seeded per process).
enum PartitionKeyHash {
    static func partition(of value: FieldValue, count: Int) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ bytes: some Sequence<UInt8>) {
            for b in bytes {
                h ^= UInt64(b)
                h = h &* 0x100_0000_01b3
            }
        }
        switch value {
        case .int(let v): withUnsafeBytes(of: v.littleEndian) { mix($0) }
        case .string(let s): mix(s.utf8)
        default: break
        }
        return Int(h % UInt64(max(count, 1)))
    }
}
