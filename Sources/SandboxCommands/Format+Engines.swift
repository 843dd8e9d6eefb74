import SandboxKit

extension Format {
    /// `ps --all-engines`: every engine's sandboxes under its name, and one row for an engine that
    /// could not be listed, saying why.
    public static func engineSandboxes(_ engines: [(engine: String, list: Result<[SandboxInfo], any Error>)], width: Int? = nil) -> String {
        let rows = engines.flatMap { engine, list -> [[String]] in
            switch list {
            case .success(let list): list.map { [engine, $0.name, $0.kind, $0.state.rawValue, network($0.isolation), $0.status, creator($0)] }
            case .failure(let error): [[engine, "-", "-", "unreachable", "-", "\(error)", "-"]]
            }
        }
        return table(["ENGINE", "NAME", "RUNTIME/IMAGE", "STATE", "NET", "STATUS", "BY"], rows, width: width, whole: [0, 1, 4])
    }
}
