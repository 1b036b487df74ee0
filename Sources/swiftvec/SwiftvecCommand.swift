import ArgumentParser

/// `swiftvec`: the command-line entry point.
@main
struct SwiftvecCommand: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "swiftvec",
        abstract: "A single-node vector database that speaks the Milvus RESTful API v2.",
        version: version,
        subcommands: [ServeCommand.self]
    )
}
