import CLMDB
import Glibc

/// A read-only view valid inside `LMDBEnvironment.read`. Values handed to closures point into the map and
/// are valid only during the closure.
public struct ReadTransaction {
    let environment: LMDBEnvironment
    let txn: OpaquePointer

    /// A copy of the value stored under `key`, or nil.
    public func get(_ table: Table, _ key: [UInt8]) throws -> [UInt8]? {
        try withValue(table, key) { $0.map { Array($0) } }
    }

    /// Calls `body` with the value under `key` (nil if absent) without copying it.
    public func withValue<T>(_ table: Table, _ key: [UInt8], _ body: (UnsafeRawBufferPointer?) throws -> T) throws -> T {
        var k = key
        return try k.withUnsafeMutableBytes { kp in
            var mk = MDB_val(mv_size: kp.count, mv_data: kp.baseAddress)
            var mv = MDB_val()
            let rc = mdb_get(txn, environment.dbi(table), &mk, &mv)
            if rc == MDB_NOTFOUND { return try body(nil) }
            try LMDBEnvironment.check(rc, "mdb_get \(table.rawValue)")
            return try body(UnsafeRawBufferPointer(start: mv.mv_data, count: mv.mv_size))
        }
    }

    /// Visits, in key order, every entry whose key starts with `prefix`. `body` returns false to stop.
    public func scan(_ table: Table, prefix: [UInt8] = [],
                     _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool) throws {
        var cursor: OpaquePointer?
        try LMDBEnvironment.check(mdb_cursor_open(txn, environment.dbi(table), &cursor), "mdb_cursor_open")
        defer { mdb_cursor_close(cursor) }
        var p = prefix
        try p.withUnsafeMutableBytes { pp in
            var mk = MDB_val(mv_size: pp.count, mv_data: pp.baseAddress)
            var mv = MDB_val()
            var rc = pp.isEmpty ? mdb_cursor_get(cursor, &mk, &mv, MDB_FIRST) : mdb_cursor_get(cursor, &mk, &mv, MDB_SET_RANGE)
            while rc == 0 {
                let k = UnsafeRawBufferPointer(start: mk.mv_data, count: mk.mv_size)
                if k.count < pp.count || !k.prefix(pp.count).elementsEqual(UnsafeRawBufferPointer(pp)) { return }
                guard try body(k, UnsafeRawBufferPointer(start: mv.mv_data, count: mv.mv_size)) else { return }
                rc = mdb_cursor_get(cursor, &mk, &mv, MDB_NEXT)
            }
            if rc != MDB_NOTFOUND { try LMDBEnvironment.check(rc, "mdb_cursor_get \(table.rawValue)") }
        }
    }
}

/// A write transaction valid inside `LMDBEnvironment.write`. It reads its own writes.
public struct WriteTransaction {
    let environment: LMDBEnvironment
    let txn: OpaquePointer

    /// The same operations as a read transaction, on this transaction's view.
    public var reader: ReadTransaction { ReadTransaction(environment: environment, txn: txn) }

    public func get(_ table: Table, _ key: [UInt8]) throws -> [UInt8]? { try reader.get(table, key) }

    public func put(_ table: Table, _ key: [UInt8], _ value: [UInt8]) throws {
        var k = key
        var v = value
        try k.withUnsafeMutableBytes { kp in
            try v.withUnsafeMutableBytes { vp in
                var mk = MDB_val(mv_size: kp.count, mv_data: kp.baseAddress)
                var mv = MDB_val(mv_size: vp.count, mv_data: vp.baseAddress)
                try LMDBEnvironment.check(mdb_put(txn, environment.dbi(table), &mk, &mv, 0), "mdb_put \(table.rawValue)")
            }
        }
    }

    /// Deletes `key`; returns false if it was not there.
    @discardableResult
    public func delete(_ table: Table, _ key: [UInt8]) throws -> Bool {
        var k = key
        return try k.withUnsafeMutableBytes { kp in
            var mk = MDB_val(mv_size: kp.count, mv_data: kp.baseAddress)
            let rc = mdb_del(txn, environment.dbi(table), &mk, nil)
            if rc == MDB_NOTFOUND { return false }
            try LMDBEnvironment.check(rc, "mdb_del \(table.rawValue)")
            return true
        }
    }

    /// Reads a big-endian `UInt64` counter from `meta`.
    public func counter(_ name: String) throws -> UInt64 {
        try reader.withValue(.meta, Array(name.utf8)) { v in
            guard let v else { return 0 }
            guard v.count == 8 else { throw StorageError.corrupted("meta/\(name)") }
            return StorageKey.readBigEndian(v)
        }
    }

    public func setCounter(_ name: String, _ value: UInt64) throws {
        var bytes: [UInt8] = []
        StorageKey.appendBigEndian(value, to: &bytes)
        try put(.meta, Array(name.utf8), bytes)
    }

    /// Runs `body` in a nested transaction: its writes are kept if it returns, discarded if it throws.
    /// Returns the error `body` threw (the parent transaction goes on), or nil. Errors that require the
    /// whole transaction to be retried (a full map) propagate.
    public func nested(_ body: (WriteTransaction) throws -> Void) throws -> (any Error)? {
        var child: OpaquePointer?
        try LMDBEnvironment.check(mdb_txn_begin(environment.envPointer, txn, 0, &child), "mdb_txn_begin(nested)")
        do {
            try body(WriteTransaction(environment: environment, txn: child!))
        } catch LMDBMapFull.full {
            mdb_txn_abort(child)
            throw LMDBMapFull.full
        } catch {
            mdb_txn_abort(child)
            return error
        }
        try LMDBEnvironment.check(mdb_txn_commit(child), "mdb_txn_commit(nested)")
        return nil
    }

    /// Deletes every entry of `table` whose key starts with `prefix`; returns how many.
    @discardableResult
    public func deleteAll(_ table: Table, prefix: [UInt8]) throws -> Int {
        var cursor: OpaquePointer?
        try LMDBEnvironment.check(mdb_cursor_open(txn, environment.dbi(table), &cursor), "mdb_cursor_open")
        defer { mdb_cursor_close(cursor) }
        var p = prefix
        return try p.withUnsafeMutableBytes { pp in
            var mk = MDB_val(mv_size: pp.count, mv_data: pp.baseAddress)
            var mv = MDB_val()
            var count = 0
            var rc = mdb_cursor_get(cursor, &mk, &mv, MDB_SET_RANGE)
            while rc == 0 {
                let k = UnsafeRawBufferPointer(start: mk.mv_data, count: mk.mv_size)
                if k.count < pp.count || !k.prefix(pp.count).elementsEqual(UnsafeRawBufferPointer(pp)) { break }
                try LMDBEnvironment.check(mdb_cursor_del(cursor, 0), "mdb_cursor_del \(table.rawValue)")
                count += 1
                // Seek again rather than rely on the cursor's position after a delete.
                mk = MDB_val(mv_size: pp.count, mv_data: pp.baseAddress)
                rc = mdb_cursor_get(cursor, &mk, &mv, MDB_SET_RANGE)
            }
            if rc != 0 && rc != MDB_NOTFOUND { try LMDBEnvironment.check(rc, "mdb_cursor_get \(table.rawValue)") }
            return count
        }
    }

    /// Increments and returns the operation number. Every mutation calls this once, in its transaction, so
    /// anything derived from the data can record the last operation it contains.
    public func nextOperationNumber() throws -> UInt64 {
        let next = try counter("opnum") + 1
        try setCounter("opnum", next)
        return next
    }
}
