import ArgumentParser
import Foundation
import GyreClient

/// `gyre get KEY`: every sibling value and the context to write back with.
struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Read a key: its values (several when writes were concurrent) and its context.",
        discussion: "Exit code 3 when the key is missing or deleted (the context printed still lets you write it).")

    @OptionGroup var options: ClientOptions
    @Argument(help: "The key (UTF-8).") var key: String
    @Option(help: "Read quorum (0: the cluster's default).") var r: UInt32 = 0

    func run() async throws {
        let client = try await options.connect()
        let result: GyreReadResult
        do {
            result = try await client.get(key, options: GyreCallOptions(r: r, deadline: options.deadline))
        } catch {
            await client.close()
            throw options.fail(error)
        }
        await client.close()
        if options.json {
            print(JSON.object([
                ("key", .string(key)), ("found", .bool(!result.isMissing)), ("values", .array(result.values.map(ValueText.json))),
                ("siblings", .int(result.values.count)), ("context", .string(ValueText.context(result.context))),
                ("replicas", .int(result.replicas)), ("hinted", .int(result.hinted)), ("node", .string(result.node)),
            ]).text)
        } else if result.isMissing {
            print("not found: \(key)")
            if !result.context.isEmpty { print("context: \(ValueText.context(result.context))") }
        } else if result.values.count == 1 {
            print(ValueText.human(result.values[0]))
            print("context: \(ValueText.context(result.context))")
        } else {
            print("\(result.values.count) siblings (concurrent writes): merge them and put the result with this context")
            for (index, value) in result.values.enumerated() { print("[\(index + 1)] \(ValueText.human(value))") }
            print("context: \(ValueText.context(result.context))")
        }
        if result.isMissing { throw ExitCode(ExitCodes.notFound) }
    }
}

/// `gyre put KEY [VALUE]`: writes a value from an argument, a file or standard input.
struct PutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put", abstract: "Write a value; with --context it replaces the versions that context covers.",
        discussion: """
            The value is the VALUE argument, or the bytes of --file, or standard input with --stdin. \
            Without --context a put adds a sibling to what the key holds. Exit code 5 when the write \
            may or may not have been applied, 4 when it certainly was not.
            """)

    @OptionGroup var options: ClientOptions
    @Argument(help: "The key (UTF-8).") var key: String
    @Argument(help: "The value (UTF-8); or use --file or --stdin.") var value: String?
    @Option(help: "Read the value from this file.") var file: String?
    @Flag(help: "Read the value from standard input.") var stdin = false
    @Option(help: "The context a get or put printed (base64).") var context: String?
    @Option(help: "Write quorum (0: the cluster's default).") var w: UInt32 = 0
    @Flag(help: "Strict quorum: only the key's own replicas count toward W.") var strict = false

    func validate() throws {
        let sources = (value == nil ? 0 : 1) + (file == nil ? 0 : 1) + (stdin ? 1 : 0)
        guard sources == 1 else { throw ValidationError("give the value once: as an argument, with --file, or with --stdin") }
        _ = try ValueText.parseContext(context)
    }

    func run() async throws {
        let bytes: [UInt8]
        if let value {
            bytes = Array(value.utf8)
        } else if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("gyre: cannot read --file \(file)\n".utf8))
                throw ExitCode(ExitCodes.badInput)
            }
            bytes = Array(data)
        } else {
            bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
        }
        let client = try await options.connect()
        let result: GyreWriteResult
        do {
            result = try await client.put(Array(key.utf8), value: bytes, context: try ValueText.parseContext(context),
                                          options: GyreCallOptions(w: w, strictQuorum: strict, deadline: options.deadline))
        } catch let error as GyreClientError {
            await client.close()
            throw options.fail(error)
        }
        await client.close()
        if options.json {
            print(JSON.object([
                ("key", .string(key)), ("replicas", .int(result.replicas)), ("hinted", .int(result.hinted)),
                ("siblings", .int(result.values.count)), ("values", .array(result.values.map(ValueText.json))),
                ("context", .string(ValueText.context(result.context))), ("node", .string(result.node)),
            ]).text)
        } else {
            let hinted = result.hinted > 0 ? " (\(result.hinted) hinted)" : ""
            print("written: \(result.replicas) replica\(result.replicas == 1 ? "" : "s") acknowledged\(hinted)")
            if result.values.count > 1 {
                print("\(result.values.count) siblings now (another client wrote concurrently): merge them and put with this context")
                for (index, value) in result.values.enumerated() { print("[\(index + 1)] \(ValueText.human(value))") }
            }
            print("context: \(ValueText.context(result.context))")
        }
    }
}

/// `gyre delete KEY`: writes a tombstone.
struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a key (a tombstone replacing the versions the context covers).",
        discussion: "Without --context the tombstone replaces what the coordinating node holds. Exit codes as for put.")

    @OptionGroup var options: ClientOptions
    @Argument(help: "The key (UTF-8).") var key: String
    @Option(help: "The context a get or put printed (base64).") var context: String?
    @Option(help: "Write quorum (0: the cluster's default).") var w: UInt32 = 0
    @Flag(help: "Strict quorum: only the key's own replicas count toward W.") var strict = false

    func validate() throws { _ = try ValueText.parseContext(context) }

    func run() async throws {
        let client = try await options.connect()
        let result: GyreDeleteResult
        do {
            result = try await client.delete(Array(key.utf8), context: try ValueText.parseContext(context),
                                             options: GyreCallOptions(w: w, strictQuorum: strict, deadline: options.deadline))
        } catch let error as GyreClientError {
            await client.close()
            throw options.fail(error)
        }
        await client.close()
        if options.json {
            print(JSON.object([("key", .string(key)), ("deleted", .bool(true)), ("replicas", .int(result.replicas)),
                               ("hinted", .int(result.hinted)), ("node", .string(result.node))]).text)
        } else {
            print("deleted: \(result.replicas) replica\(result.replicas == 1 ? "" : "s") acknowledged")
        }
    }
}
