@testable import Engine
import Filter
import Glibc
import Testing
import VectorIndex

/// A scalar index written to its file and read back: the same answers on the same rows; matched by row id
/// with rows that are gone since (so that every later row has moved); refused for rows it does not describe,
/// another signature or a damaged byte.
@Suite struct ScalarIndexFileTests {
    /// Fields of `ColumnarFilterTests.schema` indexed here: a, b, f, s, flag, and j["k"] as DOUBLE.
    static let fields = [1, 2, 3, 5, 6, 7]
    static let json = ScalarIndex.JSONCast(path: [.key("k")], castType: "DOUBLE")

    static func build(_ segment: Segment, field f: Int, rows: Int) throws -> ScalarIndex {
        try #require(ScalarIndex(column: segment.columns[f], field: f, count: rows, json: f == 7 ? json : nil))
    }

    /// The bytes `write` produces for `index`, naming `rowIDs` as its covered rows.
    static func bytes(_ index: ScalarIndex, rowIDs: [Int64], signature: String = "sig") throws -> [UInt8] {
        var template = Array("/tmp/swiftvec-scalar-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        try #require(fd >= 0)
        defer {
            close(fd)
            unlink(template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        #expect(index.write(to: fd, signature: signature, operation: 7, rowIDs: rowIDs))
        let size = Int(lseek(fd, 0, SEEK_END))
        var out = [UInt8](repeating: 0, count: size)
        #expect(pread(fd, &out, size, 0) == size)
        return out
    }

    static func read(_ bytes: [UInt8], field f: Int, rowIDs: [Int64], signature: String = "sig") -> ScalarIndex? {
        bytes.withUnsafeBytes { ScalarIndex.read($0, signature: signature, field: f, jsonPath: f == 7 ? json?.path : nil, rowIDs: rowIDs) }
    }

    @Test func readBackAnswersAsBuilt() throws {
        let segment = ColumnarFilterTests.segment(), plain = ColumnarFilterTests.segment()
        for f in Self.fields {
            let index = try Self.build(segment, field: f, rows: 400)
            let file = try Self.bytes(index, rowIDs: Array(segment.rowIDs[0..<400]))
            let back = try #require(Self.read(file, field: f, rowIDs: segment.rowIDs))
            #expect(back.covered == 400 && back.positions == index.positions && back.known == index.known && back.present == index.present)
            segment.setScalarIndex(back, field: f)
        }
        for text in ColumnarFilterTests.filters {
            let filter = try #require(try FilterCompiler.compile(text, parameters: nil, schema: ColumnarFilterTests.schema), "\(text)")
            #expect(try filter.evaluate(segment) == filter.evaluateRowByRow(plain), "\(text)")
        }
    }

    /// Rows 0..<400 indexed; then rows gone (every third, deleted while released) and the rest loaded again:
    /// the index covers the remaining rows of those 400, at their new positions.
    @Test func rowsGoneSinceAreDropped() throws {
        let before = ColumnarFilterTests.segment()
        let gone = { (i: Int) in i % 3 == 1 }
        let after = ColumnarFilterTests.segment(skipping: gone), plain = ColumnarFilterTests.segment(skipping: gone)
        var used = 0
        for f in Self.fields {
            let file = try Self.bytes(try Self.build(before, field: f, rows: 400), rowIDs: Array(before.rowIDs[0..<400]))
            let back = try #require(Self.read(file, field: f, rowIDs: after.rowIDs))
            #expect(back.covered == (0..<400).filter { !gone($0) }.count)
            after.setScalarIndex(back, field: f)
        }
        for text in ColumnarFilterTests.filters {
            let filter = try #require(try FilterCompiler.compile(text, parameters: nil, schema: ColumnarFilterTests.schema), "\(text)")
            if filter.usesIndex(after) { used += 1 }
            #expect(try filter.evaluate(after) == filter.evaluateRowByRow(plain), "\(text)")
        }
        #expect(used > 10, "the restored indexes answer comparisons")
    }

    @Test func otherRowsSignaturesAndDamageAreRefused() throws {
        let segment = ColumnarFilterTests.segment()
        let index = try Self.build(segment, field: 1, rows: 400)
        let file = try Self.bytes(index, rowIDs: Array(segment.rowIDs[0..<400]))
        #expect(Self.read(file, field: 1, rowIDs: segment.rowIDs) != nil)
        #expect(Self.read(file, field: 1, rowIDs: segment.rowIDs, signature: "other") == nil)
        for offset in [0, 12, file.count / 2, file.count - 1] {
            var damaged = file
            damaged[offset] ^= 0x20
            #expect(Self.read(damaged, field: 1, rowIDs: segment.rowIDs) == nil, "byte \(offset)")
        }
        // Saved as rows 0, 2, 4, ...: the loaded row 1 is among them but unknown to the file.
        let spaced = try Self.bytes(index, rowIDs: (0..<400).map { Int64($0 * 2) })
        #expect(Self.read(spaced, field: 1, rowIDs: segment.rowIDs) == nil)
        // Row ids out of order.
        let unordered = try Self.bytes(index, rowIDs: (0..<400).map { Int64(399 - $0) })
        #expect(Self.read(unordered, field: 1, rowIDs: segment.rowIDs) == nil)
        #expect(Self.read(Array(file.prefix(20)), field: 1, rowIDs: segment.rowIDs) == nil)
    }

    /// A file written by hand with a valid checksum: rows 10, 20, 30 with Int64 keys 1, 2, 3 at positions 2,
    /// 0, 1, unless a case says otherwise.
    static func handmade(flags: UInt8 = 0, kind: UInt8 = 0, positions: [Int32] = [2, 0, 1], flagged: Bool = false,
                         trailing: Bool = false) -> [UInt8] {
        IndexWriter.bytes(magic: ScalarIndex.magic) { w in
            w.u32(ScalarIndex.formatVersion)
            w.array(Array("sig".utf8))
            w.raw([UInt64(0)])
            w.array([Int64(10), 20, 30])
            w.u8(flags)
            w.u8(kind)
            if kind == 2 {
                w.array([UInt32(1), 1, 2])  // 4 bytes of text named, 3 given
                w.array(Array("abc".utf8))
            } else {
                w.array([Int64(1), 2, 3])
            }
            w.array(positions)
            if flagged {
                w.raw([UInt8](repeating: 1, count: 3))
                w.raw([UInt8](repeating: 1, count: 3))
            }
            if trailing { w.u8(0) }
        }
    }

    /// Random damage behind a valid checksum (bytes changed, the file cut short): every read either refuses the
    /// file or gives an index whose lookups stay within its rows.
    @Test func damageBehindAValidChecksumNeverCrashes() throws {
        let segment = ColumnarFilterTests.segment()
        var random = SeededRandom(state: 5)
        for f in [1, 5, 7] {
            let file = try Self.bytes(try Self.build(segment, field: f, rows: 400), rowIDs: Array(segment.rowIDs[0..<400]))
            let magic = ScalarIndex.magic.count
            // Between the magic and the checksum.
            let body = Array(file[magic..<(file.count - 8)])
            var accepted = 0
            for round in 0..<300 {
                var damaged = body
                if round % 5 == 4 {
                    damaged.removeLast(random.next(damaged.count))
                } else {
                    for _ in 0...random.next(4) {
                        let at = random.next(damaged.count)
                        damaged[at] = round % 2 == 0 ? UInt8(random.next(256)) : damaged[at] ^ (1 << UInt8(random.next(8)))
                    }
                }
                let resealed = IndexWriter.bytes(magic: ScalarIndex.magic) { w in damaged.withUnsafeBytes { w.raw($0) } }
                guard let index = Self.read(resealed, field: f, rowIDs: segment.rowIDs) else { continue }
                accepted += 1
                #expect(index.covered <= segment.count && index.positions.allSatisfy { Int($0) < index.covered })
                for value in [FilterValue.int(3), .double(0.5), .string("x3"), .bool(true)] {
                    for op in [BinaryOperator.equal, .notEqual, .less, .greaterEqual] {
                        if let rows = index.rows(op, value) { #expect(rows.count == index.covered) }
                    }
                    _ = index.rows(in: [value, .int(1)])
                    _ = index.rows(containing: [value], all: true)
                }
                _ = index.rows(withPrefix: "x")
                #expect(index.nonNullRows().count == index.covered)
            }
            // Some changes (a key's value, a JSON flag) leave a well-formed index: those are read.
            #expect(accepted > 0 && accepted < 300, "field \(f): \(accepted) of 300 damaged files accepted")
        }
    }

    /// Contents that pass the checksum but cannot be an index are refused, not trusted.
    @Test func inconsistentContentsAreRefused() throws {
        let ids: [Int64] = [10, 20, 30]
        func read(_ bytes: [UInt8], json: Bool = false) -> ScalarIndex? {
            bytes.withUnsafeBytes { ScalarIndex.read($0, signature: "sig", field: 1, jsonPath: json ? [.key("k")] : nil, rowIDs: ids) }
        }
        let good = try #require(read(Self.handmade()))
        #expect(good.rows(.equal, .int(2)) == [true, false, false] && good.rows(.greater, .int(1)) == [true, true, false])
        #expect(read(Self.handmade(positions: [2, 0, 3])) == nil, "a position past the covered rows")
        #expect(read(Self.handmade(positions: [2, 0])) == nil, "fewer positions than keys")
        #expect(read(Self.handmade(kind: 2)) == nil, "string lengths that do not add up to the text")
        #expect(read(Self.handmade(kind: 3)) == nil, "an unknown key kind")
        #expect(read(Self.handmade(flags: 4, flagged: true)) == nil, "JSON flags for a plain field")
        #expect(read(Self.handmade(flags: 4, flagged: true), json: true) != nil)
        #expect(read(Self.handmade(), json: true) == nil, "no JSON flags for a JSON path")
        #expect(read(Self.handmade(trailing: true)) == nil, "bytes after the index")
    }
}
