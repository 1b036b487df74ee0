import Engine
import JSON

/// `/v2/vectordb/partitions/*`.
enum PartitionRoutes {
    static func list(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let collection = try ctx.body.requiredString("collectionName")
        return Reply(data: WireShapes.strings(try ctx.engine.listPartitions(database: try ctx.database(), collection: collection)))
    }

    static func has(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let (collection, partition) = try names(ctx)
        return Reply(data: ["has": .bool(try ctx.engine.hasPartition(database: try ctx.database(), collection: collection,
                                                                      partition: partition))])
    }

    static func create(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let (collection, partition) = try names(ctx)
        try ctx.engine.createPartition(database: try ctx.database(), collection: collection, partition: partition)
        return .empty
    }

    static func drop(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let (collection, partition) = try names(ctx)
        try ctx.engine.dropPartition(database: try ctx.database(), collection: collection, partition: partition)
        return .empty
    }

    static func load(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let collection = try ctx.body.requiredString("collectionName")
        let partitions = try ctx.body.requiredStringArray("partitionNames")
        try ctx.engine.loadPartitions(database: try ctx.database(), collection: collection, partitions: partitions)
        return .empty
    }

    static func release(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let collection = try ctx.body.requiredString("collectionName")
        let partitions = try ctx.body.requiredStringArray("partitionNames")
        try ctx.engine.releasePartitions(database: try ctx.database(), collection: collection, partitions: partitions)
        return .empty
    }

    static func stats(_ ctx: RequestContext) throws(SwiftvecError) -> Reply {
        let (collection, partition) = try names(ctx)
        let count = try ctx.engine.rowCount(database: try ctx.database(), name: collection, partition: partition)
        return Reply(data: ["rowCount": .int(count)])
    }

    private static func names(_ ctx: RequestContext) throws(SwiftvecError) -> (String, String) {
        (try ctx.body.requiredString("collectionName"), try ctx.body.requiredString("partitionName"))
    }
}
