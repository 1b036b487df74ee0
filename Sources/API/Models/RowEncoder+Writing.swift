import Engine
import JSON

extension RowEncoder {
    /// Writes `row` as `encode` renders it, straight into `out`, with `distance` (a search hit's score) as
    /// the `distance` key. The score takes the place of an output field of that name, as in Milvus's row map.
    func write(_ row: EntityRow, distance: Float?, to out: inout [UInt8], writer: JSONWriter) {
        if dynamicKeys != nil, row.dynamic != nil {
            // Dynamic keys can collide with the fields and with `distance`: the object's own rules decide.
            guard case .object(var o) = encode(row) else { return }
            if let distance { o["distance"] = .float(Self.wireDistance(distance)) }
            writer.write(.object(o), to: &out)
            return
        }
        out.append(UInt8(ascii: "{"))
        var distanceWritten = distance == nil
        for (i, f) in fields.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            let field = schema.fields[f]
            JSONWriter.writeString(field.name, to: &out)
            out.append(UInt8(ascii: ":"))
            if let distance, field.name == "distance" {
                JSONWriter.writeFloat(Self.wireDistance(distance), to: &out)
                distanceWritten = true
            } else {
                write(row.values[f], field: field, to: &out, writer: writer)
            }
        }
        if let distance, !distanceWritten {
            if !fields.isEmpty { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #""distance":"#.utf8)
            JSONWriter.writeFloat(Self.wireDistance(distance), to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// A score as JSON can carry it. One that overflowed float32 (huge vectors) is the largest finite float of
    /// its sign: JSON has no infinity, and null would break clients expecting a number. A NaN score (COSINE
    /// over vectors whose norm overflows) is 0.
    static func wireDistance(_ d: Float) -> Float {
        d.isNaN ? 0 : d.isInfinite ? (d > 0 ? .greatestFiniteMagnitude : -.greatestFiniteMagnitude) : d
    }

    /// `value(_:field:)` written out; the common kinds without building a `JSONValue` (a vector's components
    /// would each be one).
    private func write(_ v: FieldValue, field: FieldSchema, to out: inout [UInt8], writer: JSONWriter) {
        switch v {
        case .int(let i) where field.dataType != .int64: JSONWriter.writeInteger(i, to: &out)
        case .float(let f): JSONWriter.writeFloat(f, to: &out)
        case .double(let d): JSONWriter.writeDouble(d, to: &out)
        case .string(let s): JSONWriter.writeString(s, to: &out)
        case .floatVector(let vector):
            out.append(UInt8(ascii: "["))
            for i in vector.indices {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.writeFloat(vector[i], to: &out)
            }
            out.append(UInt8(ascii: "]"))
        default: writer.write(value(v, field: field), to: &out)
        }
    }
}
