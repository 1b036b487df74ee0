import CVectorSupport

/// Distance kernels on contiguous little-endian buffers. Float32 L2 and dot are C kernels chosen at load
/// (AVX-512 or AVX2); the others use 16-wide SIMD accumulators (two independent ones, to hide the add
/// latency) and a scalar tail for dimensions that are not a multiple of the width. The module is compiled
/// for AVX2+FMA (`-target-cpu haswell`): without it Swift SIMD falls back to scalar code.
public enum Distance {
    // MARK: Float32

    /// Σ (a[i] − b[i])². In C (CVectorSupport) so that it can use AVX-512 where the CPU has it.
    @inline(__always)
    public static func l2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float { svx_l2(a, b, n) }

    /// Σ a[i]·b[i], like `l2`.
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float { svx_dot(a, b, n) }

    /// 1 / ‖v‖ over `n` components, 0 for a zero vector: COSINE against rows kept as given.
    public static func inverseNorm(_ v: UnsafePointer<Float>, _ n: Int) -> Float {
        let norm = dot(v, v, n).squareRoot()
        return norm > 0 ? 1 / norm : 0
    }

    /// `out[r]` = `l2(q, row r)` for `count` consecutive rows of `n` floats (one call for a whole block).
    @inline(__always)
    public static func l2(_ q: UnsafePointer<Float>, rows: UnsafePointer<Float>, count: Int, _ n: Int, into out: UnsafeMutablePointer<Float>) {
        svx_l2_rows(q, rows, count, n, out)
    }

    /// `out[r]` = `dot(q, row r)`, like `l2(_:rows:count:_:into:)`.
    @inline(__always)
    public static func dot(_ q: UnsafePointer<Float>, rows: UnsafePointer<Float>, count: Int, _ n: Int, into out: UnsafeMutablePointer<Float>) {
        svx_dot_rows(q, rows, count, n, out)
    }

    /// The dot product with `b`'s squared norm, in one pass (for cosine).
    @inline(__always)
    public static func dotAndNorm(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> (dot: Float, norm: Float) {
        var d = SIMD16<Float>(), m = SIMD16<Float>()
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 16 <= n {
            let y = rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            d += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) * y
            m += y * y
            i += 16
        }
        var dot = d.sum(), norm = m.sum()
        while i < n {
            dot += a[i] * b[i]
            norm += b[i] * b[i]
            i += 1
        }
        return (dot, norm)
    }

    // MARK: 16-bit floats, widened to Float32 on the fly

    /// Widens `n` IEEE half-precision values to Float32.
    @inline(__always)
    public static func widenFloat16(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 16 <= n {
            let h = src.loadUnaligned(fromByteOffset: i * 2, as: SIMD16<UInt16>.self)
            UnsafeMutableRawPointer(dst).storeBytes(of: SIMD16<Float>(unsafeBitCast(h, to: SIMD16<Float16>.self)), toByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        while i < n {
            dst[i] = Float(Float16(bitPattern: src.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))
            i += 1
        }
    }

    /// Widens `n` bfloat16 values (the top half of a Float32) to Float32.
    @inline(__always)
    public static func widenBFloat16(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 16 <= n {
            let h = SIMD16<UInt32>(truncatingIfNeeded: src.loadUnaligned(fromByteOffset: i * 2, as: SIMD16<UInt16>.self))
            UnsafeMutableRawPointer(dst).storeBytes(of: unsafeBitCast(h &<< 16, to: SIMD16<Float>.self), toByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        while i < n {
            dst[i] = Float(bitPattern: UInt32(src.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) << 16)
            i += 1
        }
    }

    /// Widens `n` int8 values to Float32.
    @inline(__always)
    public static func widenInt8(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 16 <= n {
            let v = src.loadUnaligned(fromByteOffset: i, as: SIMD16<Int8>.self)
            UnsafeMutableRawPointer(dst).storeBytes(of: SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: v)), toByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        while i < n {
            dst[i] = Float(src.load(fromByteOffset: i, as: Int8.self))
            i += 1
        }
    }

    // MARK: Binary

    /// Number of differing bits between two `bytes`-long bit strings.
    @inline(__always)
    public static func hamming(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ bytes: Int) -> Float {
        var count = 0
        var i = 0
        while i + 8 <= bytes {
            count += (a.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ b.loadUnaligned(fromByteOffset: i, as: UInt64.self)).nonzeroBitCount
            i += 8
        }
        while i < bytes {
            count += (a.load(fromByteOffset: i, as: UInt8.self) ^ b.load(fromByteOffset: i, as: UInt8.self)).nonzeroBitCount
            i += 1
        }
        return Float(count)
    }

    /// Jaccard distance 1 - |a ∧ b| / |a ∨ b| (0 when both are empty).
    @inline(__always)
    public static func jaccard(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ bytes: Int) -> Float {
        var both = 0, either = 0
        var i = 0
        while i + 8 <= bytes {
            let x = a.loadUnaligned(fromByteOffset: i, as: UInt64.self), y = b.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            both += (x & y).nonzeroBitCount
            either += (x | y).nonzeroBitCount
            i += 8
        }
        while i < bytes {
            let x = a.load(fromByteOffset: i, as: UInt8.self), y = b.load(fromByteOffset: i, as: UInt8.self)
            both += (x & y).nonzeroBitCount
            either += (x | y).nonzeroBitCount
            i += 1
        }
        return either == 0 ? 0 : 1 - Float(both) / Float(either)
    }

    // MARK: Sparse

    /// Inner product of two sparse vectors with strictly increasing indices.
    public static func sparseDot(_ ai: UnsafeBufferPointer<UInt32>, _ av: UnsafeBufferPointer<Float>,
                                 _ bi: UnsafeBufferPointer<UInt32>, _ bv: UnsafeBufferPointer<Float>) -> Float {
        var i = 0, j = 0
        var sum: Float = 0
        while i < ai.count && j < bi.count {
            let x = ai[i], y = bi[j]
            if x == y {
                sum += av[i] * bv[j]
                i += 1
                j += 1
            } else if x < y {
                i += 1
            } else {
                j += 1
            }
        }
        return sum
    }
}
