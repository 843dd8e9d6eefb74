import DockerEngine
import Logging

extension DockerSandbox {
    /// The logger of a sandbox's client: the one a library user passed to `DockerClient`, else
    /// the program's default (``EngineLogging/defaultLogger``, which the shared client uses).
    static func logger(_ client: DockerClient?) -> Logger { client?.logger ?? EngineLogging.defaultLogger }
}
