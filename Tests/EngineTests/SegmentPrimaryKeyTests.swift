@testable import Engine
import Testing

/// A segment's primary-key positions (kept by key type in `PrimaryKeyMap`): repeated keys, deletes handing
/// a key to its next position, integer and string keys, keys at the Int64 extremes.
@Suite struct SegmentPrimaryKeyTests {
    static func segment(stringKeys: Bool) -> Segment {
        let key = stringKeys
            ? FieldSchema(name: "pk", dataType: .varChar, isPrimaryKey: true, typeParams: [Property("max_length", "20")])
            : FieldSchema(name: "pk", dataType: .int64, isPrimaryKey: true)
        return Segment(schema: CollectionSchema(enableDynamicField: false, fields: [
            key, FieldSchema(name: "v", dataType: .floatVector, typeParams: [Property("dim", "2")])]))
    }

    static func key(_ i: Int64, strings: Bool) -> FieldValue { strings ? .string("k\(i)") : .int(i) }

    @Test(arguments: [false, true])
    func positionsFollowInsertsAndDeletes(stringKeys: Bool) {
        let segment = Self.segment(stringKeys: stringKeys)
        segment.reserve(rows: 8)
        let keys: [Int64] = [.min, 7, .max, 7, 9, 7]
        for (i, k) in keys.enumerated() {
            let row = EntityRow(values: [Self.key(k, strings: stringKeys), .floatVector([Float(i), 0])], dynamic: nil)
            segment.append(rowID: Int64(100 + i), partitionID: 1, row: row)
        }
        func positions(_ k: Int64) -> [Int] { segment.positions(of: Segment.primaryKey(Self.key(k, strings: stringKeys))!) }
        #expect(positions(.min) == [0])
        #expect(positions(.max) == [2])
        #expect(positions(7) == [1, 3, 5])
        #expect(positions(8).isEmpty)
        // Deleting the first position of a repeated key hands the key to the next one.
        #expect(segment.delete(rowID: 101))
        #expect(positions(7) == [3, 5])
        #expect(segment.delete(rowID: 105))
        #expect(positions(7) == [3])
        #expect(segment.delete(rowID: 103))
        #expect(positions(7).isEmpty)
        #expect(!segment.delete(rowID: 103))
        #expect(positions(9) == [4])
        #expect(segment.liveCount == 3)
    }
}
