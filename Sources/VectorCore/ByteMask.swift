/// Passes over row masks of one byte per row (`[Bool]`, each byte 0 or 1), written so that they read a
/// machine word at a time or vectorise: a filter's mask is as long as the segment, and a sparse one is
/// mostly zero words.
public enum ByteMask {
    /// The number of true rows of `mask`.
    public static func count(_ mask: [Bool]) -> Int {
        mask.withUnsafeBufferPointer { m in m.baseAddress.map { count($0, m.count) } ?? 0 }
    }

    /// The number of true rows among `count` at `mask`.
    public static func count(_ mask: UnsafePointer<Bool>, _ count: Int) -> Int {
        let raw = UnsafeRawPointer(mask)
        var total = 0, i = 0
        while i + 8 <= count {
            // Eight bytes of 0 or 1: their sum is the top byte of the word times 0x0101…01 (at most 8, no carry).
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            total &+= Int((word &* 0x0101_0101_0101_0101) >> 56)
            i += 8
        }
        while i < count { if mask[i] { total += 1 }; i += 1 }
        return total
    }

    /// The first true row at or after `start`, or `max(start, count)` when there is none.
    @inline(__always)
    public static func next(_ mask: UnsafePointer<Bool>, from start: Int, _ count: Int) -> Int {
        let raw = UnsafeRawPointer(mask)
        var i = start
        while i + 8 <= count {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            if word != 0 { return i + word.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < count, !mask[i] { i += 1 }
        return i
    }
}
