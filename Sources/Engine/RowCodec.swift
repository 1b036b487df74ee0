import JSON
import Storage

/// The binary record of one row in the `rows` table, laid out by the schema: for each field in order,
/// a null flag when the field is nullable, then its value; then the dynamic field as JSON text.
/// Dense vectors are raw little-endian bytes of their element type.
enum RowCodec {
    static let version: UInt8 = 1

    static func encode(_ row: EntityRow, partitionID: Int64, schema: CollectionSchema) throws -> [UInt8] {
        var w = RecordWriter()
        w.write(version)
        w.write(partitionID)
        w.write(Int32(schema.fields.count))
        for (field, value) in zip(schema.fields, row.values) {
            if field.nullable {
                w.write(value == .null)
                if value == .null { continue }
            } else if value == .null {
                throw SwiftvecError(.invalidInsertData, "fail to deal the insert data, error: field \(field.name) is required")
            }
            write(value, type: field.dataType, element: field.elementType, to: &w)
        }
        if let dynamic = row.dynamic, !dynamic.isEmpty {
            w.write(String(decoding: JSONWriter().encode(.object(dynamic)), as: UTF8.self))
        } else {
            w.write("")
        }
        return w.bytes
    }

    private static func write(_ value: FieldValue, type: DataType, element: DataType?, to w: inout RecordWriter) {
        switch value {
        case .bool(let b): w.write(b)
        case .int(let i): w.write(i)
        case .float(let f): w.write(Int32(bitPattern: f.bitPattern))
        case .double(let d): w.write(d)
        case .string(let s): w.write(s)
        case .json(let j): w.write(String(decoding: JSONWriter().encode(j), as: UTF8.self))
        case .array(let items):
            w.write(Int32(items.count))
            for item in items { write(item, type: element ?? .int64, element: nil, to: &w) }
        case .floatVector(let v):
            w.writeRaw(v)
        case .bytes(let b): w.writeRaw(b)
        case .int8Vector(let v): w.writeRaw(v)
        case .sparse(let s):
            w.write(Int32(s.indices.count))
            w.writeRaw(s.indices)
            w.writeRaw(s.values)
        case .null:
            // Only nullable fields hold null, and they are written with a flag above.
            break
        }
    }

    /// Decodes a record into a row and its partition id.
    static func decode(_ bytes: [UInt8], schema: CollectionSchema) throws -> (EntityRow, Int64) {
        var r = RecordReader(bytes, what: "row")
        guard try r.readUInt8() == version else { throw StorageError.corrupted("row record version") }
        let partition = try r.readInt64()
        guard Int(try r.readInt32()) == schema.fields.count else { throw StorageError.corrupted("row field count") }
        var values: [FieldValue] = []
        values.reserveCapacity(schema.fields.count)
        for field in schema.fields {
            if field.nullable, try r.readBool() {
                values.append(.null)
                continue
            }
            values.append(try read(type: field.dataType, field: field, from: &r))
        }
        let dynamicText = try r.readString()
        var dynamic: JSONObject?
        if !dynamicText.isEmpty {
            guard case .object(let o) = try JSONParser.parse(dynamicText) else { throw StorageError.corrupted("dynamic field") }
            dynamic = o
        }
        return (EntityRow(values: values, dynamic: dynamic), partition)
    }

    private static func read(type: DataType, field: FieldSchema?, from r: inout RecordReader) throws -> FieldValue {
        switch type {
        case .bool: return .bool(try r.readBool())
        case .int8, .int16, .int32, .int64: return .int(try r.readInt64())
        case .float: return .float(Float(bitPattern: UInt32(bitPattern: try r.readInt32())))
        case .double: return .double(try r.readDouble())
        case .varChar: return .string(try r.readString())
        case .json: return .json(try JSONParser.parse(try r.readString()))
        case .array:
            let element = field?.elementType ?? .int64
            return .array(try r.readArray { try read(type: element, field: nil, from: &$0) })
        case .floatVector:
            return .floatVector(try r.readRaw(Float.self, count: field?.dimension ?? 0))
        case .float16Vector, .bFloat16Vector, .binaryVector:
            return .bytes(try r.readRaw(UInt8.self, count: type.bytesPerVector(dim: field?.dimension ?? 0)))
        case .int8Vector:
            return .int8Vector(try r.readRaw(Int8.self, count: field?.dimension ?? 0))
        case .sparseFloatVector:
            let n = Int(try r.readInt32())
            return .sparse(SparseVector(indices: try r.readRaw(UInt32.self, count: n), values: try r.readRaw(Float.self, count: n)))
        }
    }
}
