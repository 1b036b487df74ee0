/// An index definition with its build progress.
public struct IndexStatus: Sendable, Equatable {
    public var definition: IndexDefinition
    public var state: String
    public var totalRows: Int64
    public var indexedRows: Int64
    public var pendingRows: Int64
    public var failReason: String
}

extension Engine {
    /// Creates indexes (validated, then persisted in one transaction). Re-creating an identical index is a
    /// no-op; a different second index on a field fails with 65535, as in Milvus.
    public func createIndexes(database: String, collection: String, requests: [IndexRequest]) throws(SwiftvecError) {
        try mutate { state, writer in
            var c = try state.collection(database: database, name: collection)
            try Self.apply(requests, to: &c, writer: writer)
            try writer.store(c, in: &state)
        }
        scheduleBuilds(try describeCollection(database: database, name: collection).id)
    }

    /// Validates index requests and adds the new definitions to `c` (identical ones are skipped).
    static func apply(_ requests: [IndexRequest], to c: inout CollectionInfo, writer: CatalogWriter) throws {
        for request in requests {
            guard let field = c.schema.field(named: request.fieldName) else {
                throw SwiftvecError(.missingRequiredParameter, "missing required parameters, error: `\(request.fieldName)` hasn't defined in schema")
            }
            let definition = try IndexRules.definition(for: request, field: field, id: try writer.newID())
            if let existing = c.index(onField: field.name) {
                guard IndexRules.same(existing, definition) else {
                    throw SwiftvecError.unexpected("CreateIndex failed: at most one distinct index is allowed per field")
                }
                continue
            }
            if let other = c.index(named: definition.name) {
                throw SwiftvecError.unexpected("CreateIndex failed: index name \(definition.name) is already used by the index on field \(other.fieldName)")
            }
            c.indexes.append(definition)
        }
    }

    public func listIndexes(database: String, collection: String) throws(SwiftvecError) -> [String] {
        try describeCollection(database: database, name: collection).indexes.map(\.name)
    }

    public func describeIndex(database: String, collection: String, index: String) throws(SwiftvecError) -> IndexStatus {
        let c = try describeCollection(database: database, name: collection)
        guard let definition = c.index(named: index) else { throw .indexNotFound(index) }
        let (total, indexed) = try indexProgress(c, definition: definition)
        return IndexStatus(definition: definition, state: indexed >= total ? "Finished" : "InProgress", totalRows: total,
                           indexedRows: min(indexed, total), pendingRows: max(0, total - indexed), failReason: "")
    }

    /// Drops an index; the collection must be released first, as in Milvus. A missing index is a success,
    /// like every other drop.
    public func dropIndex(database: String, collection: String, index: String) throws(SwiftvecError) {
        try mutate { state, writer in
            var c = try state.collection(database: database, name: collection)
            guard c.index(named: index) != nil else { return }
            guard !c.isLoaded else {
                // Milvus's proxy raises a plain error here, which the REST layer reports as 65535.
                throw SwiftvecError.unexpected("index cannot be dropped, collection is loaded, please release it first")
            }
            c.indexes.removeAll { $0.name == index }
            try writer.store(c, in: &state)
        }
        let c = try describeCollection(database: database, name: collection)
        for field in c.schema.fields where c.index(onField: field.name) == nil { removeSavedIndexes(c.id, field: field.name) }
    }

    public func alterIndexProperties(database: String, collection: String, index: String, set properties: [Property]) throws(SwiftvecError) {
        for p in properties where p.key == "mmap.enabled" && !["true", "false"].contains(p.value.lowercased()) {
            throw .invalidParameter("value of property mmap.enabled should be true or false, got \(p.value)")
        }
        try editIndex(database: database, collection: collection, index: index) { d in
            for p in properties { d.properties.set(p.key, p.value) }
        }
    }

    public func dropIndexProperties(database: String, collection: String, index: String, keys: [String]) throws(SwiftvecError) {
        try editIndex(database: database, collection: collection, index: index) { d in
            d.properties.removeAll { keys.contains($0.key) }
        }
    }

    private func editIndex(database: String, collection: String, index: String,
                           _ edit: (inout IndexDefinition) -> Void) throws(SwiftvecError) {
        try mutate { state, writer in
            var c = try state.collection(database: database, name: collection)
            guard let i = c.indexes.firstIndex(where: { $0.name == index }) else { throw SwiftvecError.indexNotFound(index) }
            edit(&c.indexes[i])
            try writer.store(c, in: &state)
        }
    }
}
