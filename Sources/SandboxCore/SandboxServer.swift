import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Runs the sandbox lane: the HTTP server on 127.0.0.1 and the simulated runner, until SIGTERM
/// or SIGINT shuts both down gracefully.
public enum SandboxServer {
    /// Serves until a shutdown signal; throws when the state cannot be opened or the port bound.
    public static func run(_ options: SandboxOptions) async throws {
        var logger = Logger(label: "ars-sandbox") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .info

        let notifier = ChangeNotifier()
        let lane = try SandboxLane(
            stateDirectory: URL(fileURLWithPath: options.stateDirectory, isDirectory: true),
            origin: options.startMilliseconds.map(Timestamp.init(milliseconds:)), speed: options.speed, notifier: notifier)
        let api = SandboxAPI(lane: lane, faults: FaultInjector(), notifier: notifier, apiKey: options.apiKey)

        let app = Application(
            router: api.makeRouter(),
            configuration: .init(address: .hostname("127.0.0.1", port: options.port), serverName: nil),
            onServerRunning: { channel in announce(port: channel.localAddress?.port ?? options.port) },
            logger: logger)
        let runner = RunnerService(lane: lane, notifier: notifier, logger: logger)
        // Shutdown runs in reverse order: the runner first (it releases long-polls), then the server.
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: app), .init(service: runner)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await lane.close()
            throw error
        }
        await lane.close()
    }

    /// The one machine-readable line on stdout once the server listens.
    private static func announce(port: Int) {
        let line = #"{"event":"listening","url":"http://127.0.0.1:\#(port)","pid":\#(ProcessInfo.processInfo.processIdentifier)}"# + "\n"
        FileHandle.standardOutput.write(Data(line.utf8))
    }
}

/// Drives the simulated runner in real time: applies steps as they fall due on the sandbox clock
/// and sleeps until the next one or until an operation changes the lane.
struct RunnerService: Service {
    let lane: SandboxLane
    let notifier: ChangeNotifier
    let logger: Logger

    func run() async throws {
        await withGracefulShutdownHandler {
            while !(await notifier.isShutDown) {
                let seen = await notifier.generation
                var delay = Duration.seconds(60)
                do {
                    if let next = try await lane.tick() { delay = next }
                } catch {
                    logger.error("the simulated runner failed to advance: \(error)")
                    delay = .seconds(1)
                }
                await notifier.wait(after: seen, timeout: delay)
            }
        } onGracefulShutdown: {
            Task { await notifier.shutDown() }
        }
    }
}
