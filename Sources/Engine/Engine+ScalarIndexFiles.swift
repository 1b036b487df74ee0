import Glibc
import VectorIndex

/// Scalar indexes saved next to the graphs and read back at load instead of being sorted again (see
/// `ScalarIndex+Persistence.swift` for the file).
extension Engine {
    /// What a scalar index file must have been built for: the index (its id, so a re-created index is
    /// another), its type and parameters (a JSON path and cast), and the field's type.
    static func scalarSignature(_ definition: IndexDefinition, field: FieldSchema) -> String {
        let params = definition.params.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "\u{1}")
        return "\(definition.id)\u{0}\(definition.indexType)\u{0}\(params)\u{0}\(field.dataType.rawValue)\u{0}\(field.elementType?.rawValue ?? 0)"
    }

    /// Saves a scalar index built over the first rows of `data`, replacing the field's previous file; an
    /// index that could not be built (a NaN, an inexact JSON number) removes it. Returns the file's path.
    func saveScalar(_ index: ScalarIndex?, _ data: CollectionData, collection c: CollectionInfo, field: FieldSchema,
                    definition: IndexDefinition) -> String? {
        let directory = indexDirectory(c.id, field: field.name)
        guard let index else {
            unlink("\(directory)/\(ScalarIndex.fileName)")
            return nil
        }
        let rowIDs: [Int64] = data.read { Array($0.rowIDs[0..<index.covered]) }
        let signature = Self.scalarSignature(definition, field: field), operation = operationNumber()
        return writeIndexFile(directory, ScalarIndex.fileName) {
            index.write(to: $0, signature: signature, operation: operation, rowIDs: rowIDs)
        }
    }

    /// Installs the saved scalar indexes of a freshly loaded collection that match its rows and definitions;
    /// a damaged or mismatched file is deleted, and that index is built as after any load.
    func restoreScalarIndexes(_ c: CollectionInfo, _ data: CollectionData) {
        for definition in c.indexes {
            guard let f = c.schema.fields.firstIndex(where: { $0.name == definition.fieldName }),
                  Self.isScalarIndex(on: c.schema.fields[f]) else { continue }
            let field = c.schema.fields[f]
            let path = "\(indexDirectory(c.id, field: field.name))/\(ScalarIndex.fileName)"
            guard access(path, F_OK) == 0 else { continue }
            let signature = Self.scalarSignature(definition, field: field)
            let jsonPath = IndexRules.jsonCast(definition, field: field)?.path
            // The row ids by reference (no copy); the file is checked and read without holding the lock.
            let rowIDs = data.read { $0.rowIDs }
            let index: ScalarIndex? = FileRegion(path: path).flatMap { region in
                ScalarIndex.read(UnsafeRawBufferPointer(start: region.base, count: region.count), signature: signature,
                                 field: f, jsonPath: jsonPath, rowIDs: rowIDs)
            }
            guard let index else {
                logger.warning("discarding a saved scalar index; it will be rebuilt", metadata: ["file": "\(path)"])
                unlink(path)
                continue
            }
            data.writeIndexes { segment, state in
                segment.setScalarIndex(index, field: f)
                state.coveredUpTo[field.name] = index.covered
            }
        }
    }
}
