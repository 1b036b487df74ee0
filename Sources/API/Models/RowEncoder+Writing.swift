import Engine
import JSON

extension RowEncoder {
    /// What writing rows needs of the output fields, worked out once per reply rather than per row.
    struct WritePlan {
        /// The output fields' names, and each as its escaped `"name":`.
        let names: [String]
        let keys: [[UInt8]]
        /// Output fields whose integers are Int64 (strings when the client does not allow 64-bit numbers).
        let int64: [Bool]
        /// The output field named `distance`, if any: a hit's score takes its value.
        let distanceField: Int?

        init(_ encoder: RowEncoder) {
            let fields = encoder.fields.map { encoder.schema.fields[$0] }
            names = fields.map(\.name)
            keys = names.map { name in
                var key: [UInt8] = []
                JSONWriter.writeString(name, to: &key)
                key.append(UInt8(ascii: ":"))
                return key
            }
            int64 = fields.map { $0.dataType == .int64 }
            distanceField = names.firstIndex(of: "distance")
        }
    }

    /// Writes `row` as a JSON object straight into `out`: the output fields in order, then the dynamic keys
    /// (all of them but those already written, or those asked for), then `distance` (a search hit's score).
    /// The score takes the place of the last key of that name, an output field or a dynamic key, so that a
    /// hit has one `distance` (Milvus's row map).
    func write(_ row: EntityRow, distance: Float?, plan: WritePlan, to out: inout [UInt8], writer: JSONWriter) {
        var dynamicEntries: [JSONObject.Entry] = []
        if let dynamicKeys, let dynamic = row.dynamic {
            if dynamicKeys.isEmpty {
                for entry in dynamic.entries
                where !plan.names.contains(entry.key) && !dynamicEntries.contains(where: { $0.key == entry.key }) {
                    dynamicEntries.append(entry)
                }
            } else {
                for key in dynamicKeys { if let value = dynamic[key] { dynamicEntries.append(.init(key: key, value: value)) } }
            }
        }
        let scoredEntry = distance == nil ? nil : dynamicEntries.lastIndex { $0.key == "distance" }
        let scoredField = distance == nil || scoredEntry != nil ? nil : plan.distanceField
        var first = true
        func separate() {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
        }
        out.append(UInt8(ascii: "{"))
        for (k, f) in fields.enumerated() {
            separate()
            out.append(contentsOf: plan.keys[k])
            if k == scoredField, let distance {
                JSONWriter.writeFloat(Self.wireDistance(distance), to: &out)
            } else {
                write(row.values[f], int64: plan.int64[k], field: f, to: &out, writer: writer)
            }
        }
        for (i, entry) in dynamicEntries.enumerated() {
            separate()
            JSONWriter.writeString(entry.key, to: &out)
            out.append(UInt8(ascii: ":"))
            if i == scoredEntry, let distance {
                JSONWriter.writeFloat(Self.wireDistance(distance), to: &out)
            } else {
                writer.write(entry.value, to: &out)
            }
        }
        if let distance, scoredEntry == nil, scoredField == nil {
            separate()
            out.append(contentsOf: Self.distanceKey)
            JSONWriter.writeFloat(Self.wireDistance(distance), to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    private static let distanceKey: [UInt8] = Array(#""distance":"#.utf8)

    /// A score as JSON can carry it. One that overflowed float32 (huge vectors) is the largest finite float of
    /// its sign: JSON has no infinity, and null would break clients expecting a number. A NaN score (COSINE
    /// over vectors whose norm overflows) is 0.
    static func wireDistance(_ d: Float) -> Float {
        d.isNaN ? 0 : d.isInfinite ? (d > 0 ? .greatestFiniteMagnitude : -.greatestFiniteMagnitude) : d
    }

    /// `value(_:field:)` written out; the common kinds without building a `JSONValue` (a vector's components
    /// would each be one). `field` is the value's schema position.
    private func write(_ v: FieldValue, int64: Bool, field: Int, to out: inout [UInt8], writer: JSONWriter) {
        switch v {
        case .int(let i): writer.write(int64 ? .int64Datum(i) : .int(i), to: &out)
        case .float(let f): JSONWriter.writeFloat(f, to: &out)
        case .double(let d): JSONWriter.writeDouble(d, to: &out)
        case .string(let s): JSONWriter.writeString(s, to: &out)
        case .floatVector(let vector): JSONWriter.writeFloats(vector, to: &out)
        default: writer.write(value(v, field: schema.fields[field]), to: &out)
        }
    }
}
