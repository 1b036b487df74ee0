import Filter
import VectorIndex

/// A scalar index's file (`indexes/<collection>/<field>/scalar.sorted`), so that a restart reads it instead
/// of sorting the column again.
///
/// Positions move between runs: rows deleted while the collection was released are not read by the next
/// load, and every later row moves up. So the file names the covered rows by row id, and at load its rows
/// are matched with the loaded ones; the entries of rows that are gone are dropped, in order, so the keys
/// stay sorted. Row ids are never reused and a row's values never change, so an index that passes its
/// checks is right for every row it names, whenever it was written.
///
/// After the magic: format version; the signature of the index (see `Engine.scalarSignature`), which must
/// equal the current one; the operation number at build time; the covered rows' ids, ascending; flags (bool,
/// array, JSON path); the key kind and the sorted keys (strings as their lengths, then their bytes); each
/// key's position among the covered rows; for a JSON path, the `known` and `present` flags per covered row;
/// then `IndexWriter`'s checksum.
extension ScalarIndex {
    static let magic: [UInt8] = Array("SVSCAL01".utf8)
    static let formatVersion = 1
    static let fileName = "scalar.sorted"

    /// Writes the index to `fd`; `rowIDs` are the ids of the covered rows. False if a write failed.
    func write(to fd: Int32, signature: String, operation: UInt64, rowIDs: [Int64]) -> Bool {
        precondition(rowIDs.count == covered, "a scalar index file names every covered row")
        return IndexWriter.stream(magic: Self.magic, to: fd) { w in
            w.u32(Self.formatVersion)
            w.array(Array(signature.utf8))
            w.raw([operation])
            w.array(rowIDs)
            w.u8((isBool ? 1 : 0) | (isArray ? 2 : 0) | (known != nil ? 4 : 0))
            switch keys {
            case .ints(let k):
                w.u8(0)
                w.array(k)
            case .doubles(let k):
                w.u8(1)
                w.array(k)
            case .strings(let k):
                w.u8(2)
                w.array(k.map { UInt32($0.utf8.count) })
                var bytes: [UInt8] = []
                bytes.reserveCapacity(k.reduce(0) { $0 + $1.utf8.count })
                for s in k { bytes.append(contentsOf: s.utf8) }
                w.array(bytes)
            }
            w.array(positions)
            if let known, let present {
                w.raw(known.map { $0 ? UInt8(1) : 0 })
                w.raw(present.map { $0 ? UInt8(1) : 0 })
            }
        }
    }

    /// Reads a saved index and matches it with the loaded rows (`rowIDs`, in position order). Nil if the file
    /// is damaged, has another signature, or its rows are not the loaded rows' first ones less those gone
    /// since (a loaded row among them that the file does not name, or ids out of order).
    static func read(_ bytes: UnsafeRawBufferPointer, signature: String, field: Int, jsonPath: [FilterExpression.PathComponent]?,
                     rowIDs: [Int64]) -> ScalarIndex? {
        guard var r = IndexReader(bytes, magic: magic), r.u32() == formatVersion,
              r.array(UInt8.self) == Array(signature.utf8), r.raw(UInt64.self, count: 1) != nil,
              let ids = r.array(Int64.self), let flags = r.u8(), let kind = r.u8() else { return nil }
        let keys: Keys
        let keyCount: Int
        switch kind {
        case 0:
            guard let k = r.array(Int64.self) else { return nil }
            (keys, keyCount) = (.ints(k), k.count)
        case 1:
            guard let k = r.array(Double.self) else { return nil }
            (keys, keyCount) = (.doubles(k), k.count)
        case 2:
            guard let lengths = r.array(UInt32.self), let text = r.array(UInt8.self),
                  lengths.reduce(0, { $0 &+ Int($1) }) == text.count else { return nil }
            var start = 0
            let strings = lengths.map { n in
                defer { start += Int(n) }
                return String(decoding: text[start..<(start + Int(n))], as: UTF8.self)
            }
            (keys, keyCount) = (.strings(strings), strings.count)
        default:
            return nil
        }
        guard let positions = r.array(Int32.self), positions.count == keyCount,
              positions.allSatisfy({ $0 >= 0 && Int($0) < ids.count }) else { return nil }
        var known: [Bool]?, present: [Bool]?
        if flags & 4 != 0 {
            guard let k = r.raw(UInt8.self, count: ids.count), let p = r.raw(UInt8.self, count: ids.count) else { return nil }
            known = k.map { $0 != 0 }
            present = p.map { $0 != 0 }
        }
        guard r.isAtEnd, (flags & 4 != 0) == (jsonPath != nil) else { return nil }

        // The saved rows' positions now: a merge of two ascending lists of row ids.
        var now = [Int32](repeating: -1, count: ids.count)
        var j = 0
        for (k, id) in ids.enumerated() {
            if k > 0 && id <= ids[k - 1] { return nil }
            if j < rowIDs.count && rowIDs[j] < id { return nil }
            if j < rowIDs.count && rowIDs[j] == id {
                now[k] = Int32(j)
                j += 1
            }
        }
        let covered = j
        let index = { (keys: Keys, positions: [Int32], known: [Bool]?, present: [Bool]?) in
            ScalarIndex(field: field, covered: covered, keys: keys, isBool: flags & 1 != 0, isArray: flags & 2 != 0,
                        jsonPath: jsonPath, known: known, present: present, positions: positions)
        }
        // Every saved row is still there, at the same position.
        guard covered < ids.count else { return index(keys, positions, known, present) }
        let kept = positions.indices.filter { now[Int(positions[$0])] >= 0 }
        let keptKeys: Keys = switch keys {
        case .ints(let k): .ints(kept.map { k[$0] })
        case .doubles(let k): .doubles(kept.map { k[$0] })
        case .strings(let k): .strings(kept.map { k[$0] })
        }
        func moved(_ flags: [Bool]?) -> [Bool]? {
            flags.map { old in
                var new = [Bool](repeating: false, count: covered)
                for k in old.indices where now[k] >= 0 { new[Int(now[k])] = old[k] }
                return new
            }
        }
        return index(keptKeys, kept.map { now[Int(positions[$0])] }, moved(known), moved(present))
    }
}
