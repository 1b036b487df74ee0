import CVectorSupport
import Testing
import VectorCore

/// Every kernel against a plain scalar reference (in Double) on random data, including dimensions that are
/// not multiples of the SIMD width.
@Suite struct DistanceTests {
    static let dimensions = [1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 100, 128, 129, 768, 1000]

    func randomFloats(_ n: Int, _ g: inout SystemRandomNumberGenerator) -> [Float] {
        (0..<n).map { _ in Float.random(in: -2...2, using: &g) }
    }

    func close(_ a: Float, _ b: Double, _ n: Int) -> Bool {
        abs(Double(a) - b) <= 1e-4 * Double(max(n, 1)) * max(1, abs(b)) * 1e-2 + 1e-4
    }

    @Test func float32Kernels() {
        var g = SystemRandomNumberGenerator()
        for n in Self.dimensions {
            for _ in 0..<20 {
                let a = randomFloats(n, &g), b = randomFloats(n, &g)
                let refL2 = zip(a, b).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
                let refDot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                let refNorm = b.reduce(0.0) { $0 + Double($1) * Double($1) }
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        #expect(close(Distance.l2(pa.baseAddress!, pb.baseAddress!, n), refL2, n), "l2 n=\(n)")
                        #expect(close(Distance.dot(pa.baseAddress!, pb.baseAddress!, n), refDot, n), "dot n=\(n)")
                        let (d, m) = Distance.dotAndNorm(pa.baseAddress!, pb.baseAddress!, n)
                        #expect(close(d, refDot, n) && close(m, refNorm, n), "dotAndNorm n=\(n)")
                    }
                }
            }
        }
    }

    /// Both builds of the C kernels (AVX-512 where this CPU has it, and AVX2), called directly so that no
    /// switch is shared with other tests: single rows against the reference, row forms against single rows.
    @Test(arguments: [true, false]) func float32KernelBuilds(avx512: Bool) {
        var g = SystemRandomNumberGenerator()
        for n in Self.dimensions + [0, 48, 63, 64, 65] {
            let rows = 5
            let q = randomFloats(n, &g), block = randomFloats(n * rows, &g)
            for dot in [false, true] {
                var out = [Float](repeating: .nan, count: rows)
                let first = svx_kernel_on(avx512 ? 1 : 0, dot ? 1 : 0, q, block, rows, n, &out)
                var ref = 0.0
                for d in 0..<n {
                    let a = Double(q[d]), b = Double(block[d])
                    ref += dot ? a * b : (a - b) * (a - b)
                }
                #expect(close(first, ref, n), "avx512 \(avx512) dot \(dot) n=\(n)")
                for r in 0..<rows {
                    var one = [Float](repeating: 0, count: 1)
                    let single = Array(block[(r * n)..<(r * n + n)])
                    let expected = svx_kernel_on(avx512 ? 1 : 0, dot ? 1 : 0, q, single, 1, n, &one)
                    #expect(out[r] == expected && one[0] == expected, "row \(r) avx512 \(avx512) dot \(dot) n=\(n)")
                }
            }
        }
    }

    /// The blocked nearest-centroid kernel of k-means, both builds: each row's pick scores (in Double) within
    /// rounding of the best centroid, for counts and k that are not multiples of the blocks, and an exact tie
    /// goes to the smaller centroid.
    @Test(arguments: [true, false]) func nearestCentroidKernel(avx512: Bool) {
        var g = SystemRandomNumberGenerator()
        for n in [1, 3, 8, 16, 17, 128] {
            for k in [1, 5, 16, 17, 40] {
                for count in [1, 3, 4, 9] {
                    for innerProduct in [false, true] {
                        var centroids = randomFloats(k * n, &g)
                        let rows = randomFloats(count * n, &g)
                        // A duplicate centroid: whichever copy is nearest, the first must be picked.
                        if k >= 5 { for d in 0..<n { centroids[4 * n + d] = centroids[1 * n + d] } }
                        let padded = (k + 15) / 16 * 16
                        var blocks = [Float](repeating: .nan, count: padded * n), bias = [Float](repeating: .nan, count: padded)
                        svx_transpose16(centroids, k, n, innerProduct ? 1 : 0, &blocks, &bias)
                        var out = [Int32](repeating: -1, count: count)
                        svx_nearest16(rows, count, n, blocks, bias, k, innerProduct ? 1 : 0, avx512 ? 1 : 0, &out)
                        for r in 0..<count {
                            func score(_ c: Int) -> Double {
                                (0..<n).reduce(0.0) { sum, d in
                                    let a = Double(rows[r * n + d]), b = Double(centroids[c * n + d])
                                    return sum + (innerProduct ? -a * b : (a - b) * (a - b))
                                }
                            }
                            let best = (0..<k).map(score).min()!
                            let pick = Int(out[r])
                            #expect((0..<k).contains(pick) && score(pick) <= best + 1e-4 * Double(n), "n \(n) k \(k) row \(r) ip \(innerProduct)")
                            #expect(pick != 4 || k < 5, "a tie goes to the smaller centroid: n \(n) k \(k)")
                        }
                    }
                }
            }
        }
    }

    @Test func widening() {
        var g = SystemRandomNumberGenerator()
        for n in Self.dimensions {
            let values = randomFloats(n, &g)
            let halfs = values.map { Float16($0).bitPattern }
            let bfloats = values.map { UInt16($0.bitPattern >> 16) }
            let int8s = values.map { Int8(clamping: Int(($0 * 60).rounded())) }
            var out = [Float](repeating: 0, count: n)
            halfs.withUnsafeBytes { Distance.widenFloat16($0.baseAddress!, &out, n) }
            #expect(out == halfs.map { Float(Float16(bitPattern: $0)) }, "float16 n=\(n)")
            bfloats.withUnsafeBytes { Distance.widenBFloat16($0.baseAddress!, &out, n) }
            #expect(out == bfloats.map { Float(bitPattern: UInt32($0) << 16) }, "bfloat16 n=\(n)")
            int8s.withUnsafeBytes { Distance.widenInt8($0.baseAddress!, &out, n) }
            #expect(out == int8s.map { Float($0) }, "int8 n=\(n)")
        }
    }

    @Test func binaryKernels() {
        var g = SystemRandomNumberGenerator()
        for bytes in [1, 2, 7, 8, 9, 16, 17, 64, 100] {
            for _ in 0..<20 {
                let a = (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &g) }
                let b = (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &g) }
                var differ = 0, both = 0, either = 0
                for (x, y) in zip(a, b) {
                    for bit in 0..<8 {
                        let p = (x >> bit) & 1 == 1, q = (y >> bit) & 1 == 1
                        if p != q { differ += 1 }
                        if p && q { both += 1 }
                        if p || q { either += 1 }
                    }
                }
                #expect(Distance.hamming(a, b, bytes) == Float(differ))
                #expect(abs(Distance.jaccard(a, b, bytes) - (either == 0 ? 0 : 1 - Float(both) / Float(either))) < 1e-6)
            }
        }
        let zeros = [UInt8](repeating: 0, count: 4)
        #expect(Distance.jaccard(zeros, zeros, 4) == 0)
    }

    @Test func sparseDot() {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            func vector() -> [UInt32: Float] {
                var v: [UInt32: Float] = [:]
                for _ in 0..<Int.random(in: 0...30, using: &g) { v[UInt32.random(in: 0...60, using: &g)] = Float.random(in: -1...1, using: &g) }
                return v
            }
            let a = vector(), b = vector()
            let ai = a.keys.sorted(), bi = b.keys.sorted()
            let reference = a.reduce(0.0) { $0 + Double($1.value) * Double(b[$1.key] ?? 0) }
            let got = ai.withUnsafeBufferPointer { pai in
                ai.map { a[$0]! }.withUnsafeBufferPointer { pav in
                    bi.withUnsafeBufferPointer { pbi in
                        bi.map { b[$0]! }.withUnsafeBufferPointer { pbv in Distance.sparseDot(pai, pav, pbi, pbv) }
                    }
                }
            }
            #expect(abs(Double(got) - reference) < 1e-4)
        }
    }

    @Test func topKKeepsTheBestInOrder() {
        var g = SystemRandomNumberGenerator()
        for metric in [Metric.l2, .ip] {
            for k in [1, 5, 10, 100] {
                let values = (0..<1000).map { _ in Float(Int.random(in: 0...300, using: &g)) }  // many ties
                var top = TopK(k: k, metric: metric)
                for (i, v) in values.enumerated() { top.push(v, i) }
                let expected = values.enumerated().sorted { a, b in
                    a.element == b.element ? a.offset < b.offset : metric.isBetter(a.element, than: b.element)
                }.prefix(k)
                #expect(top.sorted().map(\.id) == expected.map(\.offset))
            }
        }
    }
}

@Suite struct ScanTests {
    /// The fused scan-and-select paths agree with per-row kernels plus a plain sort, for every element type
    /// and metric, with and without a mask.
    @Test func topKMatchesPerRowKernels() {
        var g = SystemRandomNumberGenerator()
        for dim in [3, 8, 19, 128, 130] {
            for count in [1, 5, 103] {
                let rows = (0..<count * dim).map { _ in Float.random(in: -1...1, using: &g) }
                let query = (0..<dim).map { _ in Float.random(in: -1...1, using: &g) }
                let mask = (0..<count).map { _ in Bool.random(using: &g) }
                for metric in [Metric.l2, .ip, .cosine] {
                    for useMask in [false, true] {
                        var expected: [(Float, Int)] = []
                        rows.withUnsafeBufferPointer { rp in
                            query.withUnsafeBufferPointer { qp in
                                for i in 0..<count where !useMask || mask[i] {
                                    let r = rp.baseAddress! + i * dim
                                    let d: Float = switch metric {
                                    case .l2: Distance.l2(qp.baseAddress!, r, dim)
                                    case .ip: Distance.dot(qp.baseAddress!, r, dim)
                                    default: {
                                        let (x, n2) = Distance.dotAndNorm(qp.baseAddress!, r, dim)
                                        let qn = Distance.dot(qp.baseAddress!, qp.baseAddress!, dim).squareRoot()
                                        return x / (qn * n2.squareRoot())
                                    }()
                                    }
                                    expected.append((d, i))
                                }
                            }
                        }
                        expected.sort { $0.0 == $1.0 ? $0.1 < $1.1 : metric.isBetter($0.0, than: $1.0) }
                        let top = rows.withUnsafeBytes { rp in
                            query.withUnsafeBufferPointer { qp in
                                mask.withUnsafeBufferPointer { mp in
                                    Distance.topK(k: 10, metric: metric, element: .float32, query: qp.baseAddress!, base: rp.baseAddress!,
                                                  count: count, dim: dim, allowed: useMask ? mp.baseAddress! : nil)
                                }
                            }
                        }
                        let got = top.sorted()
                        #expect(got.map(\.id) == expected.prefix(10).map(\.1), "dim \(dim) count \(count) \(metric) mask \(useMask)")
                        for (a, b) in zip(got, expected.prefix(10)) { #expect(abs(a.distance - b.0) <= 1e-4 * max(1, abs(b.0))) }
                    }
                }
            }
        }
    }
}
