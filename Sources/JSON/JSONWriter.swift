/// Serialises a `JSONValue` to compact UTF-8 JSON text.
///
/// Written in Swift rather than through jansson so that a response never builds a second tree of heap
/// objects. Non-finite doubles have no JSON form and are written as `null`.
public struct JSONWriter: Sendable {
    /// When false, `.int64Datum` values are written as decimal strings (`Accept-Type-Allow-Int64: false`).
    public var allowInt64: Bool

    public init(allowInt64: Bool = true) {
        self.allowInt64 = allowInt64
    }

    public func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        write(value, to: &out)
        return out
    }

    public func encodeString(_ value: JSONValue) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }

    public func write(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let v): Self.writeInteger(v, to: &out)
        case .int64Datum(let v):
            if allowInt64 {
                Self.writeInteger(v, to: &out)
            } else {
                out.append(UInt8(ascii: "\""))
                Self.writeInteger(v, to: &out)
                out.append(UInt8(ascii: "\""))
            }
        case .double(let d): Self.writeDouble(d, to: &out)
        case .float(let f): Self.writeFloat(f, to: &out)
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            for (i, entry) in object.entries.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(entry.key, to: &out)
                out.append(UInt8(ascii: ":"))
                write(entry.value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    public static func writeInteger(_ v: Int64, to out: inout [UInt8]) {
        if v == 0 {
            out.append(UInt8(ascii: "0"))
            return
        }
        // Digits of the magnitude, written backwards into a small stack buffer.
        var magnitude = v.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buf in
            var i = 20
            while magnitude > 0 {
                i -= 1
                buf[i] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            if v < 0 { out.append(UInt8(ascii: "-")) }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<20]))
        }
    }

    /// Shortest round-trip form; whole numbers without a fraction (`1`, not `1.0`), as Go prints them.
    public static func writeDouble(_ d: Double, to out: inout [UInt8]) {
        guard d.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        if d == d.rounded(), abs(d) < 1e15 {
            writeInteger(Int64(d), to: &out)
            return
        }
        out.append(contentsOf: d.description.utf8)
    }

    /// Shortest round-trip form of a 32-bit float (`0.9128709`), for distances and Float fields.
    public static func writeFloat(_ f: Float, to out: inout [UInt8]) {
        guard f.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        if f == f.rounded(), abs(f) < 1e7 {
            writeInteger(Int64(f), to: &out)
            return
        }
        out.append(contentsOf: f.description.utf8)
    }

    /// An array of 32-bit floats (a vector), each as `writeFloat` writes it, without a `JSONValue` per item.
    public static func writeFloats(_ values: [Float], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        values.withUnsafeBufferPointer { values in
            for (i, x) in values.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeFloat(x, to: &out)
            }
        }
        out.append(UInt8(ascii: "]"))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    public static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var start = 0
            for i in 0..<bytes.count {
                let c = bytes[i]
                let escape: UInt8?
                switch c {
                case UInt8(ascii: "\""): escape = UInt8(ascii: "\"")
                case UInt8(ascii: "\\"): escape = UInt8(ascii: "\\")
                case 0x0A: escape = UInt8(ascii: "n")
                case 0x0D: escape = UInt8(ascii: "r")
                case 0x09: escape = UInt8(ascii: "t")
                case 0x08: escape = UInt8(ascii: "b")
                case 0x0C: escape = UInt8(ascii: "f")
                case 0..<0x20: escape = UInt8(ascii: "u")
                default: escape = nil
                }
                guard let escape else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                out.append(UInt8(ascii: "\\"))
                out.append(escape)
                if escape == UInt8(ascii: "u") {
                    out.append(contentsOf: "00".utf8)
                    out.append(hexDigits[Int(c >> 4)])
                    out.append(hexDigits[Int(c & 0xF)])
                }
                start = i + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
        }
        out.append(UInt8(ascii: "\""))
    }
}
