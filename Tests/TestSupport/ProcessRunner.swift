import Foundation

/// The result of running a program to completion.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs a program with `stdin` (nil: `/dev/null`), `environment` and working `directory`, and
/// collects its exit status and both output streams as bytes (read concurrently, so a full pipe
/// never blocks the child).
public func runProcessData(
    _ command: [String], stdin: Data? = nil, environment: [String: String], directory: String? = nil
) throws -> (status: Int32, stdout: Data, stderr: Data) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: command[0])
    process.arguments = Array(command.dropFirst())
    process.environment = environment
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let input = Pipe(), output = Pipe(), error = Pipe()
    process.standardInput = stdin == nil ? FileHandle.nullDevice : input
    process.standardOutput = output
    process.standardError = error
    try process.run()
    if let stdin {
        input.fileHandleForWriting.write(stdin)
        try input.fileHandleForWriting.close()
    }
    nonisolated(unsafe) var errorData = Data()
    let done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        errorData = error.fileHandleForReading.readDataToEndOfFile()
        done.signal()
    }
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    done.wait()
    process.waitUntilExit()
    return (process.terminationStatus, outputData, errorData)
}

/// `runProcessData` with text in and out.
public func runProcess(_ command: [String], stdin: String = "", environment: [String: String], directory: String? = nil) throws
    -> ProcessResult
{
    let result = try runProcessData(command, stdin: Data(stdin.utf8), environment: environment, directory: directory)
    return ProcessResult(
        status: result.status, stdout: String(decoding: result.stdout, as: UTF8.self),
        stderr: String(decoding: result.stderr, as: UTF8.self))
}

/// The directory of the test bundle, where SwiftPM also puts the built executables.
public let builtProducts = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()

/// The repository root.
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path
