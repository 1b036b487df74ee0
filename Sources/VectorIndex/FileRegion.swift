import Glibc

/// The bytes of a saved index, page-aligned: a private mapping of the file, an aligned copy of bytes in
/// memory, or memory an index fills while it is built. A deserialised index points into it instead of
/// copying its large buffers, so a restart neither allocates nor zeroes them; the pages come from the page
/// cache.
///
/// The mapping is read-only (and private): a writable private mapping would be copied page by page into
/// anonymous memory by MAP_POPULATE, doubling the index's memory. Files are replaced by rename, never
/// rewritten in place, so the mapped inode never changes under it. Memory from `init(byteCount:)` is filled
/// by the index that made it before the index is shared, and read-only afterwards, as are the other forms.
public final class FileRegion: @unchecked Sendable {
    public let base: UnsafeMutableRawPointer
    public let count: Int
    /// Bytes to unmap at deinit (a file's size, or a huge-page mapping's rounded length); 0 when allocated.
    private let mappedLength: Int

    /// Maps a whole file; nil if it cannot be opened, is empty or cannot be mapped.
    public init?(path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 0 else { return nil }
        // MAP_POPULATE maps every page in one go: far cheaper than a fault per page during the checksum.
        guard let p = mmap(nil, Int(st.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0), p != MAP_FAILED else {
            return nil
        }
        base = p
        count = Int(st.st_size)
        mappedLength = count
    }

    /// An aligned copy of `bytes` (for indexes serialised in memory, as the tests do).
    public convenience init(copying bytes: [UInt8]) {
        self.init(byteCount: bytes.count)
        bytes.withUnsafeBytes { if let src = $0.baseAddress { base.copyMemory(from: src, byteCount: $0.count) } }
    }

    /// `byteCount` bytes of aligned memory for the caller to fill. From 2 MiB up it is an anonymous mapping
    /// aligned to 2 MiB and advised as huge pages, as a restarted server's file mapping is: an IVF scan
    /// streaming through its lists, or a graph walk over 3 KiB rows, then misses the TLB far less (measured
    /// on 100,000 x 768-d: 15-30% less CPU per IVF_FLAT search, 7-9% less per HNSW search, HNSW builds 17%
    /// faster; no difference shown at 128-d).
    public init(byteCount: Int) {
        count = byteCount
        let huge = 2 << 20
        if byteCount >= huge {
            let page = max(sysconf(Int32(_SC_PAGESIZE)), 4096)
            let length = (byteCount + page - 1) / page * page
            // Over-map by one huge page and trim both ends, leaving a 2 MiB-aligned start.
            if let raw = mmap(nil, length + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), raw != MAP_FAILED {
                let start = (Int(bitPattern: raw) + huge - 1) / huge * huge
                let head = start - Int(bitPattern: raw)
                if head > 0 { munmap(raw, head) }
                let aligned = UnsafeMutableRawPointer(bitPattern: start)!
                munmap(aligned + length, huge - head)
                // Only whole huge pages: a partial last one would take 2 MiB for a few bytes. Advice only: the
                // kernel gives 4 KiB pages if it has no huge ones.
                _ = madvise(aligned, byteCount / huge * huge, MADV_HUGEPAGE)
                base = aligned
                mappedLength = length
                return
            }
        }
        base = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 4096)
        mappedLength = 0
    }

    deinit {
        if mappedLength > 0 { munmap(base, mappedLength) } else { base.deallocate() }
    }

    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}
