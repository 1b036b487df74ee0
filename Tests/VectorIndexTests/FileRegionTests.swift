import Testing
import VectorCore
@testable import VectorIndex

/// Memory an index is built in: below 2 MiB an aligned allocation, from 2 MiB up a 2 MiB-aligned mapping
/// advised as huge pages. Indexes built in the large form answer as exactly as in the small one.
@Suite struct FileRegionTests {
    @Test(arguments: [0, 100, (2 << 20) - 1, 2 << 20, (5 << 20) + 123])
    func everyByteIsWritableAndAligned(size: Int) {
        let region = FileRegion(byteCount: size)
        #expect(region.count == size)
        let address = Int(bitPattern: region.base)
        #expect(address % 4096 == 0)
        if size >= 2 << 20 { #expect(address % (2 << 20) == 0) }
        let bytes = region.base.bindMemory(to: UInt8.self, capacity: size)
        for i in 0..<size { bytes[i] = UInt8(truncatingIfNeeded: i &* 31) }
        var wrong = 0
        for i in 0..<size where bytes[i] != UInt8(truncatingIfNeeded: i &* 31) { wrong += 1 }
        #expect(wrong == 0)
    }

    /// An IVF_FLAT index whose lists (20,000 rows of 32 floats: 2.4 MiB) take the mapped form: probing every
    /// list finds exactly what a scan finds.
    @Test func ivfListsInTheLargeFormAreExact() {
        let dim = 32, n = 20_000, k = 10
        let data = HNSWRecallTests.clustered(count: n, dim: dim, clusters: 16, seed: 51)
        let index = IVFIndex(dimension: dim, nlist: 16, metric: .l2, encoding: .flat)
        data.flatMap { $0 }.withUnsafeBufferPointer { index.build($0.baseAddress!, count: n, threads: 2) }
        for q in HNSWRecallTests.clustered(count: 5, dim: dim, clusters: 16, seed: 52) {
            let found = index.prepare(q).withUnsafeBufferPointer {
                index.search($0.baseAddress!, k: k, parameters: SearchParameters(nprobe: 16), allowed: nil)
            }
            #expect(found.map { Int($0.id) } == HNSWRecallTests.exact(data, q, k: k, metric: .l2))
        }
    }

    /// An HNSW graph whose vectors and links (2,500 rows of 256 floats and 33 link slots: 2.8 MiB) take the
    /// mapped form: every stored row searched for is found first.
    @Test func hnswInTheLargeFormFindsItsRows() {
        let dim = 256, n = 2_500
        let data = HNSWRecallTests.clustered(count: n, dim: dim, clusters: 10, seed: 53)
        let index = HNSWIndex(dimension: dim, capacity: n, m: 16, efConstruction: 64, metric: .l2)
        data.flatMap { $0 }.withUnsafeBufferPointer { index.addAll($0.baseAddress!, count: n, threads: 2) }
        var found = 0
        for i in stride(from: 0, to: n, by: 25) {
            let hit = data[i].withUnsafeBufferPointer { index.search($0.baseAddress!, k: 1, ef: 64) }.first
            if hit?.id == UInt32(i) { found += 1 }
        }
        #expect(found >= 99)
    }
}
