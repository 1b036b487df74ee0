import Storage

// Binary records of the catalog. Each record starts with a version byte; readers reject versions they do
// not know rather than guess.

private let recordVersion: UInt8 = 1

extension RecordWriter {
    mutating func write(_ properties: [Property]) {
        write(properties) { w, p in
            w.write(p.key)
            w.write(p.value)
        }
    }

    mutating func write(_ value: ScalarValue?) {
        switch value {
        case nil: write(UInt8(0))
        case .bool(let b): write(UInt8(1)); write(b)
        case .int(let i): write(UInt8(2)); write(i)
        case .double(let d): write(UInt8(3)); write(d)
        case .string(let s): write(UInt8(4)); write(s)
        }
    }
}

extension RecordReader {
    mutating func readProperties() throws -> [Property] {
        try readArray { r in Property(try r.readString(), try r.readString()) }
    }

    mutating func readScalar() throws -> ScalarValue? {
        switch try readUInt8() {
        case 0: return nil
        case 1: return .bool(try readBool())
        case 2: return .int(try readInt64())
        case 3: return .double(try readDouble())
        case 4: return .string(try readString())
        case let tag: throw StorageError.corrupted("unknown scalar tag \(tag)")
        }
    }

    mutating func readDataType() throws -> DataType {
        let raw = try readInt32()
        guard let t = DataType(rawValue: raw) else { throw StorageError.corrupted("unknown data type \(raw)") }
        return t
    }

    mutating func expectVersion(_ what: String) throws {
        let v = try readUInt8()
        guard v == recordVersion else { throw StorageError.corrupted("\(what) record version \(v) is not supported") }
    }
}

extension DatabaseInfo {
    func encoded() -> [UInt8] {
        var w = RecordWriter()
        w.write(recordVersion)
        w.write(id)
        w.write(name)
        w.write(properties)
        w.write(createdAt)
        return w.bytes
    }

    init(record: [UInt8]) throws {
        var r = RecordReader(record, what: "database")
        try r.expectVersion("database")
        self.init(id: try r.readInt64(), name: try r.readString(), properties: try r.readProperties(),
                  createdAt: try r.readInt64())
    }
}

extension CollectionInfo {
    func encoded() -> [UInt8] {
        var w = RecordWriter()
        w.write(recordVersion)
        w.write(id)
        w.write(databaseID)
        w.write(name)
        w.write(schema.description)
        w.write(schema.enableDynamicField)
        w.write(schema.fields) { w, f in
            w.write(f.id)
            w.write(f.name)
            w.write(f.description)
            w.write(f.dataType.rawValue)
            w.write(f.elementType?.rawValue ?? 0)
            w.write(f.isPrimaryKey)
            w.write(f.isPartitionKey)
            w.write(f.isClusteringKey)
            w.write(f.autoID)
            w.write(f.nullable)
            w.write(f.typeParams)
            w.write(f.defaultValue)
        }
        w.write(shardsNum)
        w.write(consistencyLevel.rawValue)
        w.write(partitions) { w, p in
            w.write(p.id)
            w.write(p.name)
            w.write(p.loaded)
            w.write(p.createdAt)
        }
        w.write(indexes) { w, i in
            w.write(i.id)
            w.write(i.name)
            w.write(i.fieldName)
            w.write(i.indexType)
            w.write(i.metricType ?? "")
            w.write(i.params)
            w.write(i.properties)
        }
        w.write(properties)
        w.write(loadedAsCollection)
        w.write(createdAt)
        w.write(lastOperation)
        return w.bytes
    }

    init(record: [UInt8]) throws {
        var r = RecordReader(record, what: "collection")
        try r.expectVersion("collection")
        id = try r.readInt64()
        databaseID = try r.readInt64()
        name = try r.readString()
        let description = try r.readString()
        let dynamic = try r.readBool()
        let fields = try r.readArray { r in
            var f = FieldSchema(id: try r.readInt64(), name: try r.readString(), description: try r.readString(),
                                dataType: try r.readDataType())
            let element = try r.readInt32()
            f.elementType = element == 0 ? nil : DataType(rawValue: element)
            f.isPrimaryKey = try r.readBool()
            f.isPartitionKey = try r.readBool()
            f.isClusteringKey = try r.readBool()
            f.autoID = try r.readBool()
            f.nullable = try r.readBool()
            f.typeParams = try r.readProperties()
            f.defaultValue = try r.readScalar()
            return f
        }
        schema = CollectionSchema(description: description, enableDynamicField: dynamic, fields: fields)
        shardsNum = try r.readInt32()
        let level = try r.readString()
        guard let consistency = ConsistencyLevel(rawValue: level) else {
            throw StorageError.corrupted("unknown consistency level \(level)")
        }
        consistencyLevel = consistency
        partitions = try r.readArray { r in
            PartitionInfo(id: try r.readInt64(), name: try r.readString(), loaded: try r.readBool(),
                          createdAt: try r.readInt64())
        }
        indexes = try r.readArray { r in
            let id = try r.readInt64()
            let name = try r.readString()
            let field = try r.readString()
            let type = try r.readString()
            let metric = try r.readString()
            return IndexDefinition(id: id, name: name, fieldName: field, indexType: type,
                                   metricType: metric.isEmpty ? nil : metric, params: try r.readProperties(),
                                   properties: try r.readProperties())
        }
        properties = try r.readProperties()
        loadedAsCollection = try r.readBool()
        createdAt = try r.readInt64()
        lastOperation = try r.readUInt64()
    }
}

extension AliasInfo {
    func encoded() -> [UInt8] {
        var w = RecordWriter()
        w.write(recordVersion)
        w.write(id)
        w.write(databaseID)
        w.write(name)
        w.write(collectionID)
        return w.bytes
    }

    init(record: [UInt8]) throws {
        var r = RecordReader(record, what: "alias")
        try r.expectVersion("alias")
        self.init(id: try r.readInt64(), databaseID: try r.readInt64(), name: try r.readString(),
                  collectionID: try r.readInt64())
    }
}

extension UserInfo {
    func encoded() -> [UInt8] {
        var w = RecordWriter()
        w.write(recordVersion)
        w.write(id)
        w.write(name)
        w.write(passwordHash)
        w.write(roles)
        w.write(createdAt)
        return w.bytes
    }

    init(record: [UInt8]) throws {
        var r = RecordReader(record, what: "user")
        try r.expectVersion("user")
        self.init(id: try r.readInt64(), name: try r.readString(), passwordHash: try r.readString(),
                  roles: try r.readStrings(), createdAt: try r.readInt64())
    }
}

extension RoleInfo {
    func encoded() -> [UInt8] {
        var w = RecordWriter()
        w.write(recordVersion)
        w.write(id)
        w.write(name)
        w.write(grants) { w, g in
            w.write(g.objectType)
            w.write(g.objectName)
            w.write(g.dbName)
            w.write(g.privilege)
            w.write(g.grantor)
        }
        return w.bytes
    }

    init(record: [UInt8]) throws {
        var r = RecordReader(record, what: "role")
        try r.expectVersion("role")
        self.init(id: try r.readInt64(), name: try r.readString(), grants: try r.readArray { r in
            PrivilegeGrant(objectType: try r.readString(), objectName: try r.readString(), dbName: try r.readString(),
                           privilege: try r.readString(), grantor: try r.readString())
        })
    }
}

extension PrivilegeGroupInfo {
    func encoded() -> [UInt8] {
        var w = RecordWriter()
        w.write(recordVersion)
        w.write(id)
        w.write(name)
        w.write(privileges)
        return w.bytes
    }

    init(record: [UInt8]) throws {
        var r = RecordReader(record, what: "privilege group")
        try r.expectVersion("privilege group")
        self.init(id: try r.readInt64(), name: try r.readString(), privileges: try r.readStrings())
    }
}
